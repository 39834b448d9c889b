"""The study's figures about choosing a base (drawn from study.json alone): top-k coverage of the rankings, the
out-of-fold predictions against the results, the external RM result sets, and the plan's simulated strategies.
:func:`rmbase.report.figures.study_figures` lists them with the others."""

from __future__ import annotations

import numpy as np

from rmbase.report.plotting import (
    GREY,
    FigureSpec,
    colour,
    declutter,
    fit_line,
    label_points,
    pyplot,
    style,
    tex,
)


def _curves(ax, curves: list[tuple[str, list[float]]], n: int, n_colour: int = 6):
    """The ``n_colour`` curves with the best mean coverage@5..10 in colour (listed first), the rest thin grey."""
    ks = np.arange(1, n + 1)
    ax.axvspan(5, 10, color="#F2F2F2", zorder=0)
    ax.plot(ks, ks / n, color=GREY, linestyle=":", linewidth=1, label="random order (k/n)")
    order = sorted(curves, key=lambda c: -float(np.mean(c[1][4:10])) if len(c[1]) >= 10 else 0.0)
    rest = [name for name, _ in order[n_colour:]]
    for i, (name, cov) in enumerate(order):
        if i < n_colour:
            st = style(i)
            ax.plot(ks[:len(cov)], cov, color=st["color"], linestyle=st["linestyle"], marker=st["marker"],
                    markersize=2.5, markevery=4, linewidth=1.4, label=tex(name), zorder=3)
        else:
            ax.plot(ks[:len(cov)], cov, color="#BDBDBD", linewidth=0.8, zorder=2,
                    label=tex("others: " + ", ".join(rest)) if i == n_colour else None)
    ax.set_xlabel("k (top-k bases)")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=6.5, frameon=False, loc="lower right")


def coverage_figure(study: dict) -> FigureSpec | None:
    cov = study.get("coverage") or []
    if not cov:
        return None
    n = study["n_models"]
    feats: dict[str, list[float]] = {}
    for r in sorted(cov, key=lambda r: r["k"]):
        feats.setdefault(r["feature"], []).append(r["coverage"])
    preds = [(p["method"], p["coverage"]) for p in study.get("selection_coverage") or []
             if p["recipe"] == study["recipe"] and p["validation"] == "loo"]

    def draw():
        plt = pyplot()
        fig, axes = plt.subplots(1, 2 if preds else 1, figsize=(9 if preds else 5, 3.6), sharey=True,
                                 squeeze=False)
        _curves(axes[0][0], list(feats.items()), n)
        axes[0][0].set_title("single features")
        axes[0][0].set_ylabel("coverage@k")
        if preds:
            _curves(axes[0][1], preds, n)
            axes[0][1].set_title("predictors, out of fold (leave-one-out)")
        return fig

    key = "coverage" + (", selection_coverage" if preds else "")
    return FigureSpec("coverage", "Coverage@k: how many of the true top-k bases each ranking puts in its top k",
                      "C(k) = |top-k by the ranking ∩ top-k by the RM score| / k. The shaded band is k = 5..10 (the "
                      "study's mean coverage); the dotted line is what a random order gets on average. In colour: "
                      "the six curves with the best mean coverage@5-10 (legend in that order); the rest grey.", key,
                      f"Line charts of coverage@k for k = 1..{n}: {len(feats)} single features"
                      + (f" and {len(preds)} predictors judged out of fold" if preds else "") + ".", draw,
                      section="coverage")


