"""What one cell does (inside its Ray Tune trial): train one learning rate with the training room, report validation
accuracy at every checkpoint, evaluate the best checkpoint on every eval set with the rm_eval room, and write the
checksummed result. Every step is resumable: a finished training (``trained.json``) is not redone, an interrupted
one resumes from its last checkpoint (the training room's ``model.work/``), a finished eval set is not rescored.

Nothing here imports Ray: ``report`` is the function that sends a result to Tune (``tune.report`` in a trial).
"""

from __future__ import annotations

import json
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rmbase.io import CORRUPT, read_checked, write_checked
from rmbase.sweep.store import Store

Report = Callable[[dict[str, Any]], None]

# provenance fields of the training and evaluation runs kept with every collected row
TRAIN_PROVENANCE = ("packages", "chat_template_sha256", "pad_token", "padding_side", "chosen_step",
                    "dropped_or_truncated", "data_sha256", "seeds")
EVAL_PROVENANCE = ("template_sha256", "dtype", "max_length", "truncation", "padding_side", "batch_size",
                   "data_source", "merge_weights")


def run_cell(store_root: str | Path, cell_id: str, report: Report | None = None) -> dict[str, Any]:
    """Run (or finish) one cell and return its result; an exception is recorded with its traceback and re-raised
    (so that Tune retries the cell up to the config's limit)."""
    store = Store(store_root)
    report = report or (lambda _m: None)
    try:
        return _run(store, cell_id, report)
    except BaseException as exc:
        if not isinstance(exc, (KeyboardInterrupt, SystemExit)):
            store.record_error(cell_id, f"{type(exc).__name__}: {exc}", traceback.format_exc())
        raise


def _run(store: Store, cell_id: str, report: Report) -> dict[str, Any]:
    folder = store.cell_dir(cell_id)
    done = read_checked(folder / "result.json")
    if isinstance(done, dict):  # finished in an earlier run: report it again, train nothing
        report(_final_metrics(done))
        return done
    if done is CORRUPT:
        (folder / "result.json").rename(folder / f"result.json.corrupt-{int(time.time())}")
    cell = store.cell(cell_id)
    t0 = time.time()
    trained = _train(store, cell, report)
    t1, cpu1 = time.time(), time.process_time()
    evals = {name: _evaluate(folder, cell, name, spec, trained) for name, spec in cell["evals"].items()}
    t2 = time.time()
    wall = trained.get("train_wall_s", t1 - t0) + (t2 - t1)
    result = {
        "cell": cell_id, "base": cell["base"], "source": cell["source"], "recipe": cell["recipe"],
        "learning_rate": cell["learning_rate"], "seed": cell["seed"],
        "val_accuracy": trained["best_accuracy"], "best_step": trained["best_step"],
        "last_step": trained["last_step"], "max_steps": trained["max_steps"], "curve": trained["curve"],
        "model": str(folder / "model"), "params_b": trained.get("params_b"), "eval": evals,
        "reinitialised_token_ids": trained.get("reinitialised_token_ids", []),
        "wall_s": wall, "eval_s": t2 - t1, "train_s": trained.get("train_wall_s"),
        "cpu_s": trained.get("train_cpu_s", 0.0) + (time.process_time() - cpu1),   # of the last attempt
        "gpu_hours": wall / 3600 * cell["gpus"], "cpu_hours": wall / 3600 * cell["cpus"],
        "provenance": {"train": trained.get("provenance", {}), "fingerprint": cell["fingerprint"]},
    }
    write_checked(folder / "result.json", result)
    report(_final_metrics(result))
    return result


def _final_metrics(result: dict[str, Any]) -> dict[str, Any]:
    out = {"step": int(result["last_step"]), "val_accuracy": float(result["val_accuracy"]), "done": True}
    for name, ev in result["eval"].items():
        score = ev.get("score")
        out[f"{name}_score"] = float("nan") if score is None else float(score)
    return out


