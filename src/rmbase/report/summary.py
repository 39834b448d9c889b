"""summary.md: the headline figures of a study, every number taken from study.json. Every string that comes
from the user's tables (model ids, stages, feature names) goes through :func:`rmbase.escaping.markdown`."""

from __future__ import annotations

from rmbase.escaping import markdown as md


def _f(x, nd=3) -> str:
    return "n/a" if x is None else f"{x:.{nd}f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(map(md, header)) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(map(md, r)) + " |" for r in rows]
    return out + [""]


def headline(study: dict) -> list[str]:
    """A few lines for the terminal: gains, best correlation, combination in and out of sample."""
    lines = [f"{study['dataset']} · recipe {study['recipe']} · target {study['target']} · {study['n_models']} models"
             + (f" with features, {study['n_scored']} with RM scores" if study.get("n_scored", study["n_models"])
                != study["n_models"] else "")]
    for g in study["gains"]:
        lines.append(f"  {g['group']:>5}: best {g['best_model']} {g['best_score']:.1f} vs default "
                     f"{g['default_model']} {g['default_score']:.1f} (+{g['gain_points']:.1f} pts, "
                     f"+{g['gain_percent']:.1f}%)")
    top = max((r for r in study["correlations"] if r["target"] == study["target"]),
              key=lambda r: -1.0 if r["spearman"] != r["spearman"] else r["spearman"], default=None)
    if top is not None:
        lines.append(f"  strongest feature: {top['feature']} Spearman {top['spearman']:.3f} "
                     f"[{top['ci_low']:.3f}, {top['ci_high']:.3f}], q={top['q_value']:.2g}")
    left = study.get("feature_analyses_left_out")
    if left:
        lines.append(f"  feature analyses left out {len(left['models'])} base(s) without benchmark features ("
                     + ", ".join(r["model"] for r in left["models"][:8]) + f"): {left['how_to_score']}")
    if study.get("unused_features"):
        lines.append(f"  left out (unknown for some models): {', '.join(study['unused_features'])}")
    for name, why in (study.get("skipped_analyses") or {}).items():
        lines.append(f"  skipped {name}: {why}")
    if "paper" not in study["combination"]:
        return lines
    paper = study["combination"]["paper"]
    ins = paper["in_sample"]
    lines.append(f"  study ElasticNet in sample: coverage@5-10 {ins['coverage_mean_5_10']:.3f} "
                 f"({_f(ins['gain_over_best_single'], 1)}% vs best single {paper['best_single_feature']})")
    if "out_of_fold" in paper:
        oof = paper["out_of_fold"]
        lines.append(f"  study ElasticNet out of fold: coverage@5-10 {oof['coverage_mean_5_10']:.3f} "
                     f"({_f(oof['gain_over_best_single'], 1)}%), regret@1 {oof['regret_at_1']:.1f} pts")
    return lines


def todays_lines(study: dict) -> list[str]:
    """Today's bases (study.json ``todays_bases``): the best predicted base per size group released since the date,
    with its interval, P(best) in the group and its support, beside the study's measured best."""
    t = study.get("todays_bases") or {}
    if not t.get("groups"):
        return []
    am = study.get("answer_method") or {}
    L = ["## Today's bases (predicted, not measured)", "",
         f"Best predicted base per size group among the {t.get('n_released_since', 0)} candidates released since "
         f"{md(t['since'])}, by `{md(t.get('method', am.get('method', '')))}` ({md(am.get('chosen_by', ''))}); "
         "P(best) among the group's recent bases.", ""]
    rows = []
    for g in t["groups"]:
        sb = g.get("study_best")
        for label, b in ((g["group"], g.get("best")), (f"{g['group']} (well-supported)", g.get("best_supported"))):
            if b is None:
                continue
            rows.append([label, b["model"], b.get("release") or "", _f(b.get("predicted"), 1),
                         f"[{_f(b.get('low'), 1)}, {_f(b.get('high'), 1)}]", _f(b.get("p_best"), 2),
                         "; ".join([b.get("support") or "", *(b.get("flags") or [])]),
                         f"{sb['model']} ({_f(sb['score'], 1)})" if sb else "-"])
    return L + _table(["size group", "base", "released", "predicted", "90% interval", "P(best)", "evidence",
                       "study's measured best"], rows)


