"""The table of today's bases (study.json and ``recommend`` ``todays_bases``), shared by the study report's answer
and the recommendation page: every string through :func:`rmbase.report.html.esc` (the table helper escapes)."""

from __future__ import annotations

from rmbase.report import html as H


def todays_table(todays: dict | None) -> str:
    """The table of today's bases (study.json / recommend ``todays_bases``): per size group the best predicted base
    released since the date, its prediction and interval, P(best) in its group, the evidence, and the study's
    measured best of the matching group."""
    if not todays or not todays.get("groups"):
        reason = (todays or {}).get("skipped")
        return H.para(f"Today's bases: not available ({reason})." if reason else "")
    rows = []
    for g in todays["groups"]:
        b, sb = g.get("best"), g.get("study_best")
        study_cell = f"{sb['model']} ({H.num(sb['score'], 1)})" if sb else (
            "no study base this size" if not g.get("study_group") else "-")
        if b is None:
            rows.append([g["group"], "none released since " + todays["since"][:7], "", None, None, None, "",
                         study_cell])
            continue
        for label, e in ((g["group"], b), (f"{g['group']}, best well-supported", g.get("best_supported"))):
            if e is None:
                continue
            evidence = "; ".join([e.get("support") or "", *(e.get("flags") or []),
                                  *(["studies: " + ", ".join(e["studies"])] if e.get("studies") else []),
                                  *([e["outranks"]] if e.get("outranks") else [])])
            rows.append([label, e["model"], e.get("release") or "", e.get("predicted"),
                         H.Cell(f"[{H.num(e.get('low'), 1)}, {H.num(e.get('high'), 1)}]", e.get("low")),
                         H.Cell(f"{H.num(e.get('p_best'), 2)} of {g['n_bases']}", e.get("p_best")), evidence,
                         study_cell])
    caption = (f"Best predicted base per size group among the {todays.get('n_released_since', 0)} candidates "
               f"released since {todays['since']}" + (f" ({todays['method']}, {todays.get('recipe', '')} recipe)"
                                                        if todays.get("method") else "")
               + "; P(best) among the group's bases released since then. " + (todays.get("note") or ""))
    return H.table(["size group", "today's base", "released", "predicted", "90% interval", "P(best in group)",
                    "evidence", "the study's measured best"], rows, nd=1, caption=caption, key="todays_bases")
