"""What ``rmbase benchmarks show`` prints and writes: per model and feature, the observed value(s) with their
sources, or the mapped value with its origin and uncertainty (JSON-ready dicts; the CLI only formats them)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from rmbase.benchmarks.harmonise import SELECTION_FEATURES, FeatureTable
from rmbase.benchmarks.harmonise_fit import Z90


def describe(table: FeatureTable, model: str) -> dict[str, Any]:
    """One model of the table (its id as in the table): metadata and one entry per known feature, canonical
    selection features first. Each entry: ``feature, value, status, sd, lo90, hi90, origin, observations`` (every
    source's value when sources disagree, else the one value with its source(s))."""
    meta = table.models.loc[model] if model in table.models.index else pd.Series(dtype=object)
    conflicts = table.conflicts[table.conflicts["model"].eq(model)] if len(table.conflicts) else table.conflicts
    columns = [c for c in SELECTION_FEATURES if c in table.values.columns]
    columns += [c for c in table.values.columns if c not in columns]
    features = []
    for c in columns:
        status = str(table.status.at[model, c])
        if not status:
            continue
        value, sd = _num(table.values.at[model, c]), _num(table.sd.at[model, c])
        origin = str(table.origin.at[model, c])
        entry: dict[str, Any] = {"feature": c, "value": value, "status": status, "sd": sd, "origin": origin}
        if status == "mapped" and sd is not None and value is not None:
            entry["lo90"], entry["hi90"] = value - Z90 * sd, value + Z90 * sd
        if status == "observed":
            rows = conflicts[conflicts["feature"].eq(c)] if len(conflicts) else conflicts
            entry["observations"] = ([{"source": str(r.source), "value": float(r.value)} for r in
                                      rows.itertuples(index=False)] if len(rows) else
                                     [{"source": origin, "value": value}])
        features.append(entry)
    return {"model": model, "metadata": {k: _plain(v) for k, v in meta.items()}, "features": features}


def show_payload(table: FeatureTable, models: list[str]) -> dict[str, Any]:
    """The ``--json`` document: the models, the fit (rank, calibration), the table's notes."""
    fit = {k: _plain(v) for k, v in table.fit.items() if k in ("rank", "calibration", "features", "method",
                                                                 "hidden_cells", "coverage_before_scaling")}
    return {"models": [describe(table, m) for m in models], "fit": fit, "notes": list(table.notes)}


def _num(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) else None


def _plain(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not np.isfinite(v):
        return None
    if v is None or isinstance(v, str | int | float | bool):
        return v
    return None if pd.isna(v) else str(v)
