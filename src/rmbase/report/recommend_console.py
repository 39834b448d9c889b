"""What ``rmbase recommend`` prints, from the dict that :func:`rmbase.selection.recommend.recommend` returns: the
ranked table (predictions with their intervals, P(best), sections, probes, the evidence cell and the drivers), then
the notes under it (where the evidence, the method, the scores and the intervals come from) and the guidance for
candidates that no table scores. The HTML page of the same result is :mod:`rmbase.report.recommend_page`.

Every user string goes through :func:`rmbase.escaping.terminal` (see :mod:`rmbase.report.console`)."""

from __future__ import annotations

from rmbase.escaping import terminal as E
from rmbase.report.console import markup, no_scores_lines

PROBE_COLUMNS = ("probe_frozen_bt", "probe_likelihood", "probe_judge")


def evidence_text(row: dict, *, studies: bool = False) -> str:
    """The evidence cell of a ranked row (not escaped): support, (studies,) its flags in a few words and, where it
    applies, that it ranks above better-supported bases."""
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


def outside_text(extrapolation: list[dict]) -> str:
    """The features a prediction extrapolates on, each with its value and the study's range (not escaped)."""
    return ", ".join(f"{e['feature']} {e['value']:.3g} ({e['low']:.3g}-{e['high']:.3g})" for e in extrapolation)


def _columns(result: dict, shown: list[dict]) -> dict:
    """Which optional columns the shown rows need."""
    return {
        "sections": [t for t in result["interval"]["per_target"] if t != "score"],
        "families": any(r.get("family") for r in result["ranking"]),
        "from_file": any(r["scores_from"] in ("file", "file+bundled") for r in shown),
        "outside": any(e["used_by_predictor"] for r in shown for e in r["extrapolation"]),
        "drivers": any(r["drivers"] for r in shown),
        "probes": [c for c in PROBE_COLUMNS if any((r.get("probes") or {}).get(c) is not None
                                                   for r in result["ranking"])],
        "same_studies": len({tuple(r.get("studies") or ()) for r in shown}) <= 1,
    }


def _row(row: dict, c: dict) -> list[str]:
    s, m, probes = row["score"], row["measured"] or {}, row.get("probes") or {}
    used = [e for e in row["extrapolation"] if e["used_by_predictor"]]
    evidence = "; ".join(x for x in (evidence_text(row, studies=not c["same_studies"]), outside_text(used)) if x)
    return [str(row["rank"]), E(row["model"]), *([E(row.get("family") or "-")] if c["families"] else []),
            f"{row['params_b']:.1f}", f"{m['score']:.1f}" if "score" in m else "",
            f"{s['predicted']:.1f} ±{s['high'] - s['predicted']:.1f}", f"{row['p_best']:.2f}", f"{row['p_top_k']:.2f}",
            *([" / ".join("-" if row.get(t) is None else f"{row[t]['predicted']:.1f}" for t in c["sections"])]
              if c["sections"] else []),
            *["-" if probes.get(p) is None else f"{probes[p]:.3f}" for p in c["probes"]],
            *([E(row["scores_from"])] if c["from_file"] else []), "yes" if row["pareto"] else "", E(evidence),
            *([", ".join(f"{E(d['feature'])} {d['contribution']:+.1f}" for d in row["drivers"])]
              if c["drivers"] else [])]


def ranking_table(result: dict):
    """The ranked table of the top ``result['top']`` candidates."""
    from rich.table import Table

    iv, k = result["interval"], result["probabilities"]["k"]
    shown = result["ranking"][:result["top"]]
    c = _columns(result, shown)
    table = Table(title=f"Predicted RM score ({E(result['recipe'])} recipe, {E(result['method'])}); "
                        f"{int(iv['nominal_coverage'] * 100)}% conformal intervals; P(best) and P(top {k}) among "
                        f"the {result['n_candidates']} candidates")
    for col in ("#", "model", *(["family"] if c["families"] else []), "B", "measured", "predicted ±", "P(best)",
                f"P(top {k})", *(["sections: " + " / ".join(c["sections"])] if c["sections"] else []), *c["probes"],
                *(["scores"] if c["from_file"] else []), "front",
                "evidence (outside training range)" if c["outside"] else "evidence",
                *(["drivers"] if c["drivers"] else [])):
        table.add_column(E(col), overflow="fold", min_width=22 if col == "model" else None)
    for row in shown:
        table.add_row(*_row(row, c))
    return table