def _train(store: Store, cell: dict[str, Any], report: Report) -> dict[str, Any]:
    folder = store.cell_dir(cell["id"])
    previous = read_checked(folder / "trained.json")
    if isinstance(previous, dict) and (folder / "model" / "config.json").is_file():
        return previous
    from rmbase.hf_models import params_b
    from rmbase.training import train
    from rmbase.training.config import TrainConfig

    config = TrainConfig(**cell["train"], out=str(folder / "model"), **_placement(cell))
    drop_incomplete_checkpoints(folder / "model.work")
    start, cpu_start = time.time(), time.process_time()
    from rmbase.io import atomic_write_json

    done_steps = max((p["step"] for p in store.progress(cell["id"])), default=0)
    atomic_write_json(folder / "attempt.json", {"time": start, "from_step": done_steps})  # the pace of ASHA's cuts

    def on_validation(point: dict[str, Any]) -> None:
        entry = {"step": point["step"], "val_accuracy": point["val_accuracy"], "max_steps": point["max_steps"],
                 "time": time.time()}
        store.append_progress(cell["id"], entry)
        if point["step"] < point["max_steps"]:  # the last checkpoint reaches Tune with the final result, after the
            report({"step": point["step"], "val_accuracy": point["val_accuracy"],  # evaluation: a scheduler
                    "max_steps": point["max_steps"], "done": False})              # never cuts a trained cell

    result = train(config, on_validation=on_validation)
    best = result.best
    curve = [{"step": int(p["step"]), "val_accuracy": float(p["pairwise_accuracy"])} for p in best.curve]
    last = max((p["step"] for p in curve), default=0)
    prov = _read_json(folder / "model" / "provenance.json")
    trained = {"best_accuracy": float(best.best_accuracy), "best_step": int(best.best_step), "last_step": last,
               "max_steps": _max_steps(store, cell["id"], last), "curve": curve,
               "train_tokens": int(best.train_tokens), "train_wall_s": time.time() - start,
               "train_cpu_s": time.process_time() - cpu_start,
               "merge": result.merge, "params_b": params_b(folder / "model"),
               "reinitialised_token_ids": list(best.reinitialised_token_ids),
               "provenance": {k: prov.get(k) for k in TRAIN_PROVENANCE if k in prov}}
    write_checked(folder / "trained.json", trained)
    return trained


def drop_incomplete_checkpoints(work: Path) -> list[Path]:
    """Remove checkpoint folders a kill left half-written (no ``trainer_state.json``, which the Trainer writes
    last), so that the resumed training starts from the last complete one."""
    import shutil

    dropped = []
    for ckpt in work.glob("lr_*/checkpoints/checkpoint-*"):
        if ckpt.is_dir() and not (ckpt / "trainer_state.json").is_file():
            shutil.rmtree(ckpt, ignore_errors=True)
            dropped.append(ckpt)
    return dropped


def _max_steps(store: Store, cell_id: str, last: int) -> int:
    points = store.progress(cell_id)
    return int(points[-1].get("max_steps", last)) if points else last


def _evaluate(folder: Path, cell: dict[str, Any], name: str, spec: dict[str, Any], trained: dict[str, Any]) -> dict:
    out = folder / "eval" / name
    results = _read_json(out / "results.json")
    if not results:
        from rmbase.rm_eval.runner import EvaluateConfig, evaluate_model

        cfg = EvaluateConfig(**spec, model=str(folder / "model"), out=str(out), **_placement(cell))
        results = evaluate_model(cfg)
    prov = results.get("provenance", {})
    return {"benchmark": results["benchmark"], "rules": results["rules"], "score": results.get("score"),
            "sections": results.get("sections", {}), "partial": results.get("partial", []),
            "subsets": {k: v["accuracy"] for k, v in results.get("subsets", {}).items()},
            "subset_totals": {k: v["total"] for k, v in results.get("subsets", {}).items()},
            "counts": results.get("counts", {}), "path": str(out),
            "provenance": {k: prov.get(k) for k in EVAL_PROVENANCE if k in prov}}


def _placement(cell: dict[str, Any]) -> dict[str, Any]:
    """The device and threads of a cell's training and evaluation: from its resources (never from the config)."""
    return {"device": "cuda" if cell["gpus"] > 0 else "cpu", "threads": max(1, int(cell["cpus"]))}


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return {}
