"""report.html of a study: the answer first, then every figure and sortable table, then the provenance.

``write_report(study, out)`` writes ``out/report.html`` and ``out/figures/`` (PNG at 200 dpi + SVG per figure)
from the study dict alone; ``rebuild_report(dir)`` does it from ``dir/study.json`` without recomputing anything.
"""

from __future__ import annotations

import json
from pathlib import Path

from rmbase.errors import InputError
from rmbase.report import html as H
from rmbase.report.figures import study_figures
from rmbase.report.plotting import render_all
from rmbase.report.todays_table import todays_table

SECTIONS = (("gains", "Gains over the default base"), ("correlations", "Correlations with the RM score"),
            ("coverage", "Coverage of the true top-k"), ("selection", "Predictors judged out of fold"),
            ("combination", "The study's benchmark combination"), ("external", "External validation"),
            ("post_training", "Post-training stages"), ("pca", "PCA of the benchmarks"),
            ("recipes", "Bradley-Terry against regression"), ("plan", "Plan simulation"))


def _best_predictor(study: dict) -> dict | None:
    """The leave-one-out row of the predictor the answer recommends: study.json ``answer_method`` (chosen on the
    page's held-out evidence), else (an older study.json) the best leave-one-out coverage."""
    rows = [r for r in study.get("selection") or [] if r["recipe"] == study["recipe"] and r["validation"] == "loo"]
    chosen = (study.get("answer_method") or {}).get("method")
    pick = next((r for r in rows if r["method"] == chosen), None)
    if pick is not None or not rows:
        return pick
    return max(rows, key=lambda r: (r["coverage_mean_5_10"], -r["regret_at_3"]))


def answer(study: dict) -> str:
    """The opening box: recommended bases, how sure the out-of-fold evidence is, what to do next."""
    n = study["n_models"]
    out = ['<section class="answer" id="answer"><h2>The answer</h2>']
    gains = study.get("gains") or []
    if gains:
        out.append(f"<p class=\"verdict\"><strong>Recommended bases</strong> (measured: the best RM "
                   f"{H.esc(study['target'])} of the {H.esc(study['recipe'])} recipe in each size group):</p>")
        out.append(H.table(["size group", "recommended base", "score", "instead of the default", "score", "gain (pts)"],
                           [[g["group"], g["best_model"], g["best_score"], g["default_model"], g["default_score"],
                             g["gain_points"]] for g in gains], nd=1, key="gains"))
    best = _best_predictor(study)
    next_steps = []
    if best:
        rand = sum(k / n for k in range(5, 11)) / 6 if n else 0.0
        lofo = next((r for r in study["selection"] if r["method"] == best["method"] and r["validation"] == "lofo"
                     and r["recipe"] == study["recipe"]), None)
        am = study.get("answer_method") or {}
        why = (f" It is the predictor that holds up best out of study ({H.esc(am.get('chosen_by', ''))}): the "
               "predictor best within the study can be the worst outside it, and today's bases come from families "
               "outside the study." if am else "")
        out.append(
            "<p><strong>How sure is the out-of-fold evidence?</strong> For a base you have not trained, the "
            f"predictor to use is <code>{H.esc(best['method'])}</code>.{why} Judged on bases it never saw "
            f"(leave-one-out over {n}):"
            f" Spearman {H.num(best['spearman'], 2)} with the true RM scores, mean coverage@5-10 "
            f"{H.num(best['coverage_mean_5_10'], 2)} (a random order gets {H.num(rand, 2)}), mean error "
            f"{H.num(best['mae'], 1)} points. Its single top pick was {H.num(best['regret_at_1'], 1)} points below "
            f"the best base; the best of its top 3 was {H.num(best['regret_at_3'], 1)} points below."
            + (f" Holding out whole families, mean coverage@5-10 is {H.num(lofo['coverage_mean_5_10'], 2)}."
               if lofo else "") + "</p>")
        cmd = f"<code>rmbase recommend --method {H.esc(best['method'])} --candidates ID,ID</code>"
        if best["regret_at_3"] < best["regret_at_1"]:
            next_steps.append(f"Rank your candidates with {cmd} and train its top 3, not only its top pick: out of "
                              "fold, the top 3 held a much closer base than the single pick.")
        else:
            next_steps.append(f"Rank your candidates with {cmd} (ranked, with checked intervals) and train its top "
                              "pick and a runner-up.")
    paper = (study.get("combination") or {}).get("paper") or {}
    if "out_of_fold" in paper:
        gap = paper["in_sample"]["coverage_mean_5_10"] - paper["out_of_fold"]["coverage_mean_5_10"]
        out.append(f"<p>The study's own benchmark combination looks {H.num(gap, 2)} better in mean coverage on the "
                   "bases it was fitted to than on bases it has not seen: judge predictors only out of fold.</p>")
    infl = next((i for i in study.get("selection_influence") or [] if i["recipe"] == study["recipe"]), None)
    if infl and infl["bases"]:
        b = infl["bases"][0]
        within = "" if best and infl["method"] == best["method"] else " (the best predictor within the study)"
        next_steps.append(H.esc(f"Distrust predictions for bases like {b['model']}: {infl['method']}{within} ranked it "
                                f"{b['predicted_rank']} although it is {b['true_rank']}; that single miss costs the "
                                f"ranking most (coverage@5-10 {H.num(infl['coverage_mean_5_10'], 2)} → "
                                f"{H.num(b['coverage_mean_5_10_if_right'], 2)} if it were right)."))
    am = study.get("answer_method") or {}
    if am.get("table"):
        sets = am.get("sets") or []
        out.append(H.table(["method", "mean Spearman out of study", *sets],
                           [[r["method"], r["mean_spearman"], *[r["per_set"].get(x) for x in sets]]
                            for r in sorted(am["table"], key=lambda r: -r["mean_spearman"])], nd=2,
                           key="answer_method.table",
                           caption="Each method's Spearman with RMs other studies trained (bases it never saw; "
                                   "the same bases for every method): how the answer's predictor was chosen."))
    todays = study.get("todays_bases")
    if todays:
        out.append("<p><strong>Today's bases</strong> (predicted, not measured):</p>" + todays_table(todays))
    next_steps.append("Choose each next training from what you have measured so far: "
                      "<code>rmbase plan --results results.csv</code>.")
    out.append("<p><strong>What to do next</strong></p>" + H.bullets(next_steps, escaped=True) + "</section>")
    return "".join(out)