def render_summary(study: dict) -> str:
    L = [f"# rmbase study: {md(study['dataset'])}", "",
         f"Recipe `{study['recipe']}`, target `{study['target']}`, {study['n_models']} models. "
         "Every figure below is in study.json (with its provenance).", ""]
    left = study.get("feature_analyses_left_out")
    if left:
        L += [f"Left out of the feature analyses (no benchmark features; the gains, post-training and recipe "
              f"analyses use every base with an RM score): {', '.join(md(r['model']) for r in left['models'])}. "
              f"To include them, {md(left['how_to_score'])}.", ""]
    elif study.get("dropped_models"):
        L += [f"Left out for missing features (--drop-missing): {', '.join(map(md, study['dropped_models']))}.", ""]
    if study.get("unused_features"):
        L += [f"Features unknown for some models, left out of the analyses: {', '.join(map(md, study['unused_features']))}.",
              ""]

    L += ["## Gains over the default choice", ""]
    L += _table(["group", "default", "score", "best", "score", "gain (pts)", "gain (%)"],
                [[g["group"], g["default_model"], _f(g["default_score"], 1), g["best_model"], _f(g["best_score"], 1),
                  _f(g["gain_points"], 1), _f(g["gain_percent"], 1)] for g in study["gains"]])

    L += todays_lines(study)
    skipped = study.get("skipped_analyses") or {}
    if "correlations" not in skipped:
        L += _correlations(study)
    if "coverage" not in skipped:
        L += _coverage(study)
    for name, why in (study.get("skipped_analyses") or {}).items():
        L += [f"**Skipped: {md(name)}** ({md(why)}).", ""]
    paper = study["combination"].get("paper")
    if paper is None:
        return _tail(study, L)
    return _combination(study, paper, L)


def _correlations(study: dict) -> list[str]:
    L = ["## Correlations with the target", "",
          f"Critical |r| for p < 0.05 at n = {study['n_models']}: {_f(study['critical_r'])}. "
          "CI: percentile bootstrap of Spearman; q: Benjamini-Hochberg over the whole table.", ""]
    rows = sorted((r for r in study["correlations"] if r["target"] == study["target"]), key=lambda r: -r["spearman"])
    L += _table(["feature", "Pearson", "Spearman", "95% CI", "Kendall", "q"],
                [[r["feature"], _f(r["pearson"]), _f(r["spearman"]), f"[{_f(r['ci_low'])}, {_f(r['ci_high'])}]",
                  _f(r["kendall"]), f"{r['q_value']:.2g}"] for r in rows])
    return L


def _coverage(study: dict) -> list[str]:
    L = ["## Coverage (top-k agreement) and the study's filter", "",
          "C >= 0.4 at k = 5 and C >= 0.7 at k = 10.", ""]
    L += _table(["feature", "C@5", "C@10", "mean C@5-10", "passes"],
                [[r["feature"], _f(r["coverage_at_5"], 2), _f(r["coverage_at_10"], 2), _f(r["coverage_mean_5_10"]),
                  "yes" if r["passes"] else "no"] for r in study["coverage_filter"]])
    return L


