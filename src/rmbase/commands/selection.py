"""``rmbase recommend`` and ``rmbase plan`` (the selection room): which base to train the reward model from, and which
to train next.

Module-level imports: typer and the standard library only (``rmbase --help`` stays fast)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from rmbase.commands.config_options import ADVANCED, INPUTS, ConfigOptions
from rmbase.commands.options import ConfigFile, renamed

DATASET = "paper-2505.10775"

# ------------------------------------------------------------------ the options both commands share
Candidates = Annotated[str | None, typer.Option(
    "--candidates", metavar="ID,...", help="Comma-separated model ids (any spelling; looked up in the bundled table "
    "and the --benchmarks file); default: the whole pool.")]
Benchmarks = Annotated[Path | None, typer.Option(
    "--benchmarks", metavar="PATH", help="Candidates' benchmark file (anything `rmbase benchmarks import` reads), "
    "added to the bundled leaderboard table (its values win where both have a model).")]
JsonOut = Annotated[Path | None, typer.Option(
    "--json", metavar="PATH", help="Also write the full result as JSON here (and the resolved config beside it).")]


def _dataset(help_text: str):  # noqa: ANN202 - an Annotated option
    return Annotated[str, typer.Option("--dataset", metavar="TEXT", help=help_text)]


def _probes(help_text: str):  # noqa: ANN202 - an Annotated option
    return Annotated[list[Path] | None, typer.Option("--probes", metavar="PATH...", help="`rmbase probe` output "
                                                     "folders (or a folder of them; repeatable), joined to the "
                                                     "candidates by model id: " + help_text)]


RecommendDataset = _dataset("Bundled dataset whose RM results train the predictor.")
PlanDataset = _dataset("Bundled dataset of the study prior and of --simulate.")
RecommendProbes = _probes("each candidate's probe accuracies are shown beside its prediction.")
PlanProbes = _probes("a probe can be a feature of the surrogate (--probe-feature) or tell whether probing first "
                     "is worth it (--probe-rho).")


def _split(value: str | None, option: str = "--candidates") -> list[str] | None:
    """A comma-separated list; None when the option was not given. Given but empty (``--candidates ''``) is an
    error, not "every model"."""
    if value is None:
        return None
    items = [v.strip() for v in value.split(",") if v.strip()]
    if not items:
        from rmbase.errors import InputError

        raise InputError(f"{option} is empty", expected="comma-separated model ids, or leave the option out for "
                                                        "the whole pool")
    return items


def _check_json(path: Path | None) -> None:
    """--json (and the resolved config written beside it) is validated before any work starts."""
    if path is not None:
        from rmbase.io import check_output_path

        check_output_path(path, kind="file", option="--json")
        check_output_path(path.with_suffix(".config.yaml"), kind="file", option="--json (its config file)")


def _write_json(path: Path | None, obj: dict, config) -> None:  # noqa: ANN001 - an rmbase Config
    """The result as JSON, and the resolved config beside it (``rec.json`` -> ``rec.config.yaml``)."""
    if path is not None:
        from rmbase.config import write_resolved
        from rmbase.io import atomic_write_json

        atomic_write_json(path, obj)
        write_resolved(config, path.with_suffix(".config.yaml"))


def _probe_table(paths: list[Path] | None):
    if not paths:
        return None
    from rmbase.probe.table import load_probe_table

    return load_probe_table(paths)


def _probe_costs(rho: float | None, probe_cost: float | None, train_cost: float | None) -> dict | None:
    given = [v is not None for v in (rho, probe_cost, train_cost)]
    if not any(given):
        return None
    if not all(given):
        from rmbase.errors import InputError

        raise InputError("--probe-rho, --probe-cost and --train-cost go together",
                         expected="all three, e.g. --probe-rho 0.5 --probe-cost 0.1 --train-cost 8 (GPU-hours)")
    return {"rho": rho, "probe_cost": probe_cost, "train_cost": train_cost}


def _load_data(dataset: str):
    from rmbase.datasets import load_bundled

    return load_bundled(dataset)


# ------------------------------------------------------------------ the options of the library configs
# (built on first use from the fields: help = the field's description, default = the config's); the tuples
# (targets, pool_types, features) are set in a --config file
RECOMMEND_OPTIONS = ConfigOptions(
    "rmbase.selection.configs:RecommendConfig", exclude=("targets", "pool_types"),
    metavars={"recipe": "regression|bradley_terry"},
    panels={INPUTS: ("candidates", "benchmarks", "dataset", "probes", "json_out", "html_out"),
            "Method": ("recipe", "method", "alpha", "max_params", "top", "top_k", "today_since"),
            ADVANCED: ("samples", "seed")})
PLAN_OPTIONS = ConfigOptions(
    "rmbase.selection.configs:PlanConfig", exclude=("features",),
    metavars={"prior": "capability|flat", "acquisition": "ei|thompson", "prior_evidence": "pooled|study"},
    panels={INPUTS: ("benchmarks", "candidates", "results", "dataset", "probes", "json_out"),
            "Planning": ("budget", "recipe", "acquisition", "prior", "study_prior", "prior_evidence", "seed"),
            "Probing first": ("probe_feature", "probe_rho", "probe_cost", "train_cost"),
            "Simulation": ("simulate", "starts"),
            ADVANCED: ("scale", "tau", "prior_weight", "noise", "family_sd")})


def register(app: typer.Typer) -> None:
    app.command("recommend", cls=RECOMMEND_OPTIONS.command())(recommend_cmd)
    app.command("plan", cls=PLAN_OPTIONS.command())(plan_cmd)


def recommend_cmd(
    ctx: typer.Context,
    candidates: Candidates = None,
    benchmarks: Benchmarks = None,
    dataset: RecommendDataset = DATASET,
    json_out: JsonOut = None,
    probes: RecommendProbes = None,
    html_out: Annotated[Path | None, typer.Option("--html", metavar="PATH", help="Also write a self-contained HTML "
                                                  "page here (ranking, intervals, drivers, Pareto front).")] = None,
    config: ConfigFile = None,
) -> None:
    """Predicted RM score (overall and per section, with checked intervals) of candidate bases, ranked."""
    from rmbase.report.console import wide_console
    from rmbase.report.recommend_console import recommendation_console
    from rmbase.selection.recommend import recommend

    _check_json(json_out)
    if html_out is not None:
        from rmbase.io import check_distinct_outputs, check_output_path

        check_output_path(html_out, kind="file", option="--html")
        check_distinct_outputs({"--json": json_out, "--json (its config file)":
                                json_out.with_suffix(".config.yaml") if json_out else None, "--html": html_out})
    cfg = RECOMMEND_OPTIONS.resolve(ctx, config)
    result = recommend(_load_data(dataset), candidates=_split(candidates),
                       benchmarks=str(benchmarks) if benchmarks else None, config=cfg, n_jobs=2,
                       probes=_probe_table(probes))
    _write_json(json_out, result, cfg)
    if html_out is not None:
        from rmbase.report import write_recommendation_html

        write_recommendation_html(result, html_out)
    wide_console().print(recommendation_console(result))


def plan_cmd(
    ctx: typer.Context,
    benchmarks: Benchmarks = None,
    pool: Annotated[Path | None, typer.Option("--pool", hidden=True, help="Deprecated: --benchmarks.")] = None,
    candidates: Candidates = None,
    results: Annotated[Path | None, typer.Option("--results", metavar="PATH", help="Results of the bases trained so "
                                                 "far: CSV/Parquet with model, score (and recipe).")] = None,
    trained: Annotated[Path | None, typer.Option("--trained", hidden=True, help="Deprecated: --results.")] = None,
    budget: Annotated[int, typer.Option("--budget", metavar="INT", help="How many bases to propose.")] = 1,
    recipe: Annotated[str | None, typer.Option("--recipe", metavar="regression|bradley_terry", help="Recipe "
                                               "(filters --results; default regression for --simulate).")] = None,
    simulate: Annotated[bool, typer.Option("--simulate", metavar=" ", help="Replay strategies on a bundled "
                                           "dataset's results.")] = False,
    dataset: PlanDataset = DATASET,
    starts: Annotated[int, typer.Option("--starts", metavar="INT", help="Random starts for --simulate.")] = 200,
    seed: Annotated[int, typer.Option("--seed", metavar="INT", help="Seed of the proposals (Thompson sampling) and "
                                      "of --simulate's starts.")] = 0,
    json_out: JsonOut = None,
    probes: PlanProbes = None,
    probe_feature: Annotated[str | None, typer.Option(
        "--probe-feature", metavar="TEXT", help="Use this probe as a surrogate feature: probe_frozen_bt, "
        "probe_likelihood or probe_judge.")] = None,
    probe_rho: Annotated[float | None, typer.Option("--probe-rho", metavar="NUMBER", help="Correlation of a probe "
                                                    "with the RM score beyond the benchmark features (measure it: "
                                                    "docs/probes.md); asks whether probing first is worth "
                                                    "it.")] = None,
    probe_cost: Annotated[float | None, typer.Option("--probe-cost", metavar="NUMBER", help="Compute of probing "
                                                     "one candidate.")] = None,
    train_cost: Annotated[float | None, typer.Option("--train-cost", metavar="NUMBER", help="Compute of training "
                                                     "one cell (same unit).")] = None,
    config: ConfigFile = None,
) -> None:
    """Propose the next bases to train (Bayesian optimisation), or --simulate strategies on known results."""
    from rmbase.report.console import wide_console
    from rmbase.report.plan_console import plan_console, simulation_console
    from rmbase.selection.plan import plan as plan_bases
    from rmbase.selection.plan_simulation import simulate_dataset

    benchmarks = renamed(benchmarks, pool, new="--benchmarks", old="--pool")
    results = renamed(results, trained, new="--results", old="--trained")
    _check_json(json_out)
    con = wide_console()
    cfg = PLAN_OPTIONS.resolve(ctx, config)
    if simulate:
        result = simulate_dataset(_load_data(dataset), recipe=recipe or "regression", n_starts=starts, seed=seed)
        _write_json(json_out, result, cfg)
        con.print(simulation_console(result))
        return
    result = plan_bases(pool_file=str(benchmarks) if benchmarks else None, candidates=_split(candidates),
                        trained_file=str(results) if results else None, budget=budget, recipe=recipe, config=cfg,
                        seed=seed, data=_load_data(dataset) if cfg.study_prior else None,
                        probes=_probe_table(probes), probe_feature=probe_feature,
                        probe_costs=_probe_costs(probe_rho, probe_cost, train_cost))
    _write_json(json_out, result, cfg)
    con.print(plan_console(result, budget=budget, acquisition=cfg.acquisition, prior=cfg.prior))
    if json_out:
        con.print(json.dumps({"written": str(json_out)}), markup=False)
