"""The duplicate rule: one value per (model, benchmark, scale, mode), chosen by an explicit, recorded ranking.

The mode (task group, pre-/post-trained, reasoning on/off; empty for sources without modes) is part of a score's
identity: scores of two modes (e.g. Swallow's reasoning-on and reasoning-off runs) are never duplicates of each other.
For rows with a mode the source is part of the identity too (its name before ``:``, e.g. ``swallow-leaderboard``):
two sources that score the same model, task and mode are both kept, and where their values differ the disagreement
is a counted warning (one source's own snapshots are ordered by its importer, e.g. Swallow's newest-snapshot rule).

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

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rmbase.errors import InputError
from rmbase.model_ids import canonical_model_id

DUPLICATE_RULE = ("one value per (model, benchmark, scale, mode) and, for rows with a mode, per source (two sources "
                  "of one mode are both kept, disagreements counted); model ids compared after normalisation "
                  "(canonical_model_id); prefer the official provider's run, then the chat-template run, then "
                  "bfloat16, then the latest date; equal-rank rows with different values are a conflict "
                  "(on_conflict: error, drop or first)")
TOLERANCE = 1e-9
CONFLICT_CHOICES = ("error", "drop", "first")


def _truthy(v: object) -> int:
    if isinstance(v, bool | np.bool_):
        return int(v)
    if isinstance(v, str):
        return int(v.strip().lower() in ("true", "1", "yes"))
    if isinstance(v, int | float) and not pd.isna(v):
        return int(bool(v))
    return 0


def _flag(series: pd.Series) -> pd.Series:
    """1 for true-like cells (True, 'true', 'yes', 1), else 0 (unknown counts as not true); once per distinct value."""
    if series.dtype == bool:
        return series.astype(int)
    values = series.astype(object)
    uniq = pd.unique(values)
    return values.map({u: _truthy(u) for u in uniq if not pd.isna(u)}).fillna(0).astype(int)


def canonical_keys(models: pd.Series) -> pd.Series:
    """``canonical_model_id`` of each id (cached: computed once per distinct id)."""
    return models.map(canonical_model_id)


def rank_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with the ranking columns of the rule added (higher is better)."""
    return frame.assign(
        _key=canonical_keys(frame.model),
        _official=_flag(frame.official_provider),
        _chat=_flag(frame.chat_template),
        _bf16=frame.precision.astype(str).str.lower().eq("bfloat16").astype(int),
        _date=frame.date.fillna("").astype(str),
    )


DUP_COLUMNS = ["model", "benchmark", "scale", "mode", "value", "source", "reason"]
RANK_COLS = ["_official", "_chat", "_bf16", "_date"]
RANK_NAMES = ["official provider", "chat template", "bfloat16", "later date"]


@dataclass
class Resolution:
    """What the rule did to a long frame: the rows kept, the rows dropped (with ``reason``) and the counted
    warnings ``(kind, first example, count)``."""

    frame: pd.DataFrame
    dropped: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=DUP_COLUMNS))
    warnings: list[tuple[str, str, int]] = field(default_factory=list)


