"""The study's figures, each drawn from study.json alone (no recomputation of any analysis).

``study_figures(study)`` returns the :class:`FigureSpec` of every figure whose data the study holds; a figure whose
key is absent (an older study.json, a study without selection or post-training data) is left out.
"""

from __future__ import annotations

import numpy as np

from rmbase.benchmarks.leaderboard import AVERAGE, SIX
from rmbase.report.plotting import GREY, FigureSpec, colour, declutter, pyplot, style, tex

LOG_FEATURES = ("params_b", "pretrain_tokens_t")
FEATURE_ORDER = ("params_b", "pretrain_tokens_t", *SIX, AVERAGE)


def _label_points(ax, xs, ys, names, idx, *, fontsize=6.5):
    """Name the points ``idx`` (thin leader lines); returns the labels, for :func:`declutter`."""
    return [ax.annotate(tex(names[i]), (xs[i], ys[i]), xytext=(4, 3), textcoords="offset points",
                        fontsize=fontsize, color="#222",
                        arrowprops={"arrowstyle": "-", "color": "#BBBBBB", "linewidth": 0.5, "shrinkA": 0,
                                    "shrinkB": 2}) for i in idx]


def _fit(x, y, log: bool = False):
    """Least-squares line of y on x (on log10 x when ``log``); returns the fitted values at x."""
    u = np.log10(x) if log else np.asarray(x, float)
    if len(u) < 2 or np.ptp(u) == 0:
        return np.full(len(y), float(np.mean(y)))
    return np.poly1d(np.polyfit(u, y, 1))(u)


def _fit_line(ax, x, y, log: bool = False, **kw):
    x = np.asarray(x, float)
    if len(x) >= 2 and np.ptp(x) > 0:
        order = np.argsort(x)
        ax.plot(x[order], _fit(x, y, log)[order], color=GREY, linewidth=1.2, **kw)


def gains_figure(study: dict) -> FigureSpec | None:
    gains = study.get("gains") or []
    if not gains:
        return None

    def draw():
        plt = pyplot()
        fig, ax = plt.subplots(figsize=(7.5, 0.9 + 0.75 * len(gains)))
        per_group = {}
        for r in study.get("gains_per_model") or []:
            per_group.setdefault(r["group"], []).append(r["score"])
        for i, g in enumerate(gains):
            y0 = len(gains) - 1 - i
            others = per_group.get(g["group"], [])
            ax.scatter(others, [y0] * len(others), s=12, color=GREY, alpha=0.6, zorder=2,
                       label="other bases" if i == 0 else None)
            ax.plot([g["default_score"], g["best_score"]], [y0, y0], color="#444", linewidth=1, zorder=1)
            ax.scatter([g["default_score"]], [y0], s=60, marker="s", color=colour(1), zorder=3,
                       label="default base" if i == 0 else None)
            ax.scatter([g["best_score"]], [y0], s=70, marker="o", color=colour(0), zorder=3,
                       label="best base" if i == 0 else None)
            ax.annotate(tex(f"{g['default_model']} {g['default_score']:.1f}"), (g["default_score"], y0),
                        xytext=(0, -13), textcoords="offset points", ha="center", fontsize=7, color=colour(1))
            ax.annotate(tex(f"{g['best_model']} {g['best_score']:.1f}  (+{g['gain_points']:.1f} pts)"),
                        (g["best_score"], y0), xytext=(0, 8), textcoords="offset points", ha="center", fontsize=7,
                        color=colour(0), fontweight="bold")
        ax.set_yticks(range(len(gains)), [tex(g["group"]) for g in reversed(gains)])
        ax.set_ylim(-0.7, len(gains) - 0.3)
        ax.set_xlabel(f"RM {tex(study['target'])} ({tex(study['recipe'])} recipe)")
        ax.set_ylabel("size group")
        ax.legend(loc="lower right", frameon=False, ncol=3)
        return fig

    alt = "; ".join(f"{g['group']}: default {g['default_model']} {g['default_score']:.1f}, best {g['best_model']} "
                    f"{g['best_score']:.1f}, gain {g['gain_points']:.1f} points" for g in gains)
    return FigureSpec("gains", "Best base against the default base in each size group",
                      "Each row is a size group: the square is the default base, the circle the best base measured "
                      "in the study, grey dots every other base of the group.", "gains, gains_per_model",
                      "Dot plot of RM scores per size group. " + alt, draw, section="gains")


