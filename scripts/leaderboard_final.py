"""MATH Lvl 5 from the final Open LLM Leaderboard v2, for rows chosen in the contents snapshot (used by the build
scripts and by scripts/audit_bundled.py; run from the repository root, as they are).

Why: the contents snapshot (2025-02-12) predates the leaderboard's re-evaluation of MATH Lvl 5 with Math-Verify
(2025-02-14), which raised many models' scores (Qwen2.5-7B-Instruct 0.0 -> 50.0). The final table
(``open_llm_leaderboard_v2_eee``) has the corrected values as raw exact match in [0, 1], rounded to 4 decimals;
the leaderboard score is ``normalise_aggregate("math_lvl5", raw)`` = raw x 100 (no random baseline).

Matching: a contents row is one run (model, precision). Its final row is the final table's row of the same model
(same id, else the same ``canonical_model_id``) and precision. It counts as the *same run* when the five other raw
scores (IFEval, BBH, GPQA, MuSR, MMLU-Pro) agree within ``SAME_RUN_TOL``; only then is its MATH Lvl 5 taken.
Otherwise the contents value is kept and the reason recorded (no final row for that precision, or another run).
Where the final value equals the snapshot's to the final table's rounding, the snapshot's unrounded value is kept.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from rmbase.benchmarks.leaderboard import SIX
from rmbase.benchmarks.normalise import normalise_aggregate
from rmbase.model_ids import canonical_model_id

FINAL_FILE = ("open_llm_leaderboard_v2_eee", "open_llm_leaderboard_v2_scores.csv")
CONTENTS_FILE = ("open_llm_leaderboard_v2_contents", "open_llm_leaderboard_v2_contents_clean.csv")
OTHER_FIVE = tuple(b for b in SIX if b != "math_lvl5")
# Raw-score agreement that identifies the same run. The final table rounds to 4 decimals (error <= 5e-5); a few
# runs differ by up to 0.0016 on one benchmark between the snapshots (re-scored, every other score identical),
# while a different run (another precision or chat-template setting, a re-submission) differs by >= 0.06 on
# IFEval or BBH among the bundled models. 0.005 (half a point) separates the two.
SAME_RUN_TOL = 0.005
ROUNDING = 5e-5  # the final table's raw scores are rounded to 4 decimals
FINAL_SOURCE = "open-llm-leaderboard/final"
CONTENTS_SOURCE = "open-llm-leaderboard/contents"
AVERAGE_SOURCE = "mean-of-six"  # the average recomputed from the six rows (MATH Lvl 5 corrected)


def load_final(shared: Path) -> pd.DataFrame:
    final = pd.read_csv(shared.joinpath(*FINAL_FILE))
    final["_key"] = final["model"].map(canonical_model_id)
    return final


def load_contents(shared: Path) -> pd.DataFrame:
    contents = pd.read_csv(shared.joinpath(*CONTENTS_FILE))
    contents["_key"] = contents["model"].map(canonical_model_id)
    return contents


_INDEX: dict[int, tuple[pd.DataFrame, dict, dict]] = {}


def _index(final: pd.DataFrame) -> tuple[dict, dict]:
    """(canonical id, precision) -> row labels and canonical id -> row labels of the final table (cached)."""
    hit = _INDEX.get(id(final))
    if hit is None or hit[0] is not final:
        by_run = final.groupby(["_key", "precision"]).groups
        by_key = final.groupby("_key").groups
        hit = _INDEX[id(final)] = (final, by_run, by_key)
    return hit[1], hit[2]


def final_row(row: pd.Series, final: pd.DataFrame) -> tuple[pd.Series | None, float, str]:
    """The final table's row of the contents run ``row`` (or None), the largest |raw difference| of the other five
    scores, and a sentence saying what was found."""
    by_run, by_key = _index(final)
    key = canonical_model_id(row["model"])
    labels = by_run.get((key, row["precision"]), [])
    if len(labels) == 0:
        have = final.loc[by_key.get(key, [])]
        what = ", ".join(f"{m} {p}" for m, p in zip(have["model"], have["precision"], strict=True)) or "no row"
        return None, float("nan"), f"the final table has no {row['precision']} row of this model (it has: {what})"
    best, best_diff = None, float("inf")
    for label in labels:  # the same id first, then the smallest disagreement
        f = final.loc[label]
        diff = max(abs(float(row[f"{b}_raw"]) - float(f[b])) for b in OTHER_FIVE)
        rank = (f["model"] != row["model"], diff)
        if best is None or rank < best[0]:
            best, best_diff = (rank, f), diff
    return best[1], best_diff, ""


def math_lvl5(row: pd.Series, final: pd.DataFrame) -> dict:
    """MATH Lvl 5 (normalised 0-100) of the contents run ``row`` and where it came from.

    Returns ``value, source`` (the long table's source string), ``math_lvl5_source`` (``final``: the re-evaluated
    value; ``contents=final``: the final value equals the snapshot's to its rounding, the snapshot's unrounded value
    kept; ``contents``: the final table cannot give it, snapshot value kept),
    ``math_lvl5_contents`` (the snapshot's value, for comparison) and ``math_lvl5_note`` (why)."""
    contents_value = float(row["math_lvl5"])
    out = {"math_lvl5_contents": round(contents_value, 6)}
    f, diff, why = final_row(row, final)
    if f is None:
        return out | {"value": contents_value, "source": f"{CONTENTS_SOURCE}:{row['eval_name']}",
                      "math_lvl5_source": "contents", "math_lvl5_note": f"kept the snapshot value (pre-Math-Verify): "
                                                                        f"{why}"}
    if diff > SAME_RUN_TOL:
        worst = max(OTHER_FIVE, key=lambda b: abs(float(row[f"{b}_raw"]) - float(f[b])))
        return out | {"value": contents_value, "source": f"{CONTENTS_SOURCE}:{row['eval_name']}",
                      "math_lvl5_source": "contents",
                      "math_lvl5_note": (f"kept the snapshot value (pre-Math-Verify): the final {f['precision']} row "
                                         f"is another run ({worst} raw {float(row[f'{worst}_raw']):.4f} vs "
                                         f"{float(f[worst]):.4f})")}
    final_raw = float(f["math_lvl5"])
    same = f"same run in the final table (other five raw scores within {diff:.1g})"
    if abs(final_raw - float(row["math_lvl5_raw"])) <= ROUNDING:
        return out | {"value": contents_value, "source": f"{CONTENTS_SOURCE}:{row['eval_name']}",
                      "math_lvl5_source": "contents=final",
                      "math_lvl5_note": (f"{same}; its MATH Lvl 5 raw {final_raw:.4f} equals the snapshot's "
                                         f"{float(row['math_lvl5_raw']):.6f} to its 4 decimals: the snapshot's "
                                         "unrounded value kept")}
    value = normalise_aggregate("math_lvl5", final_raw)
    eval_name = f"{str(f['model']).replace('/', '_')}_{f['precision']}"
    return out | {"value": round(value, 6), "source": f"{FINAL_SOURCE}:{eval_name}", "math_lvl5_source": "final",
                  "math_lvl5_note": (f"{same}; re-evaluated MATH Lvl 5 raw {final_raw:.4f} (snapshot "
                                     f"{float(row['math_lvl5_raw']):.6f}) -> x 100")}


def six_scores(row: pd.Series, final: pd.DataFrame) -> tuple[dict[str, float], dict]:
    """The six normalised scores of a contents run with MATH Lvl 5 corrected, their mean, and the MATH record."""
    rec = math_lvl5(row, final)
    scores = {b: float(row[b]) for b in SIX}
    scores["math_lvl5"] = rec["value"]
    scores["oll_average"] = sum(scores[b] for b in SIX) / len(SIX)
    return scores, rec


def long_rows(model: str, row: pd.Series, final: pd.DataFrame) -> tuple[list[dict], dict]:
    """The long table's seven rows (six scores + ``oll_average``) of one model from its contents run ``row``, and the
    MATH Lvl 5 record. Sources: the contents run for five of the six; MATH Lvl 5 from the final run where it is the
    same run; the average from the contents run when MATH is kept, else ``mean-of-six:<eval_name>``."""
    scores, math = six_scores(row, final)
    contents_source = f"{CONTENTS_SOURCE}:{row['eval_name']}"
    average_source = (contents_source if math["math_lvl5_source"] != "final"
                      else f"{AVERAGE_SOURCE}:{row['eval_name']}")
    sources = {"math_lvl5": math["source"], "oll_average": average_source}
    rows = [{"model": model, "benchmark": b, "value": round(scores[b], 6), "scale": "normalised",
             "source": sources.get(b, contents_source), "date": row["submission_date"]}
            for b in (*SIX, "oll_average")]
    return rows, math


def math_columns(math: dict) -> dict:
    """The per-model columns that record MATH Lvl 5's origin (benchmark_rows.csv, leaderboard_v2/models.csv)."""
    return {"math_lvl5": math["value"], "math_lvl5_contents": math["math_lvl5_contents"],
            "math_lvl5_source": math["math_lvl5_source"], "math_lvl5_note": math["math_lvl5_note"]}
