"""`rmbase evaluate`: score a reward model on RewardBench v1/v2, and `rmbase evaluate summarize FILE`."""

from __future__ import annotations

from pathlib import Path

import typer

from rmbase.commands.config_options import ADVANCED, INPUTS, ConfigOptions, Parsed
from rmbase.commands.options import ConfigFile, Restart


def _format(text: str | bool, option: str) -> bool:
    from rmbase.errors import InputError

    if isinstance(text, bool) or text in ("True", "False"):  # the config's key (rewardbench_format: true) in a
        return text in (True, "True")                          # --config file (click passes the boolean as text)

    if text not in ("rmbase", "rewardbench"):
        raise InputError(f"unknown {option} {text!r}", expected="rmbase | rewardbench")
    return text == "rewardbench"


EVALUATE_OPTIONS = ConfigOptions(
    "rmbase.rm_eval.config:EvaluateConfig",
    names={"rewardbench_format": "--format"},
    exclude=("extra",),
    metavars={"out": "PATH", "data": "PATH", "truncation": "left|right|error",
              "benchmark": "rewardbench|rewardbench2"},
    parsed={"rewardbench_format": Parsed(_format, "rmbase|rewardbench", "rmbase")},
    panels={INPUTS: ("model", "benchmark", "out", "data", "data_revision", "limit", "rewardbench_format"),
            "Scoring": ("max_length", "truncation", "chat_template", "merge_weights", "allow_new_head", "head_seed",
                        "allow_partial"),
            ADVANCED: ("revision", "trust_remote_code", "dtype", "device", "batch_size", "chunk_size", "threads")},
)

evaluate_app = typer.Typer(
    name="evaluate",
    help="Score a reward model on RewardBench (v1) or RewardBench 2 with the published rules, or summarise "
    "per-subset figures. Run `rmbase evaluate --model M --benchmark rewardbench --out DIR`.",
    invoke_without_command=True,
    no_args_is_help=False,
    cls=EVALUATE_OPTIONS.group(),
)


@evaluate_app.callback()
def evaluate(ctx: typer.Context, restart: Restart = False, config: ConfigFile = None) -> None:
    """Score every example with a sequence-classification reward model and write DIR/results.json (subsets,
    sections, score, provenance) and DIR/scores.jsonl (every completion's score)."""
    if ctx.invoked_subcommand is not None:
        return
    from rich.console import Console

    from rmbase.rm_eval.runner import evaluate_model

    cfg = EVALUATE_OPTIONS.resolve(ctx, config)
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
                                  metavars={"file": "FILE", "out": "PATH"},
                                  panels={INPUTS: ("out",), "Rules": ("rules", "allow_partial")})


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
