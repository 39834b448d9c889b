"""The study's figures, each drawn from study.json alone (no recomputation of any analysis).

``study_figures(study)`` returns the :class:`FigureSpec` of every figure whose data the study holds; a figure whose
key is absent (an older study.json, a study without selection or post-training data) is left out.
"""

from __future__ import annotations

import numpy as np

from rmbase.benchmarks.leaderboard import AVERAGE, SIX
from rmbase.report.plotting import (
    GREY,
    FigureSpec,
    colour,
    declutter,
    fit,
    fit_line,
    label_points,
    pyplot,
    tex,
)
from rmbase.report.selection_figures import coverage_figure, external_figure, oof_figure, plan_figure

LOG_FEATURES = ("params_b", "pretrain_tokens_t")
FEATURE_ORDER = ("params_b", "pretrain_tokens_t", *SIX, AVERAGE)


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
            fit_line(ax, x, y, log, zorder=1)
            resid = y - fit(x, y, log)
            label = list(dict.fromkeys([*np.argsort(-y)[:3], *np.argsort(-np.abs(resid))[:3]]))
            labels += label_points(ax, x, y, names, label)
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
        fit_line(ax, reg, bt, zorder=1)
        rank_r = np.argsort(np.argsort(-reg))
        rank_b = np.argsort(np.argsort(-bt))
        label = list(dict.fromkeys([*np.argsort(-np.abs(rank_r - rank_b))[:5], int(np.argmax(reg)),
                                    int(np.argmax(bt))]))
        declutter(fig, label_points(ax, reg, bt, names, label))
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


STUDY_FIGURES = (gains_figure, heatmap_figure, scatter_figure, coverage_figure, oof_figure, post_training_figure,
                 pca_figure, recipes_figure, external_figure, plan_figure)


def study_figures(study: dict) -> list[FigureSpec]:
    return [f for f in (make(study) for make in STUDY_FIGURES) if f is not None]
