"""``rmbase recommend`` and ``rmbase plan`` (the selection room): which base to train the reward model from, and which
to train next.

Module-level imports: typer and the standard library only (``rmbase --help`` stays fast)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from rmbase.commands.options import ConfigFile, resolve_config


def evidence_text(row: dict, *, studies: bool = False) -> str:
    """The evidence cell of a ranked row: support, (studies,) its flags in a few words and, where it applies, that
    it ranks above better-supported bases."""
    from rmbase.selection.support import short_flag

    parts = [row["support"]]
    if row.get("feature_status") == "mapped" and row["support"] != "mapped":
        parts.append("mapped scores")
    if studies and row.get("studies"):
        parts.append("studies: " + ", ".join(row["studies"]))
    parts += [f for f in map(short_flag, row.get("flags") or []) if f]
    if row.get("outranks"):
        parts.append("ABOVE BETTER-SUPPORTED BASES")
    return "; ".join(parts)

DATASET = "paper-2505.10775"


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


def _console(console_cls):
    """A rich console; at least 150 columns wide when the output is not a terminal (pipes, files)."""
    con = console_cls(highlight=False)
    return con if con.is_terminal else console_cls(highlight=False, width=max(con.width, 160))


def _outside(extrapolation: list[dict]) -> str:
    return ", ".join(f"{e['feature']} {e['value']:.3g} ({e['low']:.3g}-{e['high']:.3g})" for e in extrapolation)


def _print_no_scores(con, entries: list[dict]) -> None:  # noqa: ANN001 - a rich console
    """For each candidate that no table scores: the commands that score it, the time, what is left without."""
    if not entries:
        return
    con.print(f"[yellow]No benchmark scores anywhere for {len(entries)} candidate(s)[/] (not in the bundled table"
              " nor in a given file):")
    for g in entries:
        con.print(f"  {g['model']}:", markup=False)
        con.print("    1. " + g["commands"][0], markup=False)
        con.print("    2. " + g["commands"][1], markup=False)
        con.print("    time: " + g["estimate_text"], markup=False)
        con.print("    without them the prediction would rest on " + g["without_scores"], markup=False)
    if len(entries) > 1:
        con.print("  " + entries[0]["several"], markup=False)


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


def register(app: typer.Typer) -> None:
    app.command("recommend")(recommend_cmd)
    app.command("plan")(plan_cmd)


def recommend_cmd(
    ctx: typer.Context,
    candidates: Annotated[str | None, typer.Option("--candidates", help="Comma-separated model ids (any "
                                                   "spelling).")] = None,
    benchmarks: Annotated[Path | None, typer.Option("--benchmarks", help="Candidates' benchmark file (anything "
                                                    "`rmbase benchmarks import` reads); default: the bundled "
                                                    "leaderboard table.")] = None,
    recipe: Annotated[str, typer.Option("--recipe", help="regression | bradley_terry")] = "regression",
    max_params: Annotated[float | None, typer.Option("--max-params", help="Only candidates up to this size "
                                                     "(billions).")] = None,
    top: Annotated[int, typer.Option("--top", help="How many to print.")] = 10,
    method: Annotated[str | None, typer.Option("--method", help="Predictor (see docs/selection.md); default: the "
                                               "recipe's default, the method that holds up best on held-out "
                                               "families and other studies.")] = None,
    alpha: Annotated[float, typer.Option("--alpha", help="1 - nominal coverage of the prediction "
                                         "intervals.")] = 0.1,
    dataset: Annotated[str, typer.Option("--dataset", help="Training data (bundled dataset).")] = DATASET,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the full result as JSON here (and "
                                                  "the resolved config beside it).")] = None,
    probes: Annotated[list[Path] | None, typer.Option("--probes", help="`rmbase probe` output folders (or a "
                                                      "folder of them): each candidate's probe accuracies shown "
                                                      "beside its prediction (repeatable).")] = None,
    html_out: Annotated[Path | None, typer.Option("--html", help="Also write a self-contained HTML page here "
                                                  "(ranking, intervals, drivers, Pareto front).")] = None,
    config: ConfigFile = None,
) -> None:
    """Predicted RM score (overall and per section, with checked intervals) of candidate bases, ranked."""
    from rich.console import Console
    from rich.table import Table

    from rmbase.escaping import terminal as E
    from rmbase.selection.recommend import RecommendConfig, recommend

    _check_json(json_out)
    if html_out is not None:
        from rmbase.io import check_distinct_outputs, check_output_path

        check_output_path(html_out, kind="file", option="--html")
        check_distinct_outputs({"--json": json_out, "--json (its config file)":
                                json_out.with_suffix(".config.yaml") if json_out else None, "--html": html_out})
    cfg = resolve_config(ctx, RecommendConfig, config,
                         dict(method=method, recipe=recipe, max_params=max_params, top=top, alpha=alpha))
    result = recommend(_load_data(dataset), candidates=_split(candidates),
                       benchmarks=str(benchmarks) if benchmarks else None, config=cfg, n_jobs=2,
                       probes=_probe_table(probes))
    _write_json(json_out, result, cfg)
    if html_out is not None:
        from rmbase.report import write_recommendation_html

        write_recommendation_html(result, html_out)
    recipe, method, top = cfg.recipe, result["method"], cfg.top
    con = _console(Console)
    iv = result["interval"]
    sections = [t for t in iv["per_target"] if t != "score"]
    k = result["probabilities"]["k"]
    table = Table(title=f"Predicted RM score ({E(recipe)} recipe, {E(method)}); "
                        f"{int(iv['nominal_coverage'] * 100)}% conformal intervals; P(best) and P(top {k}) among "
                        f"the {result['n_candidates']} candidates")
    families = any(r.get("family") for r in result["ranking"])
    shown = result["ranking"][:top]
    from_file = any(r["scores_from"] in ("file", "file+bundled") for r in shown)
    outside_col = any(e["used_by_predictor"] for r in shown for e in r["extrapolation"])
    drivers_col = any(r["drivers"] for r in shown)
    shown_probes = [c for c in ("probe_frozen_bt", "probe_likelihood", "probe_judge")
                    if any((r.get("probes") or {}).get(c) is not None for r in result["ranking"])]
    same_studies = len({tuple(r.get("studies") or ()) for r in shown}) <= 1
    for col in ("#", "model", *(["family"] if families else []), "B", "measured", "predicted ±", "P(best)",
                f"P(top {k})", *(["sections: " + " / ".join(sections)] if sections else []), *shown_probes, *(["scores"] if from_file else []), "front",
                "evidence (outside training range)" if outside_col else "evidence",
                *(["drivers"] if drivers_col else [])):
        table.add_column(col, overflow="fold", min_width=22 if col == "model" else None)
    for row in shown:
        s = row["score"]
        m = row["measured"] or {}
        table.add_row(str(row["rank"]), E(row["model"]), *([E(row.get("family") or "-")] if families else []),
                      f"{row['params_b']:.1f}", f"{m['score']:.1f}" if "score" in m else "",
                      f"{s['predicted']:.1f} ±{s['high'] - s['predicted']:.1f}",
                      f"{row['p_best']:.2f}", f"{row['p_top_k']:.2f}",
                      *([" / ".join("-" if row.get(t) is None else f"{row[t]['predicted']:.1f}"
                                    for t in sections)] if sections else []),
                      *["-" if row["probes"][c] is None else f"{row['probes'][c]:.3f}" for c in shown_probes],
                      *([row["scores_from"]] if from_file else []), "yes" if row["pareto"] else "",
                      E("; ".join(x for x in (evidence_text(row, studies=not same_studies),
                                              _outside([e for e in row["extrapolation"]
                                                        if e["used_by_predictor"]])) if x)),
                      *([", ".join(f"{E(d['feature'])} {d['contribution']:+.1f}" for d in row["drivers"])]
                        if drivers_col else []))
    con.print(table)
    if same_studies and shown and shown[0].get("studies"):
        con.print("RM evidence behind every row: " + ", ".join(map(E, shown[0]["studies"])) + ".")
    for row in shown:
        if row.get("outranks"):
            con.print(f"  #{row['rank']} {E(row['model'])}: {E(row['outranks'])}.")
    choice = result["method_choice"]
    con.print(f"Method {E(method)}: chosen by {E(choice['chosen_by'])}.")
    if result.get("units"):
        con.print(f"Pooled evidence of {', '.join(map(E, result['studies_used']))}; units: {E(result['units'])}.")
    if result.get("n_size_only") and result.get("size_only"):
        so = result["size_only"]
        con.print(f"{result['n_size_only']} candidate(s) without benchmark scores are ranked on their size alone "
                  f"(a fit of the study's scores on log size: interval ±{so['halfwidth']:.1f} points, "
                  f"leave-one-out error {so['loo_mean_abs_error']:.1f}); their rows say 'size only'.")
    left = result["pool"]["left_out_counts"]
    if left:
        con.print(f"Left out of the default pool: {sum(len(x['flags']) > 0 for x in result['pool']['left_out'])}"
                  " base(s) (" + ", ".join(f"{E(f)} {n}" for f, n in left.items()) + "): "
                  + E(result["pool"]["rule"]) + ".")
    con.print("Ranked by the published RM score where the study trained the base with this recipe "
              f"('measured', {E(recipe)}), else by the prediction; both are on the same scale."
              if any(row["measured"] for row in shown) else
              "Ranked by the prediction (none of these bases was trained by the study with this recipe).")
    if any(row["extrapolates"] for row in shown):
        con.print("outside training range: a feature the score's predictor uses lies outside the range of the "
                  "study's bases (shown as low-high): the prediction extrapolates on it and its interval was not "
                  "checked there (all such features: 'extrapolation' in --json).")
    src = result["sources"]
    if src["file"]:
        con.print(f"Scores: the bundled leaderboard table plus {E(src['file'])} (its values win where both have "
                  f"a model); from the file: {len(src['from_file'])} candidate(s)"
                  + (": " + ", ".join(f"{E(k)} ({', '.join(v)})" for k, v in list(src["from_file"].items())[:6])
                     if src["from_file"] else "") + ".")
        if src["replaced_bundled"]:
            con.print("  replaced bundled values: " + "; ".join(f"{E(k)}: {', '.join(v)}" for k, v in
                                                                src["replaced_bundled"].items()))
    cov = iv["per_target"].get("score") or next(iter(iv["per_target"].values()))
    if cov["empirical_coverage_loo"] is None:
        con.print(f"Intervals: {E(iv['kind'])} (nominal {iv['nominal_coverage']:.2f}; typical half-width "
                  f"{cov['halfwidth']:.1f} points); their coverage leaving whole studies out is in "
                  "docs/selection.md.")
    else:
        con.print(f"Interval check (out of fold, score): empirical coverage {cov['empirical_coverage_loo']:.2f} "
                  f"leave-one-out, {cov['empirical_coverage_lofo'] or float('nan'):.2f} leave-one-family-out "
                  f"(nominal {iv['nominal_coverage']:.2f}); half-width {cov['halfwidth']:.1f} points.")
    con.print(f"{result['n_candidates']} candidates scored; Pareto front (size vs score): "
              + ", ".join(map(E, result["pareto_front"][:8])) + ("..." if len(result["pareto_front"]) > 8 else ""))
    _print_no_scores(con, result.get("no_scores") or [])
    others = [u for u in result["unscorable"] if u["model"] not in {g["model"] for g in result["no_scores"]}]
    if others:
        con.print(f"[yellow]Cannot score {len(others)} candidate(s):[/]")
        for u in others[:20]:
            con.print(f"  {E(u['model'])}: {E(u['reason'])}")

def plan_cmd(
    ctx: typer.Context,
    pool: Annotated[Path | None, typer.Option("--pool", help="Benchmark file of the candidate pool.")] = None,
    candidates: Annotated[str | None, typer.Option("--candidates", help="Comma-separated pool ids (bundled "
                                                   "scores).")] = None,
    trained: Annotated[Path | None, typer.Option("--trained", help="Results so far: CSV/Parquet with model, "
                                                 "score (and recipe).")] = None,
    budget: Annotated[int, typer.Option("--budget", help="How many bases to propose.")] = 1,
    recipe: Annotated[str | None, typer.Option("--recipe", help="Recipe (filters --trained; default regression "
                                               "for --simulate).")] = None,
    prior: Annotated[str, typer.Option("--prior", help="capability | flat")] = "capability",
    acquisition: Annotated[str, typer.Option("--acquisition", help="ei | thompson")] = "ei",
    family_sd: Annotated[float, typer.Option("--family-sd", help="Prior sd of a shared per-family offset, in "
                                             "units of the score scale (0: ignore families).")] = 0.5,
    study_prior: Annotated[bool, typer.Option("--study-prior/--no-study-prior", help="Use published RM "
                                              "results as prior evidence (every study, pooled; see "
                                              "--prior-evidence).")] = True,
    prior_evidence: Annotated[str, typer.Option("--prior-evidence", help="pooled (every study, mapped into one "
                                                "unit) | study (the bundled study's results of --recipe "
                                                "only).")] = "pooled",
    simulate: Annotated[bool, typer.Option("--simulate", help="Replay strategies on a bundled dataset's "
                                           "results.")] = False,
    dataset: Annotated[str, typer.Option("--dataset", help="Dataset for --simulate and the study prior.")] = DATASET,
    starts: Annotated[int, typer.Option("--starts", help="Random starts for --simulate.")] = 200,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the full result as JSON here (and "
                                                  "the resolved config beside it).")] = None,
    probes: Annotated[list[Path] | None, typer.Option("--probes", help="`rmbase probe` output folders (or a "
                                                      "folder of them), joined to the pool by model id "
                                                      "(repeatable).")] = None,
    probe_feature: Annotated[str | None, typer.Option("--probe-feature", help="Use this probe as a surrogate "
                                                      "feature: probe_frozen_bt | probe_likelihood | "
                                                      "probe_judge.")] = None,
    probe_rho: Annotated[float | None, typer.Option("--probe-rho", help="Correlation of a probe with the RM "
                                                    "score beyond the benchmark features (measure it: "
                                                    "docs/probes.md); asks whether probing first is worth "
                                                    "it.")] = None,
    probe_cost: Annotated[float | None, typer.Option("--probe-cost", help="Compute of probing one "
                                                     "candidate.")] = None,
    train_cost: Annotated[float | None, typer.Option("--train-cost", help="Compute of training one cell (same "
                                                     "unit).")] = None,
    config: ConfigFile = None,
) -> None:
    """Propose the next bases to train (Bayesian optimisation), or --simulate strategies on known results."""
    from rich.console import Console
    from rich.table import Table

    from rmbase.escaping import terminal as E
    from rmbase.selection.plan import plan as plan_bases
    from rmbase.selection.plan_simulation import simulate_dataset
    from rmbase.selection.plan_surrogate import PlanConfig

    _check_json(json_out)
    con = _console(Console)
    cfg = resolve_config(ctx, PlanConfig, config,
                         dict(prior=prior, acquisition=acquisition, family_sd=family_sd, study_prior=study_prior,
                              prior_evidence=prior_evidence))
    prior, acquisition = cfg.prior, cfg.acquisition
    if simulate:
        result = simulate_dataset(_load_data(dataset), recipe=recipe or "regression", n_starts=starts, seed=seed)
        _write_json(json_out, result, cfg)
        table = Table(title=f"Trainings until a base within {result['tol']:g} point of the best "
                            f"({E(result['best']['model'])}, {result['best']['score']:.1f}) is trained — "
                            f"{E(result['recipe'])}, {result['n_bases']} bases, {result['n_starts']} random starts")
        for col in ("strategy", "median", "p90", "mean", "max"):
            table.add_column(col)
        for s in result["strategies"]:
            table.add_row(E(s["strategy"]), f"{s['median']:g}", f"{s['p90']:g}", f"{s['mean']:.1f}", str(s["max"]))
        con.print(table)
        con.print(f"best_single_benchmark uses {E(result['best_single_benchmark_feature'])} (chosen in hindsight "
                  "on all results: an optimistic baseline). study_default trains "
                  + ", ".join(map(E, result["study_defaults"])) + " first, then at random.")
        return
    result = plan_bases(pool_file=str(pool) if pool else None, candidates=_split(candidates),
                        trained_file=str(trained) if trained else None, budget=budget, recipe=recipe, config=cfg,
                        seed=seed, data=_load_data(dataset) if cfg.study_prior else None,
                        probes=_probe_table(probes), probe_feature=probe_feature,
                        probe_costs=_probe_costs(probe_rho, probe_cost, train_cost))
    _write_json(json_out, result, cfg)
    table = Table(title=f"Next {budget} base(s) to train ({E(acquisition)}, {E(prior)} prior; pool of "
                        f"{result['n_pool']}, {result['n_trained']} trained)")
    for col in ("#", "model", "predicted", "sd", acquisition):
        table.add_column(E(col))
    for p in result["proposals"]:
        table.add_row(str(p["rank"]), E(p["model"]), "-" if p["predicted"] is None else f"{p['predicted']:.1f}",
                      "-" if p["sd"] is None else f"{p['sd']:.1f}", f"{p['acquisition']:.3g}")
    con.print(table)
    if result["best_trained"]:
        con.print(f"Best so far: {E(result['best_trained']['model'])} ({result['best_trained']['score']:.1f}).")
    con.print(result["acquisition_explained"], markup=False)
    sp = result["study_prior"]
    if sp["used"] and sp.get("kind") == "pooled":
        off = sp.get("level_offset")
        by = ", ".join(f"{E(k)} {v}" for k, v in sp["n_results_by_study"].items())
        con.print(f"Prior evidence: {sp['n_results']} bases with published RM results ({by}), mapped into one "
                  f"unit ({E(sp['units'])}) by the pooled fit, fix how the features weigh; your results set "
                  "the level" + (f" (they sit {off:+.1f} points from the evidence's fit)" if off is not None
                                 else " (none yet: the levels are the evidence's)")
                  + (f"; your results replace the evidence for {E(', '.join(sp['replaced_by_yours']))}"
                     if sp["replaced_by_yours"] else "") + ".")
    elif sp["used"]:
        off = sp.get("level_offset")
        con.print(f"Prior evidence: the {sp['n_results']} published {E(sp['recipe'])} results of the study "
                  f"({E(sp['dataset'])}) fix how the features weigh; your results set the level"
                  + (f" (they sit {off:+.1f} points from the study's fit)" if off is not None else
                     " (none yet: the levels are the study's)")
                  + (f"; your results replace the study's for {E(', '.join(sp['replaced_by_yours']))}"
                     if sp["replaced_by_yours"] else "") + ".")
    else:
        con.print(f"Prior evidence: none ({E(sp['reason'])}); the surrogate starts from its {E(prior)} prior.")
    if result["unscorable"]:
        con.print(f"[yellow]{len(result['unscorable'])} pool entries without all benchmark features were left "
                  "out[/] (see --json).")
    _print_no_scores(con, result.get("no_scores") or [])
    if result.get("probe_value"):
        v = result["probe_value"]
        verdict = "probe them first" if v["probe_first"] else "train without probing"
        con.print(f"Probing the {v['n_candidates']} unprobed candidate(s) (rho {v['rho']:g}, cost "
                  f"{v['probe_cost_in_trainings']:.2f} trainings): value of information "
                  f"{v['value_of_information']:.2f} vs threshold {v['threshold']:.2f} points -> [bold]{verdict}[/] "
                  f"(break-even probe cost {v['break_even_probe_cost']:.3g}).")
    if json_out:
        con.print(json.dumps({"written": str(json_out)}), markup=False)
