"""``rmbase train``: train a reward model from a base LLM as in the study (Bradley-Terry or regression)."""

from __future__ import annotations

from typing import Annotated

import typer

from rmbase.commands.config_options import ADVANCED, INPUTS, Alias, ConfigOptions, Parsed
from rmbase.commands.options import ConfigFile, Restart, given_options


def _attribute_range(text: str, option: str) -> tuple[float, float] | None:
    from rmbase.errors import InputError

    if text.strip().lower() == "none":
        return None
    try:
        lo, hi = (float(x) for x in text.split(","))
    except ValueError as exc:
        raise InputError(f"{option} must be 'min,max' or 'none', got {text!r}") from exc
    return lo, hi


TRAIN_OPTIONS = ConfigOptions(
    "rmbase.training.config:TrainConfig",
    names={"base": "--model", "train": "--data", "val": "--val-data", "batch_size": "--global-batch-size",
           "learning_rates": "--lr-grid", "long_pairs": "--truncation"},
    aliases={"base": Alias("--base"), "train": Alias("--train"), "val": Alias("--val"),
             "batch_size": Alias("--batch-size"), "long_pairs": Alias("--long-pairs")},
    metavars={"out": "PATH"},
    choices={"long_pairs": {"drop": "drop", "left": "truncate"}},  # the config keeps its (saved) values
    parsed={"attribute_range": Parsed(_attribute_range, "MIN,MAX|none", "0,4")},
    panels={INPUTS: ("base", "train", "val", "out"),
            "Training": ("recipe", "learning_rates", "lr", "epochs", "batch_size", "per_device_batch_size", "max_length",
                         "long_pairs", "warmup_steps", "schedule", "eval_steps", "weight_decay", "max_steps", "seed",
                         "use_margin", "on_bad_rows"),
            "LoRA": ("lora", "lora_r", "lora_alpha", "lora_dropout"),
            "Regression recipe": ("attributes", "attribute_signs", "attribute_range", "merge_steps"),
            ADVANCED: ("chat_template", "revision", "trust_remote_code", "dtype", "device", "threads",
                       "activation_checkpointing", "keep_checkpoints")},
)


def register(app: typer.Typer) -> None:
    app.command("train", cls=TRAIN_OPTIONS.command())(train_command)


def train_command(
    ctx: typer.Context,
    lr: Annotated[float | None, typer.Option("--lr", metavar="NUMBER", help="One learning rate (the same as "
                                             "--lr-grid with one value).")] = None,
    restart: Restart = False,
    config: ConfigFile = None,
) -> None:
    """Train a reward model from a base model (TRL RewardTrainer or multi-attribute regression + merge-weight search).

    With --config FILE (a TrainConfig as YAML, e.g. the config.yaml of an earlier run) the options given here
    override the file."""
    import warnings

    from rich.console import Console

    from rmbase.errors import InputError
    from rmbase.escaping import terminal
    from rmbase.io import check_output_path
    from rmbase.training import train as run_training

    if lr is not None and given_options(ctx, {"learning_rates": None}):
        raise InputError("give either --lr or --lr-grid, not both")
    cfg = TRAIN_OPTIONS.resolve(ctx, config, extra={"learning_rates": None if lr is None else [lr]},
                                extra_sources={"learning_rates": ("lr",)})
    console = Console(highlight=False)
    out_dir = check_output_path(cfg.out, kind="dir")  # before any work: no FILE.work/ left behind
    check_output_path(out_dir.with_name(out_dir.name + ".work"), kind="dir", option="--out (its checkpoint folder)")
    with warnings.catch_warnings(record=True) as caught:  # shown below, once each, with the run's own notes
        warnings.simplefilter("always", UserWarning)
        shown: set[str] = set()  # lines already printed during the run (the data warnings, before step 1)

        def progress(line: str) -> None:
            shown.add(line)
            console.print(line, markup=False)

        result = run_training(cfg, progress=progress, console=console, restart=restart)
    notes = list(dict.fromkeys([*result.warnings, *(str(w.message) for w in caught
                                                     if issubclass(w.category, UserWarning))]))
    for note in (n for n in notes if f"warning: {n}" not in shown):
        console.print(f"[yellow]warning:[/] {terminal(note)}")
    for run in result.runs:
        mark = "*" if run is result.best else " "
        console.print(f"{mark} lr={run.learning_rate:g}: best validation accuracy {run.best_accuracy:.4f} "
                      f"at step {run.best_step}")
    if result.merge:
        console.print(f"merge weights: {result.merge['weights']} (validation accuracy "
                      f"{result.merge['accuracy']:.4f})")
    console.print(f"reward model written to {result.out} (resolved config: {result.out / 'config.yaml'})",
                  markup=False)
