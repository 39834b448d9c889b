"""`rmbase benchmarks`: import, show and run benchmark scores of candidate bases (docs/benchmarks.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rmbase.commands.config_options import ADVANCED, INPUTS, ConfigOptions, Parsed
from rmbase.commands.options import ConfigFile

bench_app = typer.Typer(help="Benchmark scores of bases: import harness/leaderboard files, show, run lm-eval.",
                        no_args_is_help=True)


def _print_warnings(console, table) -> None:  # noqa: ANN001 - rich console and BenchmarkTable, imported lazily
    from rmbase.escaping import terminal

    for kind, n in sorted(table.warnings.items()):
        console.print(f"[yellow]warning:[/] {n} x {terminal(kind)} (e.g. "
                      f"{terminal(table.warning_examples.get(kind, ''))})", highlight=False, soft_wrap=True)


IMPORT_OPTIONS = ConfigOptions("rmbase.benchmarks.command_configs:ImportConfig", arguments=("files",),
                               metavars={"files": "FILE...", "out": "PATH", "models": "PATH"},
                               panels={INPUTS: ("out", "models", "model"), "Import": ("scale", "on_conflict", "names")})
SHOW_OPTIONS = ConfigOptions("rmbase.benchmarks.command_configs:ShowConfig", arguments=("models",),
                             names={"json_out": "--json", "all_features": "--all"},
                             metavars={"models": "MODEL...", "scores": "PATH...", "json_out": "PATH"},
                             panels={INPUTS: ("scores", "bundled", "json_out"), "Display": ("all_features",)})


@bench_app.command("import", cls=IMPORT_OPTIONS.command())
def import_(ctx: typer.Context, config: ConfigFile = None) -> None:
    """Import benchmark results into one long table (ids normalised, duplicates resolved by the recorded rule)."""
    from rich.console import Console

    from rmbase.benchmarks.import_pipeline import import_files
    from rmbase.config import write_resolved
    from rmbase.io import check_output_path

    cfg = IMPORT_OPTIONS.resolve(ctx, config)
    target = Path(cfg.out)
    check_output_path(target, kind="file", suffixes=(".csv", ".parquet", ".pq"))
    check_output_path(f"{target}.provenance.json", kind="file", option="--out (its provenance file)")
    check_output_path(target.with_suffix(".config.yaml"), kind="file", option="--out (its config file)")
    from rmbase.benchmarks.benchmark_table import models_path

    check_output_path(models_path(target), kind="file", option="--out (its models file)")
    table = import_files(cfg.files, model=cfg.model, scale=cfg.scale, on_conflict=cfg.on_conflict)
    if cfg.models is not None:
        from rmbase.io import read_table, sha256_file

        table.restrict_to(read_table(cfg.models), cfg.models)
        table.inputs[cfg.models] = sha256_file(cfg.models)
    if not len(table.frame):
        from rmbase.errors import InputError

        raise InputError("nothing to import: 0 rows" + (f" (no model of {cfg.models} has scores in the files)"
                                                        if cfg.models is not None else ""),
                         expected="files with scores" + (" of the models of --models" if cfg.models is not None
                                                          else ""))
    table.write(target, config=cfg.model_dump(mode="json", exclude={"out"}), names=cfg.names)
    write_resolved(cfg, target.with_suffix(".config.yaml"))
    console = Console()
    _print_warnings(console, table)
    s = table.summary()
    console.print(f"wrote {target}: {s['rows']} rows, {s['models']} models, benchmarks {', '.join(s['benchmarks'])}; "
                  f"{s['duplicates_dropped']} duplicate row(s) dropped by the rule (see {target}.provenance.json)"
                  + (f"; the source's models (stage, reasoning, pretrained_from) in {models_path(target)}"
                     if table.model_info is not None and len(table.model_info) else ""),
                  highlight=False, soft_wrap=True, markup=False)


@bench_app.command("show", cls=SHOW_OPTIONS.command())
def show(ctx: typer.Context, config: ConfigFile = None) -> None:
    """Print each model's features: observed values with their sources, mapped values with origin and sd."""
    from rich.console import Console

    from rmbase.errors import InputError
    from rmbase.io import check_output_path

    cfg = SHOW_OPTIONS.resolve(ctx, config)
    target = None if cfg.json_out is None else Path(cfg.json_out)
    if target is not None:
        check_output_path(target, kind="file", option="--json", suffixes=(".json",))
        check_output_path(target.with_suffix(".config.yaml"), kind="file", option="--json (its config file)")
    console = Console()
    table = _feature_table(console, cfg.scores, cfg.bundled)
    from rmbase.model_ids import ModelIdIndex

    found, missing = ModelIdIndex(table.values.index).join(cfg.models)  # a name several organisations use: refused
    if missing:
        where = "the given score files" if cfg.scores else "the bundled tables (rmbase/datasets)"
        raise InputError(f"no scores for {', '.join(missing)} in {where}",
                         expected="an id as on the Hugging Face Hub, or --scores FILE with its results")
    from rmbase.benchmarks.harmonise_view import describe, show_payload

    shown = [describe(table, model) for model in dict.fromkeys(found.values())]
    hidden = 0
    for entry in shown:
        hidden += _print_model(console, entry, cfg.all_features)
    if hidden:
        console.print(f"{hidden} mapped value(s) of other sources' features not shown (--all prints them, --json "
                      "writes them)", highlight=False, markup=False, soft_wrap=True)
    features = [f for entry in shown for f in entry["features"]]
    if any(f["status"] == "mapped" for f in features):
        fit = table.fit
        console.print(f"mapped: rank-{fit.get('rank')} factor model of all sources' scores with size and stage; sd "
                      "measured by hiding observed cells (90% interval = value +/- 1.645 sd; docs/benchmarks.md)",
                      highlight=False, markup=False, soft_wrap=True)
    disagree = sum(len(f.get("observations") or []) > 1 for f in features)
    if disagree:
        console.print(f"note: {disagree} feature value(s) above observed by several sources that disagree: every "
                      "value is listed, the value shown is their mean and the sd half their range",
                      highlight=False, markup=False, soft_wrap=True)
    if target is not None:
        from rmbase.config import write_resolved
        from rmbase.io import atomic_write_json

        atomic_write_json(target, show_payload(table, list(dict.fromkeys(found.values()))))
        write_resolved(cfg, target.with_suffix(".config.yaml"))
        console.print(f"wrote {target} and {target.with_suffix('.config.yaml')}", highlight=False, markup=False)


