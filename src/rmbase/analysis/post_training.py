"""Post-training stages (the study's Table 1): score per stage and section, and the relative change against the
pre-trained base model."""

from __future__ import annotations

import pandas as pd

from rmbase.datasets.schema import SECTIONS
from rmbase.errors import InputError


def post_training_table(table: pd.DataFrame, *, base_stage: str = "base") -> list[dict]:
    """Rows {model, stage, section, score, delta_percent}; delta_percent = 100 * (score - base) / base for the same
    section, where base is the row whose stage is ``base_stage``."""
    base_rows = table[table.stage == base_stage]
    if len(base_rows) != 1:
        raise InputError(f"the post-training table needs exactly one row with stage {base_stage!r}, "
                         f"found {len(base_rows)}", column="stage")
    base = base_rows.iloc[0]
    sections = [s for s in (*SECTIONS, "score") if s in table.columns]
    rows = []
    for _, r in table.iterrows():
        for s in sections:
            rows.append({"model": r.model, "stage": r.stage, "section": s, "score": float(r[s]),
                         "delta_percent": round(100.0 * (float(r[s]) - float(base[s])) / float(base[s]), 6)})
    return rows