def _evidence_notes(result: dict, shown: list[dict]) -> list[str]:
    out = []
    if len({tuple(r.get("studies") or ()) for r in shown}) <= 1 and shown and shown[0].get("studies"):
        out.append("RM evidence behind every row: " + ", ".join(map(E, shown[0]["studies"])) + ".")
    out += [f"  #{row['rank']} {E(row['model'])}: {E(row['outranks'])}." for row in shown if row.get("outranks")]
    out.append(f"Method {E(result['method'])}: chosen by {E(result['method_choice']['chosen_by'])}.")
    if result.get("units"):
        out.append(f"Pooled evidence of {', '.join(map(E, result['studies_used']))}; units: {E(result['units'])}.")
    if result.get("n_size_only") and result.get("size_only"):
        so = result["size_only"]
        out.append(f"{result['n_size_only']} candidate(s) without benchmark scores are ranked on their size alone "
                   f"(a fit of the study's scores on log size: interval ±{so['halfwidth']:.1f} points, "
                   f"leave-one-out error {so['loo_mean_abs_error']:.1f}); their rows say 'size only'.")
    pool = result["pool"]
    if pool["left_out_counts"]:
        out.append(f"Left out of the default pool: {sum(len(x['flags']) > 0 for x in pool['left_out'])}"
                   " base(s) (" + ", ".join(f"{E(f)} {n}" for f, n in pool["left_out_counts"].items()) + "): "
                   + E(pool["rule"]) + ".")
    out.append("Ranked by the published RM score where the study trained the base with this recipe "
               f"('measured', {E(result['recipe'])}), else by the prediction; both are on the same scale."
               if any(row["measured"] for row in shown) else
               "Ranked by the prediction (none of these bases was trained by the study with this recipe).")
    if any(row["extrapolates"] for row in shown):
        out.append("outside training range: a feature the score's predictor uses lies outside the range of the "
                   "study's bases (shown as low-high): the prediction extrapolates on it and its interval was not "
                   "checked there (all such features: 'extrapolation' in --json).")
    return out


def _source_notes(sources: dict) -> list[str]:
    if not sources["file"]:
        return []
    given = sources["from_file"]
    out = [f"Scores: the bundled leaderboard table plus {E(sources['file'])} (its values win where both have a "
           f"model); from the file: {len(given)} candidate(s)"
           + (": " + ", ".join(f"{E(k)} ({', '.join(map(E, v))})" for k, v in list(given.items())[:6])
              if given else "") + "."]
    if sources["replaced_bundled"]:
        out.append("  replaced bundled values: " + "; ".join(f"{E(k)}: {', '.join(map(E, v))}" for k, v in
                                                             sources["replaced_bundled"].items()))
    return out


def _interval_note(result: dict) -> str:
    iv = result["interval"]
    cov = iv["per_target"].get("score") or next(iter(iv["per_target"].values()))
    if cov["empirical_coverage_loo"] is None:
        return (f"Intervals: {E(iv['kind'])} (nominal {iv['nominal_coverage']:.2f}; typical half-width "
                f"{cov['halfwidth']:.1f} points); their coverage leaving whole studies out is in docs/selection.md.")
    return (f"Interval check (out of fold, score): empirical coverage {cov['empirical_coverage_loo']:.2f} "
            f"leave-one-out, {cov['empirical_coverage_lofo'] or float('nan'):.2f} leave-one-family-out "
            f"(nominal {iv['nominal_coverage']:.2f}); half-width {cov['halfwidth']:.1f} points.")


def _unscorable_notes(result: dict) -> list[str]:
    guided = {g["model"] for g in result.get("no_scores") or []}
    others = [u for u in result["unscorable"] if u["model"] not in guided]
    if not others:
        return []
    return [f"[yellow]Cannot score {len(others)} candidate(s):[/]",
            *(f"  {E(u['model'])}: {E(u['reason'])}" for u in others[:20])]


def recommendation_notes(result: dict) -> list:
    """The lines under the table, as rich text."""
    shown = result["ranking"][:result["top"]]
    front = result["pareto_front"]
    lines = [*_evidence_notes(result, shown), *_source_notes(result["sources"]), _interval_note(result),
             f"{result['n_candidates']} candidates scored; Pareto front (size vs score): "
             + ", ".join(map(E, front[:8])) + ("..." if len(front) > 8 else "")]
    return ([markup(line) for line in lines] + no_scores_lines(result.get("no_scores") or [])
            + [markup(line) for line in _unscorable_notes(result)])


def recommendation_console(result: dict):
    """Everything ``rmbase recommend`` prints for ``result``, as one rich renderable."""
    from rich.console import Group

    return Group(ranking_table(result), *recommendation_notes(result))