def oof_figure(study: dict) -> FigureSpec | None:
    preds = [p for p in study.get("selection_predictions") or []
             if p["recipe"] == study["recipe"] and p["validation"] == "loo"]
    if not preds:
        return None
    infl = next((i for i in study.get("selection_influence") or [] if i["recipe"] == study["recipe"]), None)
    marked = [b["model"] for b in (infl or {}).get("bases", [])]
    ncol = min(4, len(preds))
    nrow = -(-len(preds) // ncol)

    def draw():
        plt = pyplot()
        fig, axes = plt.subplots(nrow, ncol, figsize=(2.6 * ncol, 2.6 * nrow), squeeze=False)
        labels = []
        for ax in axes.flat[len(preds):]:
            ax.set_visible(False)
        for ax, p in zip(axes.flat, preds, strict=False):
            models = list(p["actual"])
            a = np.array([p["actual"][m] for m in models], float)
            v = np.array([p["values"][m] for m in models], float)
            ax.scatter(v, a, s=10, color=colour(0), alpha=0.8, zorder=2)
            if p["ranked_by"] == "prediction":
                lo, hi = min(a.min(), v.min()), max(a.max(), v.max())
                ax.plot([lo, hi], [lo, hi], color=GREY, linewidth=1, linestyle="--", zorder=1)
                ax.set_xlabel("predicted (out of fold)", fontsize=7.5)
            else:
                fit_line(ax, v, a, zorder=1)
                ax.set_xlabel(f"{tex(p['ranked_by'])} (ranks without a fit)", fontsize=7.5)
            idx = [models.index(m) for m in marked if m in models]
            if idx:
                ax.scatter(v[idx], a[idx], s=60, facecolors="none", edgecolors=colour(3), linewidths=1.4, zorder=3)
                labels += label_points(ax, v, a, models, idx, fontsize=6)
            ax.set_title(tex(p["method"]), fontsize=8.5)
            ax.set_ylabel("actual", fontsize=7.5)
        declutter(fig, labels)
        return fig

    who = (f" Ringed (vermillion): the bases whose misprediction costs the best method ({infl['method']}) most "
           "(selection_influence)." if marked else "")
    return FigureSpec("oof_predictions", "Predicted against actual RM score, out of fold, per predictor",
                      "Each panel is one predictor judged by leave-one-out: every base predicted by a fit that never "
                      "saw it; the dashed line is prediction = actual." + who,
                      "selection_predictions" + (", selection_influence" if marked else ""),
                      f"{len(preds)} scatter panels of out-of-fold prediction against actual score"
                      + (f"; influential bases marked: {', '.join(marked)}" if marked else "") + ".", draw,
                      section="selection")


def external_figure(study: dict) -> FigureSpec | None:
    ext = study.get("external_validation") or {}
    sets = [s for s in ext.get("sets", []) if s.get("methods")]
    if not sets:
        return None
    min_n = ext.get("min_n_to_judge", 5)

    def draw():
        plt = pyplot()
        fig, axes = plt.subplots(1, len(sets), figsize=(3.3 * len(sets), 3.2), sharey=True, squeeze=False)
        for ax, s in zip(axes[0], sets, strict=True):
            ms = [m["method"] for m in s["methods"]]
            vals = [(m.get("all") or {}).get("spearman") for m in s["methods"]]
            n = (s["methods"][0].get("all") or {}).get("n", s.get("n_scorable")) or 0
            judged = n >= min_n
            ax.barh(range(len(ms)), [np.nan if v is None else v for v in vals],
                    color=[colour(i) if judged else "#D9D9D9" for i in range(len(ms))])
            for i, v in enumerate(vals):
                ax.text(0 if v is None else v, i, " n/a" if v is None else f" {v:.2f}", va="center", fontsize=7)
            ax.set_yticks(range(len(ms)), [tex(m) for m in ms])
            ax.axvline(0, color="#444", linewidth=0.8)
            ax.set_xlim(-1, 1.15)
            ax.set_title(f"{tex(s['set'])} (n = {n}{'' if judged else ': too few to judge'})", fontsize=8)
            ax.set_xlabel("Spearman with the external score")
        return fig

    return FigureSpec("external_validation", "External validation: ranking RMs trained by others",
                      "Spearman between each predictor's ranking (fitted on this study) and the score of reward "
                      "models trained by others on the same bases, per external set, over all scorable bases. Grey: "
                      "a set with too few scorable bases to judge (shown for completeness).",
                      "external_validation.sets", "Bar charts of Spearman per predictor for "
                      + ", ".join(s["set"] for s in sets) + ".", draw, section="external")


def plan_figure(study: dict) -> FigureSpec | None:
    sim = study.get("plan_simulation")
    if not sim or not sim.get("strategies"):
        return None
    st = sorted(sim["strategies"], key=lambda s: s["median"])

    def draw():
        plt = pyplot()
        fig, ax = plt.subplots(figsize=(6.5, 0.8 + 0.35 * len(st)))
        y = np.arange(len(st))[::-1]
        ax.barh(y, [s["median"] for s in st], color=colour(0), label="median")
        ax.scatter([s["p90"] for s in st], y, color=colour(3), marker="|", s=120, label="90th percentile", zorder=3)
        ax.set_yticks(y, [tex(s["strategy"]) for s in st])
        ax.set_xlabel(f"trainings until a base within {sim['tol']:g} point of the best is trained")
        ax.legend(frameon=False, loc="lower right")
        return fig

    return FigureSpec("plan_simulation", "Plan simulation: trainings needed per strategy",
                      f"Replayed on known results from {sim['n_starts']} random starts over {sim['n_bases']} bases.",
                      "plan_simulation.strategies", "Bar chart of median trainings per strategy: "
                      + ", ".join(f"{s['strategy']} {s['median']:g}" for s in st) + ".", draw, section="plan")
