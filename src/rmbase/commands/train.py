"""``rmbase train``: train a reward model from a base LLM as in the study (Bradley-Terry or regression)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rmbase.commands.options import ConfigFile, Restart, renamed, resolve_config

RECIPE_HELP = "bradley_terry | regression"


def register(app: typer.Typer) -> None:
    app.command("train")(train_command)


def _parse_lrs(lr: float | None, lr_grid: str | None) -> list[float]:
    from rmbase.errors import InputError

    if lr is not None and lr_grid:
        raise InputError("give either --lr or --lr-grid, not both")
    if lr_grid:
        try:
            return [float(x) for x in lr_grid.split(",") if x.strip()]
        except ValueError as exc:
            raise InputError(f"--lr-grid must be comma-separated numbers, got {lr_grid!r}") from exc
    return [lr if lr is not None else 2e-6]


def train_command(
    ctx: typer.Context,
    model: Annotated[str | None, typer.Option("--model", help="Base model to train from: Hugging Face id or local "
                                              "folder (the config's `base`).")] = None,
    base: Annotated[str | None, typer.Option("--base", hidden=True, help="Deprecated: --model.")] = None,
    train: Annotated[str | None, typer.Option("--train", help="Training data (JSONL/Parquet/CSV file or Hub id "
                                              "org/name[:split]).")] = None,
    val: Annotated[str | None, typer.Option("--val", help="Validation preference pairs (checkpoint, LR and "
                                            "merge-weight choice).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Output folder for the reward model and its "
                                             "records.")] = None,
    recipe: Annotated[str, typer.Option("--recipe", help=RECIPE_HELP)] = "bradley_terry",
    lr: Annotated[float | None, typer.Option("--lr", help="Learning rate (default 2e-6).")] = None,
    lr_grid: Annotated[str | None, typer.Option("--lr-grid", help="Comma-separated learning rates; the best by "
                                                "validation accuracy is kept, all are recorded.")] = None,
    epochs: Annotated[float | None, typer.Option("--epochs", help="Epochs (default: the recipe's: 1 bradley_terry, "
                                                 "2 regression).")] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Global batch size (reached by gradient "
                                            "accumulation).")] = 64,
    per_device_batch_size: Annotated[int, typer.Option("--per-device-batch-size", help="Micro-batch per "
                                                       "step.")] = 8,
    max_length: Annotated[int, typer.Option("--max-length", help="Maximum tokens per rendered "
                                            "conversation.")] = 2048,
    long_pairs: Annotated[str, typer.Option("--long-pairs", help="Longer than --max-length: drop | truncate (left, "
                                            "keeping BOS and the response end); counted either way.")] = "drop",
    schedule: Annotated[str, typer.Option("--schedule", help="constant (20 warm-up steps, then constant) | "
                                          "cosine")] = "constant",
    warmup_steps: Annotated[int, typer.Option("--warmup-steps")] = 20,
    eval_steps: Annotated[int, typer.Option("--eval-steps", help="Checkpoint and validation every N optimiser "
                                            "steps.")] = 20,
    seed: Annotated[int, typer.Option("--seed", help="Seed (set before the score head is created).")] = 42,
    lora: Annotated[bool, typer.Option("--lora", help="Train LoRA adapters + the score head (saved "
                                       "merged).")] = False,
    lora_r: Annotated[int, typer.Option("--lora-r")] = 16,
    chat_template: Annotated[str | None, typer.Option("--chat-template", help="Chat template: chatml, llama3, "
                                                      "zephyr, a .jinja path or a template string (default: the "
                                                      "tokenizer's).")] = None,
    attributes: Annotated[str | None, typer.Option("--attributes", help="Regression: comma-separated attribute "
                                                   "columns (default: HelpSteer2's five).")] = None,
    attribute_signs: Annotated[str | None, typer.Option("--attribute-signs", help="Regression: +1/-1 per "
                                                        "attribute for the merge weights (default "
                                                        "1,1,1,1,-1).")] = None,
    attribute_range: Annotated[str, typer.Option("--attribute-range", help="Regression: allowed min,max of "
                                                 "attribute values, or 'none'.")] = "0,4",
    use_margin: Annotated[bool, typer.Option("--use-margin", help="Bradley-Terry: subtract each pair's "
                                             "margin.")] = False,
    on_bad_rows: Annotated[str, typer.Option("--on-bad-rows", help="drop (and count) | error")] = "drop",
    max_steps: Annotated[int | None, typer.Option("--max-steps", help="Stop each run after N optimiser "
                                                  "steps.")] = None,
    dtype: Annotated[str | None, typer.Option("--dtype", help="float32 | bfloat16 (default: float32 on "
                                              "CPU).")] = None,
    device: Annotated[str | None, typer.Option("--device", help="cpu | cuda (default: cuda when "
                                               "available).")] = None,
    threads: Annotated[int | None, typer.Option("--threads", help="CPU threads for torch.")] = None,
    activation_checkpointing: Annotated[bool, typer.Option(
        "--activation-checkpointing/--no-activation-checkpointing",
        help="Recompute activations in the backward pass: the same results, far less memory, about a quarter "
             "more compute.")] = True,
    keep_checkpoints: Annotated[bool, typer.Option("--keep-checkpoints", help="Keep OUT.work/ after "
                                                   "success.")] = False,
    trust_remote_code: Annotated[bool, typer.Option("--trust-remote-code")] = False,
    revision: Annotated[str | None, typer.Option("--revision")] = None,
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
    from rmbase.training import TrainConfig
    from rmbase.training import train as run_training

    console = Console(highlight=False)
    base = renamed(model, base, new="--model", old="--base")
    values: dict = dict(base=base, recipe=recipe, train=train, val=val, out=None if out is None else str(out),
                        learning_rates=_parse_lrs(lr, lr_grid), epochs=epochs, batch_size=batch_size,
                        per_device_batch_size=per_device_batch_size, max_length=max_length,
                        long_pairs=long_pairs, schedule=schedule, warmup_steps=warmup_steps, eval_steps=eval_steps,
                        seed=seed, lora=lora, lora_r=lora_r, chat_template=chat_template, use_margin=use_margin,
                        on_bad_rows=on_bad_rows, max_steps=max_steps, dtype=dtype, device=device, threads=threads,
                        activation_checkpointing=activation_checkpointing, keep_checkpoints=keep_checkpoints,
                        trust_remote_code=trust_remote_code, revision=revision)
    if attributes:
        values["attributes"] = [a.strip() for a in attributes.split(",") if a.strip()]
    if attribute_signs:
        try:
            values["attribute_signs"] = [int(s) for s in attribute_signs.split(",")]
        except ValueError as exc:
            raise InputError(f"--attribute-signs must be +1/-1 values, got {attribute_signs!r}") from exc
    if attribute_range.strip().lower() == "none":
        values["attribute_range"] = None
    else:
        try:
            lo, hi = (float(x) for x in attribute_range.split(","))
        except ValueError as exc:
            raise InputError(f"--attribute-range must be 'min,max' or 'none', got {attribute_range!r}") from exc
        values["attribute_range"] = (lo, hi)
    cfg = resolve_config(ctx, TrainConfig, config, values, sources={"learning_rates": ("lr", "lr_grid"),
                                                                    "base": ("model", "base")},
                         flags={"base": "--model"})
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
