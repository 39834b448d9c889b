"""``train(config)``: data -> tokens -> one run per learning rate -> the best run's model in ``config.out``.

Output folder (written through a staging folder: nothing half-written on error)::

    model.safetensors, config.json, tokenizer files, chat_template.jinja   the reward model (one label)
    attribute_model/                          regression only: the multi-attribute model (one label per attribute)
    merge_weights.json                        regression only: chosen w (:mod:`rmbase.merge_weights`), its accuracy
    training_log.jsonl                        every logged step of the chosen run (loss, accuracy, reward stats)
    validation_curve.csv                      every run: step, learning rate, validation pairwise accuracy
    lr_search.csv                             one row per learning rate: best accuracy, best step, tokens, seconds
    data_report.json                          rows read/kept/dropped (by reason), too long (dropped or truncated)
    train_config.json                         the resolved TrainConfig (+ derived epochs, micro-batch, accumulation)
    config.yaml                               the TrainConfig as YAML (``rmbase train --config`` reruns it)
    provenance.json                           versions, config, seeds, data hashes, chat-template hash

Checkpoints live in ``<out>.work/`` (one folder per learning rate). A run that is interrupted resumes from its last
checkpoint when started again with the same configuration; finished learning rates are not trained again. Started
with other options, it is refused, naming the changed options (``--restart`` discards the old work).
"""

from __future__ import annotations

import json
import logging
import shutil
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rmbase.config import RESOLVED_NAME
from rmbase.errors import InputError
from rmbase.training.callbacks import METRIC
from rmbase.training.config import TrainConfig
from rmbase.training.recipes import get_recipe
from rmbase.training.trainer import RunResult

log = logging.getLogger(__name__)
# options that do not change the result: a resumed run may differ in these
_RESUME_NEUTRAL = {"threads", "keep_checkpoints", "out", "device", "activation_checkpointing"}


@dataclass
class TrainResult:
    out: Path
    best: RunResult
    runs: list[RunResult]
    data_report: dict[str, Any]
    merge: dict | None = None
    warnings: list[str] = field(default_factory=list)


def _fingerprint(config: TrainConfig) -> dict[str, Any]:
    return {k: v for k, v in config.model_dump(mode="json").items() if k not in _RESUME_NEUTRAL}


def _work_dir(config: TrainConfig, *, restart: bool = False) -> Path:
    """``<out>.work``, resumed only by a run with the same options (:func:`rmbase.io.work_folder`)."""
    from rmbase.io import work_folder

    out = Path(config.out)
    return work_folder(out.with_name(out.name + ".work"), _fingerprint(config), restart=restart,
                       what="training run")[0]


def check_base(config: TrainConfig) -> None:
    """Fail early (before any data work or checkpoint folder) when the base cannot be a sequence classifier."""
    from transformers import AutoModelForSequenceClassification

    from rmbase.hf_models import check_model_source, hub_options, read_model_config

    source = check_model_source(config.base)
    if Path(source).expanduser().is_file():
        gguf = Path(source).suffix.lower() == ".gguf"
        raise InputError("a GGUF file, not a model folder" if gguf else "a file, not a model folder", path=source,
                         expected="a transformers model folder (config.json + model.safetensors) or a Hub id"
                                  + ("; convert the GGUF once as docs/train.md shows ('A GGUF base')" if gguf else ""))
    cfg = read_model_config(source, hub_options(revision=config.revision, trust_remote_code=config.trust_remote_code))
    if not config.trust_remote_code and type(cfg) not in AutoModelForSequenceClassification._model_mapping:
        raise InputError(f"model type {cfg.model_type!r} cannot become a sequence classifier (no "
                         "AutoModelForSequenceClassification class in transformers)", path=config.base,
                         expected="a decoder or encoder language model such as Llama, Qwen2, Mistral, Gemma")