def _feature_table(console, scores: list[str] | None, bundled: bool | None):  # noqa: ANN001, ANN202 - lazy types
    from rmbase.benchmarks import harmonise as hz

    if not scores:
        return hz.bundled_feature_table()
    from rmbase.benchmarks.import_pipeline import import_files

    tables = []
    for path in scores:  # one table per file: values of two files that disagree are both kept (conflicts)
        imported = import_files([path], scale="both", on_conflict="first")
        _print_warnings(console, imported)  # conflicts inside a file (first value kept) are listed here
        tables.append(imported.frame)
    return hz.feature_table_with(tables) if bundled else hz.build_feature_table(tables)


def _print_model(console, entry: dict, all_features: bool) -> int:  # noqa: ANN001 - rich console, lazily imported
    """One model's table; mapped values' origins as numbered footnotes. Returns how many rows were left out."""
    from rich.table import Table

    from rmbase.benchmarks.harmonise import SELECTION_FEATURES
    from rmbase.escaping import terminal

    t = Table(title=terminal(entry["model"]), title_justify="left")
    for col in ("feature", "value", "sd", "status", "from"):  # names wrap, never cut
        t.add_column(col, justify="right" if col in ("value", "sd") else "left", overflow="fold",
                     no_wrap=col in ("value", "sd", "status"))
    notes: dict[str, int] = {}
    left_out = 0
    for f in entry["features"]:
        if f["status"] == "mapped" and f["feature"] not in SELECTION_FEATURES and not all_features:
            left_out += 1
            continue
        digits = 4 if f["feature"].startswith("sw_") or f["feature"].endswith("_raw") else 2
        value = "" if f["value"] is None else f"{f['value']:.{digits}f}"
        sd = "" if not f["sd"] else f"{f['sd']:.{digits}f}"
        obs = f.get("observations") or []
        origin = f["origin"] if len(obs) < 2 else "; ".join(f"{o['source']} {o['value']:.{digits}f}" for o in obs)
        if f["status"] == "mapped" and origin.startswith("mapped from "):
            origin = f"mapped [{notes.setdefault(origin, len(notes) + 1)}]"
        t.add_row(terminal(f["feature"]), value, sd, terminal(f["status"]), terminal(origin))
    console.print(t)
    for text, number in notes.items():
        console.print(f"  [{number}] {text}", highlight=False, markup=False, soft_wrap=True)
    return left_out


def _batch_size(text: str, option: str) -> int | str:
    return int(text) if text.strip().isdigit() else text  # 'auto' (or a bad value, refused by lm-eval's check)


def _limit(text: str, option: str) -> int | float:
    from rmbase.errors import InputError

    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{option}: {text!r} is not a number", expected="examples per task, or a fraction") from None
    return int(value) if value >= 1 else value


RUN_OPTIONS = ConfigOptions(
    "rmbase.benchmarks.run_config:RunConfig",
    names={"benchmarks": "--benchmark"},
    metavars={"include_path": "PATH", "suite": "leaderboard|study"},
    parsed={"batch_size": Parsed(_batch_size, "INT|auto", "1"), "limit": Parsed(_limit, "NUMBER")},
    panels={INPUTS: ("model", "out", "suite", "benchmarks"),
            "Evaluation": ("limit", "chat_template", "include_path", "include_defaults", "evalplus"),
            ADVANCED: ("device", "dtype", "batch_size", "trust_remote_code")},
)


@bench_app.command("run", cls=RUN_OPTIONS.command())
def run(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", metavar="PATH", help="Output folder (resumable: finished benchmarks "
                                      "are kept).")],
    config: ConfigFile = None,
) -> None:
    """Run lm-evaluation-harness (and EvalPlus) on MODEL, one benchmark at a time, then import the results."""
    from rich.console import Console

    from rmbase.benchmarks.run import run_suite
    from rmbase.config import write_resolved
    from rmbase.io import check_output_path

    check_output_path(out, kind="dir")
    cfg = RUN_OPTIONS.resolve(ctx, config)
    options = cfg.model_dump(exclude={"model", "suite"})
    report = run_suite(cfg.model, cfg.suite, out, **options)
    if out.is_dir():
        write_resolved(cfg, out)
    console = Console()
    from rmbase.escaping import terminal

    console.print(f"done: {', '.join(report.done) or '-'}; already there: {', '.join(report.skipped) or '-'}",
                  highlight=False, markup=False)
    if report.scores is not None:
        console.print(f"wrote {report.scores}", highlight=False, markup=False)
    if report.failed:
        for name, why in report.failed.items():
            console.print(f"[red]failed:[/] {terminal(name)}: {terminal(why)}", highlight=False, soft_wrap=True)
        console.print("rerun the same command to retry the failed benchmarks (finished ones are kept)")
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(bench_app, name="benchmarks")
