"""What ``rmbase plan`` prints: the proposals (from :func:`rmbase.selection.plan.plan`) with the evidence behind
the surrogate, and, for ``plan --simulate``, the table of strategies (from
:func:`rmbase.selection.plan_simulation.simulate_dataset`).

Every user string goes through :func:`rmbase.escaping.terminal` (see :mod:`rmbase.report.console`)."""

from __future__ import annotations

from rmbase.escaping import terminal as E
from rmbase.report.console import markup, no_scores_lines, plain


def simulation_console(result: dict):
    """The strategies' table of ``plan --simulate`` and the note on its baselines."""
    from rich.console import Group
    from rich.table import Table

    table = Table(title=f"Trainings until a base within {result['tol']:g} point of the best "
                        f"({E(result['best']['model'])}, {result['best']['score']:.1f}) is trained — "
                        f"{E(result['recipe'])}, {result['n_bases']} bases, {result['n_starts']} random starts")
    for col in ("strategy", "median", "p90", "mean", "max"):
        table.add_column(col)
    for s in result["strategies"]:
        table.add_row(E(s["strategy"]), f"{s['median']:g}", f"{s['p90']:g}", f"{s['mean']:.1f}", str(s["max"]))
    return Group(table, markup(
        f"best_single_benchmark uses {E(result['best_single_benchmark_feature'])} (chosen in hindsight on all "
        "results: an optimistic baseline). study_default trains " + ", ".join(map(E, result["study_defaults"]))
        + " first, then at random."))


def proposals_table(result: dict, *, budget: int, acquisition: str, prior: str):
    """The proposed bases, best first, with the surrogate's mean and sd and the acquisition value."""
    from rich.table import Table

    table = Table(title=f"Next {budget} base(s) to train ({E(acquisition)}, {E(prior)} prior; pool of "
                        f"{result['n_pool']}, {result['n_trained']} trained)")
    for col in ("#", "model", "predicted", "sd", acquisition):
        table.add_column(E(col))
    for p in result["proposals"]:
        table.add_row(str(p["rank"]), E(p["model"]), "-" if p["predicted"] is None else f"{p['predicted']:.1f}",
                      "-" if p["sd"] is None else f"{p['sd']:.1f}", f"{p['acquisition']:.3g}")
    return table


def _replaced(sp: dict, whose: str) -> str:
    if not sp["replaced_by_yours"]:
        return ""
    return f"; your results replace {whose} for {E(', '.join(sp['replaced_by_yours']))}"


def prior_note(sp: dict, *, prior: str) -> str:
    """Where the surrogate's prior evidence comes from (``study_prior`` of the plan), as escaped markup."""
    if not sp["used"]:
        return f"Prior evidence: none ({E(sp['reason'])}); the surrogate starts from its {E(prior)} prior."
    off = sp.get("level_offset")
    if sp.get("kind") == "pooled":
        by = ", ".join(f"{E(k)} {v}" for k, v in sp["n_results_by_study"].items())
        return (f"Prior evidence: {sp['n_results']} bases with published RM results ({by}), mapped into one "
                f"unit ({E(sp['units'])}) by the pooled fit, fix how the features weigh; your results set the level"
                + (f" (they sit {off:+.1f} points from the evidence's fit)" if off is not None
                   else " (none yet: the levels are the evidence's)") + _replaced(sp, "the evidence") + ".")
    return (f"Prior evidence: the {sp['n_results']} published {E(sp['recipe'])} results of the study "
            f"({E(sp['dataset'])}) fix how the features weigh; your results set the level"
            + (f" (they sit {off:+.1f} points from the study's fit)" if off is not None else
               " (none yet: the levels are the study's)") + _replaced(sp, "the study's") + ".")


def probe_value_note(v: dict) -> str:
    """Whether probing the unprobed candidates first is worth it (``probe_value`` of the plan)."""
    verdict = "probe them first" if v["probe_first"] else "train without probing"
    return (f"Probing the {v['n_candidates']} unprobed candidate(s) (rho {v['rho']:g}, cost "
            f"{v['probe_cost_in_trainings']:.2f} trainings): value of information "
            f"{v['value_of_information']:.2f} vs threshold {v['threshold']:.2f} points -> [bold]{verdict}[/] "
            f"(break-even probe cost {v['break_even_probe_cost']:.3g}).")


def plan_console(result: dict, *, budget: int, acquisition: str, prior: str):
    """Everything ``rmbase plan`` prints for ``result``, as one rich renderable."""
    from rich.console import Group

    parts = [proposals_table(result, budget=budget, acquisition=acquisition, prior=prior)]
    if result["best_trained"]:
        best = result["best_trained"]
        parts.append(markup(f"Best so far: {E(best['model'])} ({best['score']:.1f})."))
    parts += [plain(result["acquisition_explained"]), markup(prior_note(result["study_prior"], prior=prior))]
    if result["unscorable"]:
        parts.append(markup(f"[yellow]{len(result['unscorable'])} pool entries without all benchmark features were "
                            "left out[/] (see --json)."))
    parts += no_scores_lines(result.get("no_scores") or [])
    if result.get("probe_value"):
        parts.append(markup(probe_value_note(result["probe_value"])))
    return Group(*parts)