def _tables(study: dict) -> dict[str, list[str]]:
    t: dict[str, list[str]] = {}
    target = study["target"]
    t["gains"] = [H.table(["model", "group", "default", "score", "gain (pts)", "gain (%)"],
                          [[r["model"], r["group"], r["default_model"], r["score"], r["gain_points"],
                            r["gain_percent"]] for r in study.get("gains_per_model") or []], nd=1,
                          caption="Every base against its group's default.", key="gains_per_model")]
    corr = sorted((r for r in study.get("correlations") or [] if r["target"] == target), key=lambda r: -r["spearman"])
    t["correlations"] = [H.table(["feature", "Pearson", "p", "Spearman", "95% CI low", "95% CI high", "q (BH)",
                                  "Kendall"],
                                 [[r["feature"], r["pearson"], H.pval(r["pearson_p"]), r["spearman"], r["ci_low"],
                                   r["ci_high"], H.pval(r["q_value"]), r["kendall"]] for r in corr],
                                 caption=f"Correlations with {target}; CI: percentile bootstrap of Spearman.",
                                 key="correlations")]
    t["coverage"] = [H.table(["feature", "C@5", "C@10", "mean C@5-10", "passes the study's filter"],
                             [[r["feature"], r["coverage_at_5"], r["coverage_at_10"], r["coverage_mean_5_10"],
                               r["passes"]] for r in study.get("coverage_filter") or []],
                             caption="The study keeps a benchmark when C@5 >= 0.4 and C@10 >= 0.7.",
                             key="coverage_filter")]
    sel = sorted(study.get("selection") or [], key=lambda r: (r["recipe"] != study["recipe"], r["recipe"],
                                                              r["validation"], -r["coverage_mean_5_10"]))
    t["selection"] = [H.table(["recipe", "validation", "method", "mean C@5-10", "Spearman", "MAE", "regret@1",
                               "regret@3"],
                              [[r["recipe"], r["validation"], r["method"], r["coverage_mean_5_10"], r["spearman"],
                                r["mae"], r["regret_at_1"], r["regret_at_3"]] for r in sel],
                              caption="loo = leave-one-out, lofo = leave-one-family-out; regret in RM points.",
                              key="selection")] if sel else []
    for inf in study.get("selection_influence") or []:
        t["selection"].append(H.table(
            ["base", "predicted rank", "true rank", "actual", "mean C@5-10 if right", "regret@3 if right"],
            [[b["model"], b["predicted_rank"], b["true_rank"], b["actual"], b["coverage_mean_5_10_if_right"],
              b["regret_at_3_if_right"]] for b in inf["bases"]],
            caption=f"Most influential bases for {inf['method']} ({inf['recipe']}, leave-one-out).",
            key="selection_influence"))
    paper = (study.get("combination") or {}).get("paper")
    if paper:
        judged = [("in sample (the study's protocol)", paper["in_sample"])]
        if "out_of_fold" in paper:
            judged.append(("out of fold (nested leave-one-out)", paper["out_of_fold"]))
        p = paper["params"]
        t["combination"] = [H.para(f"ElasticNet chosen by 10-fold CV: degree {p['degree']}, alpha {p['alpha']}, "
                                   f"l1_ratio {p['l1_ratio']}; non-zero features: "
                                   f"{', '.join(paper['nonzero_features'])}. Best single feature: "
                                   f"{paper['best_single_feature']}."),
                            H.table(["judged", "mean C@5-10", "gain vs best single (%)", "Spearman", "MAE",
                                     "regret@1", "regret@3"],
                                    [[name, m["coverage_mean_5_10"], m["gain_over_best_single"], m["spearman"],
                                      m["mae"], m["regret_at_1"], m["regret_at_3"]] for name, m in judged],
                                    key="combination.paper")]
    ext = study.get("external_validation") or {}
    if ext.get("sets"):
        t["external"] = [H.table(["set", "method", "n", "Spearman", "p", "top-1 hit", "regret@1"],
                                 [[s["set"], m["method"], (m.get("all") or {}).get("n"),
                                   (m.get("all") or {}).get("spearman"), H.pval((m.get("all") or {}).get("spearman_p")),
                                   (m.get("all") or {}).get("top1_hit"), (m.get("all") or {}).get("regret_at_1")]
                                  for s in ext["sets"] for m in s.get("methods", [])],
                                 key="external_validation.sets")] + [H.bullets(ext.get("summary") or [])]
    post = [r for r in study.get("post_training") or []]
    if post:
        t["post_training"] = [H.table(["model", "stage", "section", "score", "change (%)"],
                                      [[r["model"], r["stage"], r["section"], r["score"], r["delta_percent"]]
                                       for r in post], nd=1, key="post_training")]
    rec = study.get("recipes")
    if rec:
        t["recipes"] = [H.table(["model", "Bradley-Terry", "regression", "difference"],
                                [[r["model"], r["bradley_terry"], r["regression"], r["difference"]]
                                 for r in rec["per_model"]], nd=1, key="recipes.per_model",
                                caption="Top-k overlap: " + ", ".join(f"k={o['k']}: {o['overlap']:.2f}"
                                                                      for o in rec["top_k_overlap"]) + ".")]
    return t


