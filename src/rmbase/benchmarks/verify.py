"""Check the normaliser against a leaderboard contents table that carries both raw and normalised columns.

For each of the six: how many rows the normaliser reproduces from the raw column (within a tolerance), and the
largest difference. BBH and MuSR are reported with a naive aggregate normalisation (one baseline = the mean of the
subtask baselines) to show the size of the error: their exact score needs per-subtask values the table lacks.
"""

from __future__ import annotations

import pandas as pd

from rmbase.benchmarks.leaderboard import SIX
from rmbase.benchmarks.normalise import (
    BBH_CHOICES,
    EXACT_FROM_AGGREGATE,
    MUSR_CHOICES,
    normalise_aggregate,
    normalise_score,
)

NAIVE_LO = {"bbh": sum(1 / n for n in BBH_CHOICES.values()) / len(BBH_CHOICES),
            "musr": sum(1 / n for n in MUSR_CHOICES.values()) / len(MUSR_CHOICES)}


def reproduction_table(contents: pd.DataFrame, tol: float = 1e-6) -> pd.DataFrame:
    """One row per benchmark: rows compared, rows reproduced within ``tol`` (0-100 points), max |difference|,
    and how the value was computed."""
    out = []
    for bench in SIX:
        sub = contents[[f"{bench}_raw", bench]].dropna()
        raw, published = sub[f"{bench}_raw"].astype(float), sub[bench].astype(float)
        if bench in EXACT_FROM_AGGREGATE:
            ours = raw.map(lambda x, b=bench: normalise_aggregate(b, x))
            how = "exact from the aggregate raw value"
        else:
            ours = raw.map(lambda x, b=bench: normalise_score(x, NAIVE_LO[b]))
            how = f"naive: one baseline {NAIVE_LO[bench]:.4f} (needs per-subtask values)"
        diff = (ours - published).abs()
        out.append({"benchmark": bench, "rows": len(sub), "reproduced": int((diff <= tol).sum()),
                    "share": float((diff <= tol).mean()) if len(sub) else float("nan"),
                    "max_abs_diff": float(diff.max()) if len(sub) else float("nan"), "method": how})
    return pd.DataFrame(out)
