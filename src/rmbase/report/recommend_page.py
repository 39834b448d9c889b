"""The HTML page of a recommendation (``rmbase recommend ... --html FILE``), from the dict that
:func:`rmbase.selection.recommend.recommend` returns: the answer first, the Pareto front of predicted score against
size, the drivers of the top predictions, the ranked table with intervals, and the provenance.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from rmbase.report import html as H
from rmbase.report.plotting import GREY, FigureSpec, colour, declutter, pyplot, render_all, tex
from rmbase.report.todays_table import todays_table

SOURCE = "the recommendation (rmbase recommend --json)"


def pareto_figure(result: dict, label_top: int = 3) -> FigureSpec:
    rows = result["ranking"]
    size = np.array([r["params_b"] for r in rows], float)
    pred = np.array([r["score"]["predicted"] for r in rows], float)
    lo = np.array([r["score"]["low"] for r in rows], float)
    hi = np.array([r["score"]["high"] for r in rows], float)
    front = np.array([r["pareto"] for r in rows], bool)
    names = [r["model"] for r in rows]

    def draw():
        plt = pyplot()
        fig, ax = plt.subplots(figsize=(7.5, 4.4))
        ax.errorbar(size[~front], pred[~front], yerr=[pred[~front] - lo[~front], hi[~front] - pred[~front]],
                    fmt="o", markersize=3.5, color=GREY, ecolor="#D0D0D0", elinewidth=0.8, label="candidate")
        order = np.argsort(size[front])
        ax.errorbar(size[front], pred[front], yerr=[pred[front] - lo[front], hi[front] - pred[front]], fmt="D",
                    markersize=5, color=colour(0), ecolor=colour(4), elinewidth=1, label="Pareto front", zorder=3)
        ax.plot(size[front][order], pred[front][order], color=colour(0), linewidth=1, zorder=2)
        # labels point away from the middle of the size range (log scale), so they stay inside the axes
        mid = np.sqrt(size.min() * size.max()) if len(size) and size.min() > 0 else np.median(size)
        labels = []
        for i in sorted(set(range(min(label_top, len(rows)))) | set(np.flatnonzero(front))):
            right = size[i] < mid
            labels.append(ax.annotate(tex(f"{rows[i]['rank']}. {names[i]}"), (size[i], pred[i]),
                                      xytext=(6 if right else -6, 0), textcoords="offset points", fontsize=6.5,
                                      ha="left" if right else "right", va="center",
                                      arrowprops={"arrowstyle": "-", "color": "#BBBBBB", "linewidth": 0.5,
                                                  "shrinkA": 0, "shrinkB": 2}))
        if len(size) and size.max() / max(size.min(), 1e-9) > 20:
            ax.set_xscale("log")
        ax.set_xlabel("parameters (billions)")
        ax.set_ylabel(f"predicted RM score ({tex(result['recipe'])} recipe)")
        ax.legend(frameon=False, loc="lower right")
        declutter(fig, labels)
        return fig

    cov = int(round(result["interval"]["nominal_coverage"] * 100))
    return FigureSpec("pareto", "Predicted RM score against size, with the Pareto front",
                      f"One point per candidate with its {cov}% conformal interval; diamonds: no other candidate is "
                      f"both smaller and predicted better. Labelled (with the rank): the top {label_top} and the front.",
                      "ranking[].score, ranking[].params_b, pareto_front",
                      f"Scatter of {len(rows)} candidates, predicted score against parameters; Pareto front: "
                      + ", ".join(result["pareto_front"][:12]) + ".", draw, source=SOURCE)


def drivers_figure(result: dict, top: int = 10) -> FigureSpec | None:
    rows = [r for r in result["ranking"][:top] if r["drivers"]]
    if not rows:
        return None
    feats = list(dict.fromkeys(d["feature"] for r in rows for d in r["drivers"]))

    def draw():
        plt = pyplot()
        fig, ax = plt.subplots(figsize=(7.5, 0.8 + 0.32 * len(rows)))
        y = np.arange(len(rows))[::-1]
        w = 0.8 / len(feats)
        for j, f in enumerate(feats):
            vals = [next((d["contribution"] for d in r["drivers"] if d["feature"] == f), 0.0) for r in rows]
            ax.barh(y + (j - (len(feats) - 1) / 2) * w, vals, w, color=colour(j), label=tex(f),
                    hatch=("", "//", "..", "xx")[j % 4], edgecolor="white", linewidth=0.4)
        ax.axvline(0, color="#444", linewidth=0.8)
        ax.set_yticks(y, [tex(f"{r['rank']}. {r['model']}") for r in rows], fontsize=7)
        ax.set_xlabel("contribution to the predicted score (points)")
        ax.legend(frameon=False, fontsize=7, loc="lower right")
        return fig

    return FigureSpec("drivers", f"What drives the top {len(rows)} predictions",
                      "Each bar: one feature's contribution to a candidate's predicted score against the average "
                      "training base (the features the predictor chose).", "ranking[].drivers",
                      "Grouped bar chart of feature contributions for the top candidates: "
                      + "; ".join(f"{r['model']}: " + ", ".join(f"{d['feature']} {d['contribution']:+.1f}"
                                                              for d in r["drivers"]) for r in rows[:5]) + ".",
                      draw, source=SOURCE)


def _answer(result: dict) -> str:
    rows = result["ranking"]
    top = rows[:3]
    iv = result["interval"]
    cov = iv["per_target"].get("score") or next(iter(iv["per_target"].values()))
    picks = "; ".join(f"{r['rank']}. {H.esc(r['model'])} ({H.num(r['params_b'], 1)}B): "
                      f"{H.num(r['score']['predicted'], 1)} [{H.num(r['score']['low'], 1)}, "
                      f"{H.num(r['score']['high'], 1)}]"
                      + (f", P(best) {H.num(r['p_best'], 2)}" if r.get("p_best") is not None else "")
                      + (f" ({H.esc(r['support'])})" if r.get("support") not in (None, "observed") else "")
                      for r in top)
    small = [r for r in rows if r["pareto"]]
    steps = [f"Train the top {min(3, len(rows))} and keep the best: the intervals overlap (half-width "
             f"{cov['halfwidth']:.1f} points), so the order among them is not settled."]
    for r in top:
        if r["extrapolates"]:
            steps.append(f"{r['model']} lies outside the training range of the study's bases on "
                         f"{', '.join(r['extrapolates'])}: its prediction extrapolates; check it before you rely on it.")
        if r.get("outranks"):
            steps.append(f"{r['model']}: {r['outranks']}.")
    if small:
        steps.append("On a budget: the Pareto front gives the best predicted score for each size: "
                     + ", ".join(r["model"] for r in small[:6]) + ".")
    lofo = cov.get("empirical_coverage_lofo")
    chosen = (f" Predictor: <code>{H.esc(result['method'])}</code> ({H.esc(result.get('method_description', ''))}),"
              f" chosen by {H.esc((result.get('method_choice') or {}).get('chosen_by', '--method'))}.</p>")
    if cov.get("empirical_coverage_loo") is None:  # the pooled fit: a predictive distribution, judged by study
        how = (f"<p><strong>How sure:</strong> intervals: {H.esc(iv['kind'])}, nominal "
               f"{H.num(iv['nominal_coverage'], 2)}; their coverage leaving whole studies out is in "
               "docs/selection.md." + chosen)
    else:
        how = (f"<p><strong>How sure:</strong> the intervals held out of fold for "
               f"{H.num(cov['empirical_coverage_loo'], 2)} of the training bases (leave-one-out)"
               + (f" and {H.num(lofo, 2)} holding out whole families" if lofo is not None else "")
               + f", nominal {H.num(iv['nominal_coverage'], 2)}; mean error {H.num(cov['mean_abs_residual'], 1)} "
               f"points over {cov['n_train']} trained bases." + chosen)
    return ('<section class="answer" id="answer"><h2>The answer</h2>'
            f'<p class="verdict"><strong>Recommended bases</strong> (predicted RM score, '
            f"{int(round(iv['nominal_coverage'] * 100))}% interval): {picks}.</p>" + how
            + (f"<p><strong>P(best)</strong>: the share of {H.esc(result['probabilities']['samples'])} draws of the "
               f"predictive distribution in which a base is the best of the {H.esc(result['n_candidates'])} "
               "candidates (P(top k): among the k best).</p>" if result.get("probabilities") else "")
            + ("<p><strong>Today's bases</strong> (predicted, not measured):</p>"
               + todays_table(result["todays_bases"]) if result.get("todays_bases") else "")
            + "<p><strong>What to do next</strong></p>" + H.bullets(steps) + "</section>")


def _evidence(row: dict) -> str:
    """Support, studies, flags and the outranking note of a row, as one text (escaped by the table)."""
    parts = [row.get("support") or ""]
    if row.get("studies"):
        parts.append("studies: " + ", ".join(row["studies"]))
    parts += row.get("flags") or []
    if row.get("outranks"):
        parts.append(row["outranks"])
    return "; ".join(p for p in parts if p)


def render_recommendation(result: dict, figdir: Path | None = None) -> str:
    """The recommendation page as a string (figures saved under ``figdir`` when given)."""
    specs = [s for s in (pareto_figure(result), drivers_figure(result, result.get("top", 10))) if s is not None]
    rendered = render_all(specs, figdir)
    sections = [t for t in result["interval"]["per_target"] if t != "score"]
    k = (result.get("probabilities") or {}).get("k", 3)
    header = ["rank", "model", "family", "params (B)", "released", "predicted", "low", "high", "P(best)",
              f"P(top {k})", "measured", *sections, "Pareto", "evidence", "drivers", "extrapolates"]
    rows = [[r["rank"], r["model"], r.get("family") or "", r["params_b"], r.get("release") or "",
             r["score"]["predicted"], r["score"]["low"], r["score"]["high"], r.get("p_best"), r.get("p_top_k"),
             (r["measured"] or {}).get("score"),
             *[(r.get(t) or {}).get("predicted") for t in sections], r["pareto"], _evidence(r),
             ", ".join(f"{d['feature']} {d['contribution']:+.1f}" for d in r["drivers"]),
             ", ".join(r["extrapolates"])] for r in result["ranking"]]
    body = [f"<header><h1>rmbase recommend: {H.esc(result['n_candidates'])} candidate bases</h1>"
            f"<p class=\"meta\">Recipe {H.esc(result['recipe'])} · predictor {H.esc(result['method'])}</p></header>",
            _answer(result), "<!--toc-->"]
    body.append(H.section("figures", "Figures", "".join(H.figure(r, i) for i, r in enumerate(rendered, 1))))
    top = result.get("top", 10)
    note = ("measured: the published RM score of a base the study trained (its prediction comes from a fit that "
            "includes it).")
    body.append(H.section("ranking", "Candidates, ranked",
                          H.table(header, rows[:top], nd=1, key="ranking", caption=f"The top {top}. {note}")
                          + H.table(header, rows, nd=1, key="ranking", fold_after=top,
                                    caption=f"All {len(rows)} candidates. {note}")))
    if result.get("unscorable"):
        body.append(H.section("unscorable", "Candidates that cannot be scored",
                              H.table(["model", "reason"], [[u["model"], u["reason"]] for u in result["unscorable"]])))
    prov = result.get("provenance") or {}
    footer = H.definition_list([("created (UTC)", prov.get("created_utc", "")), ("command", prov.get("command", "")),
                                ("config", json.dumps(prov.get("config", {}), sort_keys=True, default=str))])
    return H.page("rmbase recommend", "".join(body), toc=[("answer", "The answer"), ("figures", "Figures"),
                                                          ("ranking", "Candidates, ranked")], footer=footer)


def write_recommendation_html(result: dict, path: str | Path) -> Path:
    """Write the self-contained page to ``path`` atomically (figures inline; no figure files)."""
    from rmbase.io import atomic_write_text

    path = Path(path)
    atomic_write_text(path, render_recommendation(result))
    return path