def _combination(study: dict, paper: dict, L: list[str]) -> str:
    p = paper["params"]
    L += ["## The study's benchmark combination (ElasticNet)", "",
          f"Chosen by 10-fold CV: degree {p['degree']}, alpha {p['alpha']}, l1_ratio {p['l1_ratio']}; non-zero "
          f"features: {', '.join(map(md, paper['nonzero_features']))} ({len(paper['nonzero_terms'])} non-zero terms). "
          f"Best single feature: {md(paper['best_single_feature'])} (mean C@5-10 "
          f"{_f(paper['best_single_coverage_mean_5_10'])}).", ""]
    judged = [("in sample (the study's protocol)", paper["in_sample"])]
    if "out_of_fold" in paper:
        judged.append(("out of fold (nested leave-one-out)", paper["out_of_fold"]))
    L += _table(["judged", "mean C@5-10", "gain vs best single (%)", "Spearman", "MAE", "regret@1", "regret@3"],
                [[name, _f(m["coverage_mean_5_10"]), _f(m["gain_over_best_single"], 1), _f(m["spearman"]),
                  _f(m["mae"], 2), _f(m["regret_at_1"], 1), _f(m["regret_at_3"], 1)] for name, m in judged])
    if "out_of_fold" in paper:
        gap = paper["in_sample"]["coverage_mean_5_10"] - paper["out_of_fold"]["coverage_mean_5_10"]
        L += [f"**Finding:** judged on the models it was fitted to, the combination looks {_f(gap)} better in mean "
              "coverage than it does on models it has not seen. Only the out-of-fold figures say how it will do on "
              "a new base.", ""]

    return _tail(study, L)


def _tail(study: dict, L: list[str]) -> str:
    """The sections after the combination (post-training, PCA, recipes, selection, external validation)."""
    if study.get("post_training"):
        L += ["## Post-training stages (change vs the pre-trained base)", ""]
        score_rows = [r for r in study["post_training"] if r["section"] == "score"]
        L += _table(["model", "stage", "score", "change (%)"],
                    [[r["model"], r["stage"], _f(r["score"], 1), _f(r["delta_percent"], 1)] for r in score_rows])

    pca = study["pca"]
    L += [] if not pca else ["## PCA of the benchmark matrix", "",
          f"{len(pca['benchmarks'])} standardised benchmarks over {pca['n_models']} models; explained variance "
          f"ratio: {', '.join(_f(r) for r in pca['explained_variance_ratio'])}; first five: "
          f"{_f(pca['first5_cumulative'])}.", ""]

    rec = study.get("recipes")
    if rec:
        L += ["## Recipes: Bradley-Terry vs regression", "",
              f"Over {rec['n_models']} bases: mean difference ({rec['difference']}) {_f(rec['mean_difference'], 1)} "
              f"pts; Pearson {_f(rec['pearson'])}, Spearman {_f(rec['spearman'])}; top-k overlap "
              + ", ".join(f"k={o['k']}: {_f(o['overlap'], 2)}" for o in rec["top_k_overlap"]) + ".", ""]
    if study.get("selection"):
        L += ["## Predictors judged out of fold", "",
              "Every method fitted without the model it predicts (nested: feature choice and hyperparameters are "
              "redone in each outer fold); loo = leave-one-out, lofo = leave-one-family-out. See docs/selection.md.", ""]
        rows = sorted(study["selection"], key=lambda r: (r["recipe"] != study["recipe"], r["recipe"], r["validation"],
                                                          -r["coverage_mean_5_10"]))
        L += _table(["recipe", "validation", "method", "mean C@5-10", "Spearman", "MAE", "regret@1", "regret@3"],
                    [[r["recipe"], r["validation"], r["method"], _f(r["coverage_mean_5_10"]), _f(r["spearman"]),
                      _f(r["mae"], 2), _f(r["regret_at_1"], 1), _f(r["regret_at_3"], 1)] for r in rows])
    for inf in study.get("selection_influence") or []:
        if not inf["bases"]:
            continue
        worst = inf["bases"][0]
        L += [f"Most influential base for {md(inf['method'])} ({md(inf['recipe'])}, leave-one-out): {md(worst['model'])}, "
              f"predicted rank {worst['predicted_rank']}, true rank {worst['true_rank']}. With only its prediction "
              f"right, mean C@5-10 would be {_f(worst['coverage_mean_5_10_if_right'])} (is "
              f"{_f(inf['coverage_mean_5_10'])}) and regret@3 {_f(worst['regret_at_3_if_right'], 1)} (is "
              f"{_f(inf['regret_at_3'], 1)}).", ""]
    ext = study.get("external_validation") or {}
    if ext.get("summary"):
        L += ["## External validation (other recipes and RM benchmarks)", ""]
        L += [f"- {md(line)}" for line in ext["summary"]] + [""]
    return "\n".join(L).rstrip() + "\n"