def prepare_data(config: TrainConfig, tokenizer: Any) -> tuple[list[dict], list[dict], dict[str, Any]]:
    """Load, validate and encode the training data (as the recipe reads it) and the validation pairs; returns
    items and the data report."""
    from rmbase.training.data import load_pairs
    from rmbase.training.encoding import encode_pairs

    report: dict[str, Any] = {}
    train_items, train_rep, train_len = get_recipe(config.recipe).load_train(config, tokenizer)
    val_rows, val_rep = load_pairs(config.val, on_bad_rows=config.on_bad_rows)
    val_items, val_len = encode_pairs(tokenizer, val_rows, max_length=config.max_length, policy=config.long_pairs,
                                      name="validation")
    report["train"] = {**train_rep.as_dict(), "length": train_len.as_dict(), "items": len(train_items)}
    report["validation"] = {**val_rep.as_dict(), "length": val_len.as_dict(), "items": len(val_items)}
    return train_items, val_items, report


def data_warnings(report: dict[str, Any]) -> list[str]:
    out = []
    for part, rep in report.items():
        for reason, n in sorted(rep.get("dropped", {}).items()):
            out.append(f"{part}: dropped {n} row(s): {reason}")
        length = rep.get("length", {})
        if length.get("dropped_too_long") and length.get("policy") == "truncate":
            out.append(f"{part}: dropped {length['dropped_too_long']} pair(s) whose two sides became identical "
                       f"when truncated to max_length={length['max_length']}")
        elif length.get("dropped_too_long"):
            out.append(f"{part}: dropped {length['dropped_too_long']} item(s) longer than "
                       f"max_length={length['max_length']} (use --truncation left to keep them)")
        if length.get("truncated"):
            out.append(f"{part}: truncated {length['truncated']} item(s) to max_length={length['max_length']}")
    return out


def train(config: TrainConfig, progress: Callable[[str], None] | None = None, *,
          on_validation: Callable[[dict], None] | None = None, console: Any = None,
          restart: bool = False) -> TrainResult:
    """Run the whole recipe (every learning rate of the grid) and write the chosen reward model to ``config.out``.

    ``progress`` receives one line per validation point (the CLI prints them). With a rich ``console`` each
    run shows a live bar (steps, loss, tokens/s, ETA; :mod:`rmbase.training.progress_bar`). ``on_validation``
    receives one dict per checkpoint, once it is saved: ``{learning_rate, step, val_accuracy, checkpoint,
    max_steps}`` (``rmbase sweep`` reports these to Ray Tune;
    a learning rate reloaded from an earlier finished run reports nothing). An interrupted run resumes from
    ``<out>.work``; when its options changed the run is refused (the changed keys named) unless ``restart``,
    which discards that work.
    """
    import torch
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    from rmbase.hf_text import load_tokenizer
    from rmbase.training.memory import limit_allocator_retention

    if config.threads:
        torch.set_num_threads(config.threads)
    limit_allocator_retention()  # freed activations go back to the system (training/memory.py)
    check_base(config)
    tokenizer = load_tokenizer(config.base, chat_template=config.chat_template, revision=config.revision,
                               trust_remote_code=config.trust_remote_code)
    train_items, val_items, report = prepare_data(config, tokenizer)
    notes = data_warnings(report)
    from rmbase.training.checks import check_runs, data_summary, no_gain_over_untrained

    if progress:  # before the first step, not after the run
        progress(data_summary(report))
        for note in notes:
            progress(f"warning: {note}")
    for note in notes:
        warnings.warn(note, stacklevel=2)
    work = _work_dir(config, restart=restart)
    runs = [_run_or_reload(config, lr, tokenizer, train_items, val_items, work, progress, on_validation,
                           console)
            for lr in config.learning_rates]
    best = max(runs, key=lambda r: (r.best_accuracy, -runs.index(r)))  # ties: the first LR of the grid
    notes = notes + check_runs(runs, best) + no_gain_over_untrained(runs)
    with _staged(config.out) as stage:
        merge = get_recipe(config.recipe).write_reward_model(config, Path(best.model_dir), tokenizer, val_items,
                                                             stage)
        _write_records(config, tokenizer, runs, best, report, merge, stage)
    if not config.keep_checkpoints:
        shutil.rmtree(work, ignore_errors=True)
    return TrainResult(out=Path(config.out), best=best, runs=runs, data_report=report, merge=merge, warnings=notes)