def resolve(f: pd.DataFrame, on_conflict: str = "error") -> Resolution:
    """Apply the duplicate rule to a long frame (the columns of :class:`~rmbase.benchmarks.BenchmarkTable`)."""
    if on_conflict not in CONFLICT_CHOICES:
        raise InputError(f"unknown on_conflict {on_conflict!r}", expected=f"one of {', '.join(CONFLICT_CHOICES)}")
    if "mode" not in f:
        f = f.assign(mode="")
    if "source" not in f:
        f = f.assign(source="")
    out = Resolution(frame=f)
    if f.empty:
        return out
    f = f.assign(mode=f["mode"].fillna("").astype(str))
    out.frame = f
    _report_source_disagreements(f, out)
    group = ["_key", "benchmark", "scale", "mode", "_family"]
    f = f.assign(_family=source_family(f))
    keys = f.assign(_key=canonical_keys(f.model))[group]
    involved = keys.duplicated(keep=False).to_numpy()
    if not involved.any():
        return out
    ranked = rank_frame(f[involved])  # only the rows that have a duplicate
    ranked = ranked.sort_values([*group, *RANK_COLS], ascending=[True] * len(group) + [False] * len(RANK_COLS),
                                kind="stable")
    first = ~ranked.duplicated(group, keep="first")
    rest = ranked[~first]
    winners = ranked[first]
    pair = rest.reset_index().merge(winners[[*group, *RANK_COLS, "value", "source", "model"]], on=group,
                                    suffixes=("", "_win"), how="left")
    differs = np.column_stack([pair[c].to_numpy() != pair[f"{c}_win"].to_numpy() for c in RANK_COLS])
    tie = ~differs.any(axis=1)
    conflict = tie & ((pair.value - pair.value_win).abs().to_numpy() > TOLERANCE)
    if conflict.any():
        c = pair[conflict].iloc[0]
        if on_conflict == "error":
            raise InputError(
                f"conflicting duplicate scores for model {c.model!r}, benchmark {c.benchmark!r} ({c.scale}"
                f"{', mode ' + c['mode'] if c['mode'] else ''}): "
                f"{c.value_win:g} from {c.source_win} and {c.value:g} from {c.source}, with equal official "
                "provider, chat template, precision and date",
                expected="one value per model and benchmark, rows that the rule can rank, or --on-conflict "
                         "drop|first to skip or keep-first such values (counted)")
        out.warnings.append((f"conflicting duplicates ({on_conflict})",
                             f"{c.model} {c.benchmark}: {c.value_win:g} ({c.source_win}) vs {c.value:g} "
                             f"({c.source})", int(conflict.sum())))
    identical = tie & ~conflict
    if identical.any():
        c = pair[identical].iloc[0]
        out.warnings.append(("identical duplicate rows merged", f"{c.model} {c.benchmark} from {c.source}",
                             int(identical.sum())))
    first_diff = differs.argmax(axis=1)
    reasons = np.where(
        conflict, "conflict with " + pair.source_win.astype(str) + f"; on_conflict={on_conflict}",
        np.where(identical, "identical duplicate",
                 "lost to " + pair.source_win.astype(str) + " on "
                 + pd.Series(np.array(RANK_NAMES)[first_diff], index=pair.index)))
    dropped = pair.assign(reason=reasons)[DUP_COLUMNS]
    drop_index = set(pair["index"])
    if conflict.any() and on_conflict == "drop":  # neither value can be trusted: the winner goes too
        keys = pair.loc[conflict, group].drop_duplicates()
        lost = winners.merge(keys, on=group).assign(reason="conflicting duplicate; on_conflict=drop")
        win_idx = winners.reset_index().merge(keys, on=group)["index"]
        drop_index |= set(win_idx)
        dropped = pd.concat([dropped, lost[DUP_COLUMNS]], ignore_index=True)
    out.frame = f.drop(index=list(drop_index)).drop(columns="_family").reset_index(drop=True)
    out.dropped = dropped.reset_index(drop=True)
    return out


def source_family(f: pd.DataFrame) -> pd.Series:
    """The source's name before ``:`` for rows with a mode (part of their identity), "" for rows without one."""
    moded = f["mode"].fillna("").astype(str).ne("")
    return f["source"].astype(str).str.split(":", n=1).str[0].where(moded, "")


def _report_source_disagreements(f: pd.DataFrame, out: Resolution) -> None:
    """Rows with a mode: the same model, task, scale and mode from two sources with values more than
    :data:`TOLERANCE` apart are both kept; the count and the first pair go into a warning."""
    moded = f[f["mode"].ne("")]
    if moded.empty:
        return
    moded = moded.assign(_key=canonical_keys(moded.model), _family=source_family(moded))
    spread = moded.groupby(["_key", "benchmark", "scale", "mode"]).agg(
        families=("_family", "nunique"), lo=("value", "min"), hi=("value", "max"))
    bad = spread[(spread.families > 1) & ((spread.hi - spread.lo) > TOLERANCE)]
    if len(bad):
        key = bad.index[0]
        rows = moded.set_index(["_key", "benchmark", "scale", "mode"]).loc[[key]]
        pairs = ", ".join(f"{v:g} ({s})" for v, s in zip(rows.value, rows.source, strict=True))
        out.warnings.append(("same model, task and mode from two sources with different values (both kept)",
                             f"{rows.model.iloc[0]} {key[1]} ({key[3]}): {pairs}", len(bad)))


def preferred_row(rows: pd.DataFrame, *, date_column: str = "submission_date") -> tuple[pd.Series, str]:
    """The row the rule keeps among leaderboard-contents rows of one model, and a sentence saying why (used by the
    scripts that derive the bundled tables, so that they choose exactly as ``import`` does)."""
    ranked = rank_frame(rows.assign(date=rows[date_column])).sort_values(RANK_COLS, ascending=False, kind="stable")
    best = rows.loc[ranked.index[0]]
    reason = (f"{len(rows)} candidate row(s); chose official_provider={bool(best.official_provider)}, "
              f"chat_template={bool(best.chat_template)}, precision={best.precision}")
    return best, reason
