"""``rmbase train``: train a reward model from a base LLM as in the study (Bradley-Terry or regression)."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    app.command("train", no_args_is_help=True)(train_command)


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
    base: str = typer.Option(..., "--base", help="Base model: Hugging Face id or local folder."),
    train: str = typer.Option(..., "--train", help="Training data (JSONL/Parquet/CSV file or Hub id org/name[:split])."),
    val: str = typer.Option(..., "--val", help="Validation preference pairs (checkpoint, LR and merge-weight choice)."),
    out: Path = typer.Option(..., "--out", help="Output folder for the reward model and its records."),
    recipe: str = typer.Option("bradley_terry", "--recipe", help="bradley_terry | regression"),
    lr: float | None = typer.Option(None, "--lr", help="Learning rate (default 2e-6)."),
    lr_grid: str | None = typer.Option(None, "--lr-grid", help="Comma-separated learning rates; the best by "
                                       "validation accuracy is kept, all are recorded."),
    epochs: float | None = typer.Option(None, "--epochs", help="Epochs (default: 1 bradley_terry, 2 regression)."),
    batch_size: int = typer.Option(64, "--batch-size", help="Global batch size (reached by gradient accumulation)."),
    per_device_batch_size: int = typer.Option(8, "--per-device-batch-size", help="Micro-batch per step."),
    max_length: int = typer.Option(2048, "--max-length", help="Maximum tokens per rendered conversation."),
    long_pairs: str = typer.Option("drop", "--long-pairs", help="Longer than --max-length: drop | truncate "
                                   "(left, keeping BOS and the response end); counted either way."),
    schedule: str = typer.Option("constant", "--schedule", help="constant (20 warm-up steps, then constant) | cosine"),
    warmup_steps: int = typer.Option(20, "--warmup-steps"),
    eval_steps: int = typer.Option(20, "--eval-steps", help="Checkpoint and validation every N optimiser steps."),
    seed: int = typer.Option(42, "--seed", help="Seed (set before the score head is created)."),
    lora: bool = typer.Option(False, "--lora", help="Train LoRA adapters + the score head (saved merged)."),
    lora_r: int = typer.Option(16, "--lora-r"),
    chat_template: str | None = typer.Option(None, "--chat-template", help="Chat template: chatml, llama3, "
                                             "zephyr, a .jinja path or a template string (default: the tokenizer's)."),
    attributes: str | None = typer.Option(None, "--attributes", help="Regression: comma-separated attribute "
                                          "columns (default: HelpSteer2's five)."),
    attribute_signs: str | None = typer.Option(None, "--attribute-signs", help="Regression: +1/-1 per attribute "
                                               "for the merge weights (default 1,1,1,1,-1)."),
    attribute_range: str = typer.Option("0,4", "--attribute-range", help="Regression: allowed min,max of "
                                        "attribute values, or 'none'."),
    use_margin: bool = typer.Option(False, "--use-margin", help="Bradley-Terry: subtract each pair's margin."),
    on_bad_rows: str = typer.Option("drop", "--on-bad-rows", help="drop (and count) | error"),
    max_steps: int | None = typer.Option(None, "--max-steps", help="Stop each run after N optimiser steps."),
    dtype: str | None = typer.Option(None, "--dtype", help="float32 | bfloat16 (default: float32 on CPU)."),
    device: str | None = typer.Option(None, "--device", help="cpu | cuda (default: cuda when available)."),
    threads: int | None = typer.Option(None, "--threads", help="CPU threads for torch."),
    keep_checkpoints: bool = typer.Option(False, "--keep-checkpoints", help="Keep OUT.work/ after success."),
    trust_remote_code: bool = typer.Option(False, "--trust-remote-code"),
    revision: str | None = typer.Option(None, "--revision"),
) -> None:
    """Train a reward model from BASE (TRL RewardTrainer or multi-attribute regression + merge-weight search)."""
    from rich.console import Console

    from rmbase.errors import InputError
    from rmbase.io import check_output_path
    from rmbase.training import make_config
    from rmbase.training import train as run_training

    check_output_path(out, kind="dir")
    check_output_path(out.with_name(out.name + ".work"), kind="dir", option="--out (its checkpoint folder)")
    console = Console(highlight=False)
    options: dict = {}
    if attributes:
        options["attributes"] = [a.strip() for a in attributes.split(",") if a.strip()]
    if attribute_signs:
        try:
            options["attribute_signs"] = [int(s) for s in attribute_signs.split(",")]
        except ValueError as exc:
            raise InputError(f"--attribute-signs must be +1/-1 values, got {attribute_signs!r}") from exc
    if attribute_range.strip().lower() == "none":
        options["attribute_range"] = None
    else:
        try:
            lo, hi = (float(x) for x in attribute_range.split(","))
        except ValueError as exc:
            raise InputError(f"--attribute-range must be 'min,max' or 'none', got {attribute_range!r}") from exc
        options["attribute_range"] = (lo, hi)
    config = make_config(base=base, recipe=recipe, train=train, val=val, out=str(out),
                         learning_rates=_parse_lrs(lr, lr_grid), epochs=epochs, batch_size=batch_size,
                         per_device_batch_size=per_device_batch_size, max_length=max_length, long_pairs=long_pairs,
                         schedule=schedule, warmup_steps=warmup_steps, eval_steps=eval_steps, seed=seed, lora=lora,
                         lora_r=lora_r, chat_template=chat_template, use_margin=use_margin, on_bad_rows=on_bad_rows,
                         max_steps=max_steps, dtype=dtype, device=device, threads=threads,
                         keep_checkpoints=keep_checkpoints, trust_remote_code=trust_remote_code, revision=revision,
                         **options)
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        result = run_training(config, progress=lambda line: console.print(line, markup=False))
    from rmbase.escaping import terminal

    for note in result.warnings:
        console.print(f"[yellow]warning:[/] {terminal(note)}")
    del caught
    for run in result.runs:
        mark = "*" if run is result.best else " "
        console.print(f"{mark} lr={run.learning_rate:g}: best validation accuracy {run.best_accuracy:.4f} "
                      f"at step {run.best_step}")
    if result.merge:
        console.print(f"merge weights: {result.merge['weights']} (validation accuracy "
                      f"{result.merge['accuracy']:.4f})")
    console.print(f"reward model written to {result.out}", markup=False)