def _footer(study: dict) -> str:
    prov = study.get("provenance") or {}
    items = [("created (UTC)", prov.get("created_utc", "")), ("command", prov.get("command", "")),
             ("python", prov.get("python", ""))]
    items += [(f"package {k}", v) for k, v in (prov.get("packages") or {}).items()]
    items += [(f"sha256 {k}", v) for k, v in (prov.get("data_sha256") or {}).items()]
    items += [("config", json.dumps(prov.get("config", {}), sort_keys=True))]
    return "<p>Every number on this page is in study.json, with this provenance:</p>" + H.definition_list(items)


def render_report(study: dict, figdir: Path | None = None, n_jobs: int | None = None) -> str:
    """The page as a string; figures are saved under ``figdir`` when given (drawn in ``n_jobs`` worker processes
    when asked for, see :func:`rmbase.report.plotting.render_all`)."""
    for key in ("dataset", "recipe", "target", "n_models"):
        if key not in study:
            raise InputError(f"study.json lacks the key {key!r}", expected="the output of rmbase study")
    order = {sid: i for i, (sid, _) in enumerate(SECTIONS)}
    specs = sorted(study_figures(study), key=lambda s: order.get(s.section, len(order)))  # numbered in page order
    rendered = render_all(specs, figdir, n_jobs)
    tables = _tables(study)
    by_section: dict[str, list[str]] = {}
    for i, r in enumerate(rendered, start=1):
        by_section.setdefault(r.spec.section, []).append(H.figure(r, i))
    body = [f"<header><h1>rmbase study: {H.esc(study['dataset'])}</h1>"
            f"<p class=\"meta\">Recipe {H.esc(study['recipe'])} · target {H.esc(study['target'])} · "
            f"{H.esc(study['n_models'])} bases · {len(rendered)} figures</p></header>", answer(study), "<!--toc-->"]
    if study.get("dropped_models"):
        body.append(H.para("Left out for missing features: " + ", ".join(study["dropped_models"]) + "."))
    toc = [("answer", "The answer")]
    for sid, title in SECTIONS:
        parts = by_section.get(sid, []) + tables.get(sid, [])
        if parts:
            body.append(H.section(sid, title, "".join(parts)))
            toc.append((sid, title))
    return H.page(f"rmbase study: {study['dataset']}", "".join(body), toc=toc, footer=_footer(study))


def write_report(study: dict, out: str | Path, n_jobs: int | None = None) -> Path:
    """Write ``out/report.html`` and ``out/figures/`` (the caller stages ``out`` when it must appear at once)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    text = render_report(study, out / "figures", n_jobs)
    (out / "report.html").write_text(text, encoding="utf-8")
    return out / "report.html"


def rebuild_report(folder: str | Path) -> Path:
    """``rmbase report DIR``: the page and figures again from ``DIR/study.json`` (written atomically: the old
    report stays until the new one is complete)."""
    from rmbase.io import staged_output_dir
    from rmbase.report.schema import check_study

    folder = Path(folder)
    path = folder / "study.json"
    if not path.is_file():
        raise InputError("no study.json here", path=str(folder), expected="a folder written by rmbase study --out")
    try:
        study = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot parse: {exc}", path=str(path)) from exc
    check_study(study, str(path))
    with staged_output_dir(folder) as stage:
        try:
            write_report(study, stage)
        except (KeyError, TypeError, AttributeError, ValueError, IndexError) as exc:
            raise InputError(f"does not follow the study.json schema ({type(exc).__name__}: {exc})", path=str(path),
                             expected="the output of rmbase study (docs/study.md)") from exc
    return folder / "report.html"
