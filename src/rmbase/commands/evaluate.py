"""`rmbase evaluate`: score a reward model on RewardBench v1/v2, and `rmbase evaluate summarize FILE`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rmbase.commands.config_options import ConfigOptions
from rmbase.commands.options import ConfigFile, Restart, resolve_config

evaluate_app = typer.Typer(
    name="evaluate",
    help="Score a reward model on RewardBench (v1) or RewardBench 2 with the published rules, or summarise "
    "per-subset figures. Run `rmbase evaluate --model M --benchmark rewardbench --out DIR`.",
    invoke_without_command=True,
    no_args_is_help=False,
)


@evaluate_app.callback()
def evaluate(
    ctx: typer.Context,
    model: Annotated[str | None, typer.Option(help="Reward model: local folder or Hugging Face id.")] = None,
    benchmark: Annotated[str, typer.Option(help="rewardbench (v1, split 'filtered') | rewardbench2 (split 'test').")] = "rewardbench",
    out: Annotated[Path | None, typer.Option("--out", help="Output folder for results.json and scores.jsonl.")] = None,
    data: Annotated[Path | None, typer.Option(help="Local JSON/JSONL/Parquet with the benchmark's columns (default: the Hub dataset).")] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Sequences per forward pass (scores do not depend on it).")] = 16,
    max_length: Annotated[int, typer.Option("--max-length", help="Max tokens per sequence; longer ones are truncated and counted.")] = 2048,
    truncation: Annotated[str, typer.Option(help="left (cut the prompt side) | right | error.")] = "left",
    dtype: Annotated[str | None, typer.Option(help="float32 | bfloat16 | float16 (default: float32 on CPU, bfloat16 on GPU).")] = None,
    device: Annotated[str | None, typer.Option(help="cpu | cuda | cuda:N (default: cuda when available).")] = None,
    chat_template: Annotated[str | None, typer.Option("--chat-template", help="Named template (chatml, llama3, zephyr), a .jinja path or a template string; default: the tokenizer's.")] = None,
    revision: Annotated[str | None, typer.Option(help="Model revision (Hub).")] = None,
    trust_remote_code: Annotated[bool, typer.Option("--trust-remote-code", help="Allow the checkpoint's own Python code.")] = False,
    allow_new_head: Annotated[bool, typer.Option("--allow-new-head", help="Accept a checkpoint without a trained score head (a fresh head seeded by --head-seed; for tests and benchmarks).")] = False,
    head_seed: Annotated[int, typer.Option("--head-seed", help="Seed of a freshly initialised head.")] = 0,
    merge_weights: Annotated[str | None, typer.Option("--merge-weights", help="Comma-separated merge vector for a multi-attribute model (default: merge_weights.json in the model folder).")] = None,
    allow_partial: Annotated[bool, typer.Option("--allow-partial", help="Score sections with missing subsets from the subsets present (marked partial).")] = False,
    fmt: Annotated[str, typer.Option("--format", help="rmbase | rewardbench (also write reward-bench's result layout under DIR/rewardbench/).")] = "rmbase",
    chunk_size: Annotated[int, typer.Option("--chunk-size", help="Examples per saved chunk (an interrupted run resumes by chunk).")] = 512,
    limit: Annotated[int | None, typer.Option(help="Score only the first N examples (a quick check).")] = None,
    threads: Annotated[int | None, typer.Option(help="CPU threads for torch (default: torch's; 1 is often fastest on a busy machine).")] = None,
    restart: Restart = False,
    config: ConfigFile = None,
) -> None:
    """Score every example with a sequence-classification reward model and write DIR/results.json (subsets,
    sections, score, provenance) and DIR/scores.jsonl (every completion's score)."""
    if ctx.invoked_subcommand is not None:
        return
    from rich.console import Console

    from rmbase.errors import InputError
    from rmbase.rm_eval.runner import EvaluateConfig, evaluate_model

    if fmt not in ("rmbase", "rewardbench"):
        raise InputError(f"unknown --format {fmt!r}", expected="rmbase | rewardbench")
    weights = None
    if merge_weights is not None:
        try:
            weights = [float(x) for x in merge_weights.split(",") if x.strip()]
        except ValueError as exc:
            raise InputError(f"--merge-weights {merge_weights!r}", expected="comma-separated numbers") from exc
    values = dict(model=model, out=None if out is None else str(out), benchmark=benchmark,
                  data=None if data is None else str(data), revision=revision, chat_template=chat_template,
                  batch_size=batch_size, max_length=max_length, truncation=truncation, dtype=dtype, device=device,
                  trust_remote_code=trust_remote_code, allow_new_head=allow_new_head, head_seed=head_seed,
                  merge_weights=weights, allow_partial=allow_partial, rewardbench_format=fmt == "rewardbench",
                  chunk_size=chunk_size, limit=limit, threads=threads)
    sources = {"rewardbench_format": ("fmt",)}
    if config is None and (model is None or out is None):
        raise InputError("--model and --out are required to score a model",
                         expected="rmbase evaluate --model PATH_OR_ID --benchmark rewardbench --out DIR")
    cfg = resolve_config(ctx, EvaluateConfig, config, values, sources)
    from rmbase.io import check_output_path

    out = check_output_path(cfg.out, kind="dir")  # before the model is loaded or anything scored
    from rmbase.commands.progress import CountProgress

    err = Console(stderr=True, highlight=False)
    bar = CountProgress("scoring completions", err)
    try:
        results = evaluate_model(cfg, progress=lambda msg: err.print(msg, markup=False), restart=restart,
                                 on_completions=bar)
    finally:
        bar.close()
    _print_results(Console(highlight=False), results)
    Console(highlight=False).print(f"wrote {out / 'results.json'}, {out / 'scores.jsonl'} and {out / 'config.yaml'}",
                                   markup=False)


def _fmt(v: float | None) -> str:
    return "—" if v is None else f"{100 * v:.2f}"


def _print_results(console, results: dict) -> None:
    from rich.table import Table

    from rmbase.escaping import terminal

    table = Table(title=terminal(f"{results['model']} on {results['benchmark']} ({results['rules']})"))
    table.add_column("subset / section")
    table.add_column("accuracy %", justify="right")
    table.add_column("n", justify="right")
    for name, s in results["subsets"].items():
        table.add_row(terminal(name), _fmt(s["accuracy"]), str(s["total"]))
    for name, v in results["sections"].items():
        mark = " (partial)" if name in results["partial"] else ""
        table.add_row(f"[bold]{terminal(name)}[/]{mark}", _fmt(v), "")
    table.add_row("[bold]score[/]", _fmt(results["score"]), "")
    console.print(table)
    c = results["counts"]
    console.print(f"{c['examples']} examples, {c['completions']} completions, {c['truncated_completions']} "
                  "truncated")


SUMMARIZE_OPTIONS = ConfigOptions("rmbase.rm_eval.summary_files:SummarizeConfig", arguments=("file",),
                                  metavars={"file": "FILE", "out": "PATH"})


def summarize_cmd(ctx: typer.Context, config: ConfigFile = None) -> None:
    """Compute RewardBench sections and score from per-subset figures; print a table (and write JSON)."""
    from rich.console import Console
    from rich.table import Table

    from rmbase.config import write_resolved
    from rmbase.escaping import terminal
    from rmbase.io import atomic_write_json, check_output_path, sha256_file
    from rmbase.provenance import provenance
    from rmbase.rm_eval.summary_files import summarize_file

    cfg = SUMMARIZE_OPTIONS.resolve(ctx, config)
    target = None if cfg.out is None else Path(cfg.out)
    if target is not None:
        check_output_path(target, kind="file")
        check_output_path(target.with_suffix(".config.yaml"), kind="file", option="--out (its config file)")
    summaries = summarize_file(cfg.file, cfg.rules, allow_partial=cfg.allow_partial)
    sections = list(dict.fromkeys(s for summ in summaries.values() for s in summ.sections))
    table = Table(title=terminal(f"RewardBench sections from {Path(cfg.file).name}"))
    table.add_column("model")
    table.add_column("rules")
    for s in sections:
        table.add_column(terminal(s), justify="right")
    table.add_column("score", justify="right")
    for model, summ in summaries.items():
        cells = [_fmt(summ.sections.get(s)) + ("*" if s in summ.partial else "") for s in sections]
        table.add_row(terminal(model), terminal(summ.rules), *cells, _fmt(summ.score))
    console = Console(highlight=False)
    console.print(table)
    if any(summ.partial for summ in summaries.values()):
        console.print("* partial: computed from the subsets present")
    ignored = sorted({s for summ in summaries.values() for s in summ.ignored_subsets})
    if ignored:
        console.print(f"ignored {len(ignored)} subset name(s) outside the rules: {', '.join(ignored)}", markup=False)
    if target is not None:
        atomic_write_json(target, {"models": {m: s.as_dict() for m, s in summaries.items()},
                                   "provenance": provenance(config=cfg.model_dump(mode="json", exclude={"out"}),
                                                            data={cfg.file: sha256_file(cfg.file)})})
        write_resolved(cfg, target.with_suffix(".config.yaml"))
        console.print(f"wrote {target} and {target.with_suffix('.config.yaml')}", markup=False)


evaluate_app.command("summarize", cls=SUMMARIZE_OPTIONS.command())(summarize_cmd)


def register(app: typer.Typer) -> None:
    app.add_typer(evaluate_app)