def heatmap_figure(study: dict) -> FigureSpec | None:
    rows = study.get("correlations") or []
    if not rows:
        return None
    feats = [f for f in FEATURE_ORDER if any(r["feature"] == f for r in rows)]
    feats += [f for f in dict.fromkeys(r["feature"] for r in rows) if f not in feats]
    targets = list(dict.fromkeys(r["target"] for r in rows))
    cell = {(r["feature"], r["target"]): r for r in rows}

    def draw():
        plt = pyplot()
        fig, axes = plt.subplots(1, 2, figsize=(8.5, 0.9 + 0.38 * len(feats)), sharey=True)
        for ax, (kind, sig, sig_label) in zip(axes, (("pearson", "pearson_p", "p < 0.05"),
                                                     ("spearman", "q_value", "q < 0.05 (BH)")), strict=True):
            M = np.array([[cell.get((f, t), {}).get(kind, np.nan) for t in targets] for f in feats], float)
            im = ax.imshow(M, cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
            for i, f in enumerate(feats):
                for j, t in enumerate(targets):
                    r = cell.get((f, t))
                    if r is None or r.get(kind) is None:
                        continue
                    star = "*" if (r.get(sig) is not None and r[sig] < 0.05) else ""
                    ax.text(j, i, f"{r[kind]:.2f}{star}", ha="center", va="center", fontsize=7,
                            color="white" if abs(r[kind]) > 0.6 else "black")
            ax.set_xticks(range(len(targets)), [tex(t) for t in targets], rotation=30, ha="right")
            ax.set_yticks(range(len(feats)), [tex(f) for f in feats])
            ax.set_title(f"{kind.capitalize()} (* {sig_label})")
            ax.grid(False)
        fig.colorbar(im, ax=axes, shrink=0.8, label="correlation")
        return fig

    target = study.get("target", "score")
    top = sorted((r for r in rows if r["target"] == target), key=lambda r: -abs(r["spearman"]))[:3]
    alt = ("Two heatmaps, Pearson and Spearman correlation of every feature with every RM target. Strongest with "
           f"{target}: " + ", ".join(f"{r['feature']} Spearman {r['spearman']:.2f}" for r in top) + ".")
    return FigureSpec("correlations", "Correlation of every feature with every target",
                      "Left Pearson, right Spearman, for each feature (rows) and RM target (columns). A star marks "
                      "significance: Pearson p < 0.05; Spearman Benjamini-Hochberg q < 0.05 over the whole table. "
                      f"Critical |r| at this n: {study.get('critical_r', float('nan')):.3f}.", "correlations",
                      alt, draw, section="correlations")


def scatter_figure(study: dict, n_features: int = 3) -> FigureSpec | None:
    design = study.get("design")
    if not design or not design.get("rows"):
        return None
    target = study["target"]
    corr = sorted((r for r in study.get("correlations", []) if r["target"] == target and r["feature"] in
                   design["features"]), key=lambda r: -abs(r["spearman"]))[:n_features]
    if not corr:
        return None
    names = [r["model"] for r in design["rows"]]
    y = np.array([r["y"] for r in design["rows"]], float)

    def draw():
        plt = pyplot()
        fig, axes = plt.subplots(1, len(corr), figsize=(3.4 * len(corr), 3.4), sharey=True, squeeze=False)
        labels = []
        for ax, c in zip(axes[0], corr, strict=True):
            x = np.array([r["features"][c["feature"]] for r in design["rows"]], float)
            log = c["feature"] in LOG_FEATURES and bool(np.all(x > 0))
            ax.scatter(x, y, s=16, color=colour(0), alpha=0.85, zorder=2)
            _fit_line(ax, x, y, log, zorder=1)
            resid = y - _fit(x, y, log)
            label = list(dict.fromkeys([*np.argsort(-y)[:3], *np.argsort(-np.abs(resid))[:3]]))
            labels += _label_points(ax, x, y, names, label)
            ax.set_xlabel(tex(c["feature"]) + (" (log scale; line fitted on log)" if log else ""))
            if log:
                ax.set_xscale("log")
            ax.set_title(f"{tex(c['feature'])}: Pearson {c['pearson']:.2f}, Spearman {c['spearman']:.2f}",
                         fontsize=8.5)
        axes[0][0].set_ylabel(f"RM {tex(target)}")
        declutter(fig, labels)
        return fig

    return FigureSpec("scatter", f"The {len(corr)} strongest features against the RM {target}",
                      "One point per base with a least-squares line; labelled: the three best bases and the three "
                      "farthest from the line. Features chosen by |Spearman| with the target.",
                      "design, correlations", "Scatter plots of " + ", ".join(c["feature"] for c in corr)
                      + f" against RM {target}, one point per base, with a fit line.", draw, section="correlations")


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
                _fit_line(ax, v, a, zorder=1)
                ax.set_xlabel(f"{tex(p['ranked_by'])} (ranks without a fit)", fontsize=7.5)
            idx = [models.index(m) for m in marked if m in models]
            if idx:
                ax.scatter(v[idx], a[idx], s=60, facecolors="none", edgecolors=colour(3), linewidths=1.4, zorder=3)
                labels += _label_points(ax, v, a, models, idx, fontsize=6)
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


def post_training_figure(study: dict) -> FigureSpec | None:
    rows = [r for r in study.get("post_training") or [] if r["stage"] != "base"]
    if not rows:
        return None
    sections = list(dict.fromkeys(r["section"] for r in rows))
    stages = list(dict.fromkeys((r["stage"], r["model"]) for r in rows))
    val = {(r["stage"], r["model"], r["section"]): r["delta_percent"] for r in rows}

    def draw():
        plt = pyplot()
        fig, ax = plt.subplots(figsize=(7.5, 3.8))
        w = 0.8 / len(stages)
        for i, (stage, model) in enumerate(stages):
            xs = np.arange(len(sections)) + (i - (len(stages) - 1) / 2) * w
            vs = [val.get((stage, model, s), np.nan) for s in sections]
            ax.bar(xs, vs, w, color=colour(i), label=tex(f"{stage} ({model})"), hatch=("", "//", "..", "xx")[i % 4],
                   edgecolor="white", linewidth=0.5)
        ax.axhline(0, color="#444", linewidth=0.8)
        ax.set_xticks(range(len(sections)), [tex(s) for s in sections])
        ax.set_ylabel("change vs the base stage (%)")
        ax.legend(frameon=False, fontsize=7, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.1))
        return fig

    return FigureSpec("post_training", "Change of the RM score per section after each post-training stage",
                      "Bars: percent change of each RewardBench section against the pre-trained base of the same "
                      "model.", "post_training", "Grouped bar chart of percent change per section for stages "
                      + ", ".join(s for s, _ in stages) + ".", draw, section="post_training")


