"""`rmbase benchmarks`: import, show and run benchmark scores of candidate bases (docs/benchmarks.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rmbase.commands.config_options import ConfigOptions, Parsed
from rmbase.commands.options import ConfigFile, OptionsFile, write_options

bench_app = typer.Typer(help="Benchmark scores of bases: import harness/leaderboard files, show, run lm-eval.",
                        no_args_is_help=True)


def _print_warnings(console, table) -> None:  # noqa: ANN001 - rich console and BenchmarkTable, imported lazily
    from rmbase.escaping import terminal

    for kind, n in sorted(table.warnings.items()):
        console.print(f"[yellow]warning:[/] {n} x {terminal(kind)} (e.g. "
                      f"{terminal(table.warning_examples.get(kind, ''))})", highlight=False, soft_wrap=True)


@bench_app.command("import")
def import_(
    files: Annotated[list[str], typer.Argument(help="lm-eval results_*.json, EvalPlus *_eval_results.json, "
                                               "leaderboard tables (CSV/Parquet or 'open-llm-leaderboard/contents' "
                                               "from the Hub), plain CSV model,benchmark,value; folders of JSONs; "
                                               "Swallow LLM Leaderboard model.yml files (read together: the "
                                               "newest snapshot wins, docs/benchmarks.md).")],
    out: Annotated[Path, typer.Option("--out", help="Output long table (.csv or .parquet); a .provenance.json "
                                      "is written beside it.")],
    scale: Annotated[str, typer.Option(help="normalised (leaderboard 0-100 for the six; works with `rmbase study "
                                       "--benchmarks`) | raw | both")] = "normalised",
    model: Annotated[str | None, typer.Option(help="Model id for JSON files (overrides the id they record).")] = None,
    on_conflict: Annotated[str, typer.Option("--on-conflict", help="Equal-rank duplicates with different values: "
                                             "error | drop | first")] = "error",
    names: Annotated[str, typer.Option(help="Model names written: hf (org/name) | short (name only, as the study's "
                                       "tables name models)")] = "hf",
    models: Annotated[Path | None, typer.Option("--models", help="Keep only the models of this models table "
                                                "(columns model[, hf_id], e.g. the study's models.csv) and name "
                                                "them as it does.")] = None,
    config: OptionsFile = None,
) -> None:
    """Import benchmark results into one long table (ids normalised, duplicates resolved by the recorded rule)."""
    from rich.console import Console

    from rmbase.benchmarks.import_pipeline import import_files
    from rmbase.io import check_output_path

    check_output_path(out, kind="file", suffixes=(".csv", ".parquet", ".pq"))
    check_output_path(f"{out}.provenance.json", kind="file", option="--out (its provenance file)")
    check_output_path(out.with_suffix(".config.yaml"), kind="file", option="--out (its config file)")
    from rmbase.benchmarks.benchmark_table import models_path

    check_output_path(models_path(out), kind="file", option="--out (its models file)")
    table = import_files(files, model=model, scale=scale, on_conflict=on_conflict)
    if models is not None:
        from rmbase.io import read_table, sha256_file

        table.restrict_to(read_table(models), str(models))
        table.inputs[str(models)] = sha256_file(models)
    if not len(table.frame):
        from rmbase.errors import InputError

        raise InputError("nothing to import: 0 rows" + (f" (no model of {models} has scores in the files)"
                                                        if models is not None else ""),
                         expected="files with scores" + (" of the models of --models" if models is not None else ""))
    options = {"files": files, "scale": scale, "model": model, "on_conflict": on_conflict, "names": names,
               "models": str(models) if models else None}
    table.write(out, config=options, names=names)
    write_options(out.with_suffix(".config.yaml"), {**options, "out": str(out)})
    console = Console()
    _print_warnings(console, table)
    s = table.summary()
    console.print(f"wrote {out}: {s['rows']} rows, {s['models']} models, benchmarks {', '.join(s['benchmarks'])}; "
                  f"{s['duplicates_dropped']} duplicate row(s) dropped by the rule (see {out}.provenance.json)"
                  + (f"; the source's models (stage, reasoning, pretrained_from) in {models_path(out)}"
                     if table.model_info is not None and len(table.model_info) else ""),
                  highlight=False, soft_wrap=True, markup=False)


@bench_app.command("show")
def show(
    models: Annotated[list[str], typer.Argument(help="Model ids (any spelling; a name without organisation works).")],
    scores: Annotated[list[str] | None, typer.Option("--scores", help="Score files to read (anything `import` "
                                                      "reads); default: the bundled tables.")] = None,
    bundled: Annotated[bool | None, typer.Option("--bundled/--no-bundled", help="Harmonise with the bundled tables "
                                                 "(leaderboard v2, Swallow). Default: only when --scores is not "
                                                 "given.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write every feature of the models as JSON.")]
    = None,
    all_features: Annotated[bool, typer.Option("--all", help="Also print the mapped values of the other sources' "
                                               "features (default: the selection features and what is observed).")]
    = False,
    config: OptionsFile = None,
) -> None:
    """Print each model's features: observed values with their sources, mapped values with origin and sd."""
    from rich.console import Console

    from rmbase.errors import InputError
    from rmbase.io import check_output_path

    if json_out is not None:
        check_output_path(json_out, kind="file", option="--json", suffixes=(".json",))
    console = Console()
    table = _feature_table(console, scores, bundled)
    from rmbase.model_ids import ModelIdIndex

    found, missing = ModelIdIndex(table.values.index).join(models)  # a name several organisations use: refused
    if missing:
        where = "the given score files" if scores else "the bundled tables (rmbase/datasets)"
        raise InputError(f"no scores for {', '.join(missing)} in {where}",
                         expected="an id as on the Hugging Face Hub, or --scores FILE with its results")
    from rmbase.benchmarks.harmonise_view import describe, show_payload

    shown = [describe(table, model) for model in dict.fromkeys(found.values())]
    hidden = 0
    for entry in shown:
        hidden += _print_model(console, entry, all_features)
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
    if json_out is not None:
        from rmbase.io import atomic_write_json

        atomic_write_json(json_out, show_payload(table, list(dict.fromkeys(found.values()))))
        console.print(f"wrote {json_out}", highlight=False, markup=False)


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
    "rmbase.benchmarks.run:RunConfig",
    names={"benchmarks": "--benchmark"},
    metavars={"include_path": "PATH", "suite": "leaderboard|study"},
    parsed={"batch_size": Parsed(_batch_size, "INT|auto", "1"), "limit": Parsed(_limit, "NUMBER")},
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