def _staged(out: str):
    from rmbase.io import staged_output_dir

    return staged_output_dir(out)


def _run_or_reload(config: TrainConfig, lr: float, tokenizer: Any, train_items: list[dict],
                   val_items: list[dict], work: Path, progress: Callable[[str], None] | None,
                   on_validation: Callable[[dict], None] | None = None, console: Any = None) -> RunResult:
    from rmbase.io import atomic_write_json
    from rmbase.training.trainer import run_one

    run_dir = work / f"lr_{lr:.6g}"
    done = run_dir / "result.json"
    if done.exists():
        return RunResult(**json.loads(done.read_text()))
    run_dir.mkdir(parents=True, exist_ok=True)
    result = run_one(config, lr, tokenizer, train_items, val_items, run_dir, progress, on_validation=on_validation,
                     console=console)
    shutil.rmtree(run_dir / "checkpoints", ignore_errors=True)  # the best model is saved in run_dir/best
    atomic_write_json(done, result.as_dict())
    return result


def _write_records(config: TrainConfig, tokenizer: Any, runs: list[RunResult], best: RunResult,
                   report: dict, merge: dict | None, stage: Path) -> None:
    import pandas as pd

    from rmbase.hf_text import template_sha256
    from rmbase.io import atomic_write_json, atomic_write_text
    from rmbase.provenance import provenance

    atomic_write_text(stage / "training_log.jsonl",
                      "".join(json.dumps({"learning_rate": best.learning_rate, **row}) + "\n"
                              for row in best.log_history))
    curve = [{"learning_rate": r.learning_rate, "step": p["step"], METRIC: p[METRIC],
              **{k: v for k, v in p.items() if k not in ("step", METRIC)}} for r in runs for p in r.curve]
    atomic_write_text(stage / "validation_curve.csv", pd.DataFrame(curve).to_csv(index=False))
    lr_rows = [{"learning_rate": r.learning_rate, "best_accuracy": r.best_accuracy, "best_step": r.best_step,
                "train_tokens": r.train_tokens, "train_seconds": round(r.train_seconds, 3),
                "chosen": r is best} for r in runs]
    atomic_write_text(stage / "lr_search.csv", pd.DataFrame(lr_rows).to_csv(index=False))
    atomic_write_json(stage / "data_report.json", report)
    resolved = config.model_dump(mode="json")
    resolved.update(epochs=config.resolved_epochs, grad_accumulation=config.grad_accumulation,
                    micro_batch=config.micro_batch)
    atomic_write_json(stage / "train_config.json", resolved)
    atomic_write_text(stage / RESOLVED_NAME, config.to_yaml())  # loadable again: rmbase train --config
    atomic_write_json(stage / "provenance.json", provenance(
        config=resolved,
        data={"train": report["train"]["sha256"], "validation": report["validation"]["sha256"]},
        seeds={"seed": config.seed},
        packages=["rmbase", "torch", "transformers", "trl", "peft", "accelerate", "datasets", "numpy"],
        chat_template_sha256=template_sha256(tokenizer),
        pad_token=tokenizer.pad_token, eos_token=tokenizer.eos_token, padding_side=tokenizer.padding_side,
        chosen_learning_rate=best.learning_rate, chosen_step=best.best_step,
        validation_accuracy=best.best_accuracy, merge=merge,
        dropped_or_truncated={part: rep.get("length", {}) | {"dropped_rows": rep.get("dropped", {})}
                              for part, rep in report.items()},
    ))
