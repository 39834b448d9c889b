"""The duplicate rule: one value per (model, benchmark, scale), chosen by an explicit, recorded ranking.

Model ids are compared after :func:`rmbase.model_ids.canonical_model_id` (so ``meta-llama/Llama-3.1-8B-Instruct`` and
``meta-llama/Meta-Llama-3.1-8B-Instruct`` are one model). Among the rows of one key the winner is the first by:

1. the official provider's run (``official_provider`` true);
2. the chat-template run (``chat_template`` true);
3. bfloat16 (``precision == 'bfloat16'``);
4. the latest ``date``.

Unknown attributes rank below known-true ones and level with false. Rows that tie on all four and carry the same
value (within 1e-9) are one row (counted as a warning); rows that tie with different values are a conflict, since
no rule can say which one is right: ``on_conflict='error'`` (default) raises an :class:`InputError` naming both
sources; ``'drop'`` leaves the key out, ``'first'`` keeps the first row in input order (both counted warnings).
Every dropped row is kept in ``table.duplicates`` with the reason, and written to the provenance sidecar.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rmbase.benchmarks.table import BenchmarkTable
from rmbase.errors import InputError
from rmbase.model_ids import canonical_model_id

TOLERANCE = 1e-9
CONFLICT_CHOICES = ("error", "drop", "first")


def _flag(series: pd.Series) -> pd.Series:
    def one(v: object) -> int:
        if isinstance(v, bool | np.bool_):
            return int(v)
        if isinstance(v, str):
            return int(v.strip().lower() in ("true", "1", "yes"))
        if isinstance(v, int | float) and not pd.isna(v):
            return int(bool(v))
        return 0

    return series.map(one).astype(int)


def rank_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with the ranking columns of the rule added (higher is better)."""
    return frame.assign(
        _key=frame.model.map(canonical_model_id),
        _official=_flag(frame.official_provider),
        _chat=_flag(frame.chat_template),
        _bf16=frame.precision.astype(str).str.lower().eq("bfloat16").astype(int),
        _date=frame.date.fillna("").astype(str),
    )


def resolve(table: BenchmarkTable, on_conflict: str = "error") -> BenchmarkTable:
    if on_conflict not in CONFLICT_CHOICES:
        raise InputError(f"unknown on_conflict {on_conflict!r}", expected=f"one of {', '.join(CONFLICT_CHOICES)}")
    f = table.frame
    if f.empty:
        table.duplicates = pd.DataFrame(columns=["model", "benchmark", "scale", "value", "source", "reason"])
        return table
    ranked = rank_frame(f)
    order = ["_key", "benchmark", "scale", "_official", "_chat", "_bf16", "_date"]
    ranked = ranked.sort_values(order, ascending=[True, True, True, False, False, False, False], kind="stable")
    group = ["_key", "benchmark", "scale"]
    is_dup = ranked.duplicated(group, keep=False)
    if not is_dup.any():
        table.duplicates = pd.DataFrame(columns=["model", "benchmark", "scale", "value", "source", "reason"])
        return table
    dups = ranked[is_dup]
    best = dups.groupby(group, sort=False).head(1).set_index(group)
    rest = dups[dups.duplicated(group, keep="first")]
    dropped = []
    rank_cols = ["_official", "_chat", "_bf16", "_date"]
    conflict_keys: set[tuple] = set()
    for _, row in rest.iterrows():
        key = (row._key, row.benchmark, row.scale)
        win = best.loc[key]
        tie = all(row[c] == win[c] for c in rank_cols)
        if tie and abs(float(row.value) - float(win.value)) > TOLERANCE:
            if on_conflict == "error":
                raise InputError(
                    f"conflicting duplicate scores for model {row.model!r}, benchmark {row.benchmark!r} "
                    f"({row.scale}): {win.value:g} from {win.source} and {row.value:g} from {row.source}, with equal "
                    "official provider, chat template, precision and date",
                    expected="one value per model and benchmark, rows that the rule can rank, or --on-conflict "
                             "drop|first to skip or keep-first such values (counted)")
            table.warn(f"conflicting duplicates ({on_conflict})",
                       f"{row.model} {row.benchmark}: {win.value:g} ({win.source}) vs {row.value:g} ({row.source})")
            if on_conflict == "drop":
                conflict_keys.add(key)
            reason = f"conflict with {win.source} (value {win.value:g}); on_conflict={on_conflict}"
        elif tie:
            reason = "identical duplicate"
            table.warn("identical duplicate rows merged", f"{row.model} {row.benchmark} from {row.source}")
        else:
            better = next(name for c, name in zip(rank_cols, ("official provider", "chat template", "bfloat16",
                                                              "later date"), strict=True) if row[c] != win[c])
            reason = f"lost to {win.source} on {better}"
        dropped.append({"model": row.model, "benchmark": row.benchmark, "scale": row.scale,
                        "value": float(row.value), "source": row.source, "reason": reason})
    for key in conflict_keys:  # drop the winner of a conflict too: neither value can be trusted
        win = best.loc[key]
        dropped.append({"model": win.model, "benchmark": key[1], "scale": key[2], "value": float(win.value),
                        "source": win.source, "reason": "conflicting duplicate; on_conflict=drop"})
    drop_index = set(rest.index)
    if conflict_keys:
        keys = list(zip(ranked._key, ranked.benchmark, ranked.scale, strict=True))
        drop_index |= {i for i, k in zip(ranked.index, keys, strict=True) if k in conflict_keys}
    keep = ~ranked.index.isin(list(drop_index))
    table.frame = f.loc[ranked.index[keep]].sort_index().reset_index(drop=True)
    table.duplicates = pd.DataFrame(dropped, columns=["model", "benchmark", "scale", "value", "source", "reason"])
    return table