def pca_figure(study: dict) -> FigureSpec | None:
    pca = study.get("pca")
    if not pca or not pca.get("explained_variance_ratio"):
        return None
    ratio = np.array(pca["explained_variance_ratio"], float)

    def draw():
        plt = pyplot()
        fig, ax = plt.subplots(figsize=(5, 3.2))
        ks = np.arange(1, len(ratio) + 1)
        ax.bar(ks, ratio, color=colour(0), label="explained variance ratio")
        ax.plot(ks, np.cumsum(ratio), color=colour(1), marker="o", markersize=3, label="cumulative")
        ax.set_xticks(ks, [f"PC{k}" for k in ks])
        ax.set_ylim(0, 1.05)
        ax.legend(frameon=False, loc="center right")
        return fig

    return FigureSpec("pca_scree", "PCA scree plot of the standardised benchmark matrix",
                      f"{len(pca['benchmarks'])} benchmarks over {pca['n_models']} bases; PC1 alone explains "
                      f"{ratio[0]:.0%}: the benchmarks largely measure one capability.", "pca",
                      f"Bar chart of explained variance per component; first component {ratio[0]:.2f}, first five "
                      f"{pca.get('first5_cumulative', float(np.sum(ratio[:5]))):.3f} cumulative.", draw,
                      section="pca")


def recipes_figure(study: dict) -> FigureSpec | None:
    rec = study.get("recipes")
    if not rec or not rec.get("per_model"):
        return None
    rows = rec["per_model"]
    names = [r["model"] for r in rows]
    reg = np.array([r["regression"] for r in rows], float)
    bt = np.array([r["bradley_terry"] for r in rows], float)

    def draw():
        plt = pyplot()
        fig, ax = plt.subplots(figsize=(5.6, 4.2))
        ax.scatter(reg, bt, s=16, color=colour(0), zorder=2)
        _fit_line(ax, reg, bt, zorder=1)
        rank_r = np.argsort(np.argsort(-reg))
        rank_b = np.argsort(np.argsort(-bt))
        label = list(dict.fromkeys([*np.argsort(-np.abs(rank_r - rank_b))[:5], int(np.argmax(reg)),
                                    int(np.argmax(bt))]))
        declutter(fig, _label_points(ax, reg, bt, names, label))
        ax.set_xlabel(f"regression recipe, RM {tex(rec['target'])}")
        ax.set_ylabel(f"Bradley-Terry recipe, RM {tex(rec['target'])}")
        ax.set_title(f"Pearson {rec['pearson']:.2f}, Spearman {rec['spearman']:.2f}", fontsize=8.5)
        return fig

    return FigureSpec("recipes", "Bradley-Terry against regression, per base",
                      "One point per base trained with both recipes, with a least-squares line; labelled: the best "
                      "base of each recipe and the five whose rank differs most between recipes.", "recipes.per_model",
                      f"Scatter of {len(rows)} bases, regression score against Bradley-Terry score; mean "
                      f"difference {rec['mean_difference']:.1f} points, Spearman {rec['spearman']:.2f}.", draw,
                      section="recipes")


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


STUDY_FIGURES = (gains_figure, heatmap_figure, scatter_figure, coverage_figure, oof_figure, post_training_figure,
                 pca_figure, recipes_figure, external_figure, plan_figure)


def study_figures(study: dict) -> list[FigureSpec]:
    return [f for f in (make(study) for make in STUDY_FIGURES) if f is not None]
