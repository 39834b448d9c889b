"""Speed of `rmbase sweep` (targets of issue 13), each against a baseline measured in the same run:

1. scheduling overhead per cell: no-op cells (cells whose result is already in the store, so the trainable only
   verifies and re-reports it) through the sweep's Tune experiment on embedded Ray, vs a bare Tune function
   trainable that reports once (target: under 1 s per cell);
2. `sweep status` and `sweep collect` on a synthetic finished 500-cell store, vs reading the 500 result files with
   json.load (target: under 2 s each);
3. resuming a finished 500-cell store (`run_sweep` with nothing left to do), including Ray's start, vs starting and
   stopping embedded Ray alone (target: under 15 s).

    python benchmarks/bench_sweep.py [--cells 500] [--noop 16] [--work /tmp/rmbase_bench_sweep]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TUNE_DISABLE_AUTO_CALLBACK_LOGGERS", "1")


def build(work: Path, n_bases: int, n_lrs: int):
    """A valid config of n_bases x n_lrs cells over stub base folders, and a store in which every cell is done."""
    from rmbase.sweep.checks import validate
    from rmbase.sweep.config import SweepConfig
    from rmbase.sweep.engine import prepare_store
    from rmbase.sweep.store import write_checked

    work.mkdir(parents=True, exist_ok=True)
    pairs = work / "pairs.jsonl"
    pairs.write_text("".join(json.dumps({"prompt": f"q{i}", "chosen": "good answer", "rejected": "bad"}) + "\n"
                             for i in range(32)))
    evals = work / "eval.jsonl"
    evals.write_text("".join(json.dumps({"id": f"e{i}", "subset": "llmbar-natural", "prompt": f"q{i}",
                                         "chosen": "a", "rejected": "b"}) + "\n" for i in range(8)))
    bases = []
    for b in range(n_bases):
        folder = work / "bases" / f"base{b:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "config.json").write_text(json.dumps({"model_type": "llama"}))
        bases.append({"name": f"base{b:03d}", "path": str(folder), "params_b": 0.1 + b / 10})
    cfg = SweepConfig.model_validate({
        "bases": bases, "recipes": ["bradley_terry"], "learning_rates": [1e-6 * (k + 1) for k in range(n_lrs)],
        "data": {"bradley_terry": {"train": str(pairs), "val": str(pairs)}},
        "eval_sets": {"rb": {"benchmark": "rewardbench", "data": str(evals)}},
        "resources": {"cpus": 1}, "training": {"eval_steps": 20}})
    checked = validate(cfg)
    store_dir = work / "store"
    shutil.rmtree(store_dir, ignore_errors=True)
    store = prepare_store(checked, store_dir)
    subsets = {"llmbar-natural": 0.6, "llmbar-adver-neighbor": 0.5, "mt-bench-hard": 0.7}
    for i, cell in enumerate(checked.cells):
        curve = [{"step": s, "val_accuracy": 0.5 + 0.001 * ((i * 7 + s) % 100)} for s in range(0, 201, 20)]
        best = max(curve, key=lambda p: p["val_accuracy"])
        write_checked(store.cell_dir(cell.id) / "result.json", {
            "cell": cell.id, "base": cell.base, "source": cell.source, "recipe": cell.recipe,
            "learning_rate": cell.learning_rate, "seed": cell.seed, "val_accuracy": best["val_accuracy"],
            "best_step": best["step"], "last_step": 200, "max_steps": 200, "curve": curve,
            "model": str(store.cell_dir(cell.id) / "model"), "params_b": 0.1, "reinitialised_token_ids": [],
            "eval": {"rb": {"benchmark": "rewardbench", "rules": "v1", "score": None,
                            "sections": {"Chat Hard": 0.6}, "partial": ["Chat Hard"], "subsets": subsets,
                            "subset_totals": dict.fromkeys(subsets, 100), "counts": {"examples": 300},
                            "path": "", "provenance": {"dtype": "bfloat16", "max_length": 2048}}},
            "wall_s": 100.0, "eval_s": 10.0, "train_s": 90.0, "gpu_hours": 0.03, "cpu_hours": 0.2,
            "provenance": {"train": {"chat_template_sha256": "0" * 64}, "fingerprint": cell.fingerprint}})
    return checked, store


def timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t0, out


def bench_noop(checked, store, n: int) -> tuple[float, float]:
    from ray import tune

    from rmbase.sweep.engine import fit_cells

    cells = checked.cells[:n]
    t_ours, (grid, _, _) = timed(fit_cells, checked, store, cells, max_concurrent=None)
    assert not grid.errors, grid.errors

    def bare(config):
        tune.report({"x": 1})

    def run_bare():
        # the same Tune settings as the sweep's (one CPU a trial, actors reused), around a trainable doing nothing
        tuner = tune.Tuner(tune.with_resources(bare, {"cpu": 1}), param_space={"i": tune.grid_search(list(range(n)))},
                           tune_config=tune.TuneConfig(trial_dirname_creator=lambda t: t.trial_id, reuse_actors=True),
                           run_config=tune.RunConfig(storage_path=str(store.root.parent / "bare"), verbose=0))
        return tuner.fit()

    t_bare, _ = timed(run_bare)
    return t_ours / n, t_bare / n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", type=int, default=500)
    ap.add_argument("--noop", type=int, default=16)
    ap.add_argument("--work", type=Path, default=Path("/tmp/rmbase_bench_sweep"))
    args = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    n_lrs = 10
    checked, store = build(args.work, max(1, args.cells // n_lrs), n_lrs)
    n = len(checked.cells)
    print(f"synthetic finished store: {n} cells in {store.root}")

    from rmbase.sweep.collect import collect, status_rows

    def read_all():
        return [json.loads((store.cell_dir(c.id) / "result.json").read_text()) for c in checked.cells]

    t_read, _ = timed(read_all)
    t_status, rows = timed(status_rows, store)
    t_collect, info = timed(collect, store.root, args.work / "results.parquet")
    assert len(rows) == n and info["cells"] == n // n_lrs
    print(f"status : {t_status:.3f} s for {n} cells (target < 2 s); baseline json.load of every result "
          f"{t_read:.3f} s; ratio {t_status / t_read:.1f}x")
    print(f"collect: {t_collect:.3f} s for {n} cells (target < 2 s); ratio to baseline {t_collect / t_read:.1f}x")

    import ray

    from rmbase.ray_engine import connect

    t_ray, _ = timed(lambda: (connect(), ray.shutdown()))
    from rmbase.sweep.engine import run_sweep

    def resume():
        summary = run_sweep(checked, store.root)
        connect()  # the resume measure includes Ray's start, as a real `sweep run` would need it for any work
        return summary

    t_resume, summary = timed(resume)
    assert summary.ran == [] and summary.skipped == n
    print(f"resume : {t_resume:.3f} s for a finished {n}-cell store incl. Ray start (target < 15 s); baseline "
          f"Ray start+stop alone {t_ray:.3f} s; ratio {t_resume / t_ray:.2f}x")

    per_cell, per_bare = bench_noop(checked, store, min(args.noop, n))
    print(f"no-op cells: {per_cell:.3f} s per cell over {min(args.noop, n)} cells (target < 1 s); bare Tune "
          f"trainable {per_bare:.3f} s per trial; ratio {per_cell / per_bare:.2f}x")
    ray.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
