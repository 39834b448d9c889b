"""Probe results as features: one row per model id, columns ``probe_frozen_bt``, ``probe_likelihood``,
``probe_judge`` (accuracies 0-1; NaN where a probe was not applicable or not run), for ``rmbase study``,
``recommend`` and ``plan`` to use beside benchmark scores. Imports nothing heavy.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from rmbase.errors import InputError

PROBE_FEATURES = {"frozen_bt": "probe_frozen_bt", "likelihood": "probe_likelihood", "judge": "probe_judge"}


def _result_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if (path / "results.json").is_file():
        return [path / "results.json"]
    if path.is_dir():
        found = sorted(p / "results.json" for p in path.iterdir() if (p / "results.json").is_file())
        if found:
            return found
    raise InputError("no probe results here", path=str(path),
                     expected="an `rmbase probe` output folder (results.json), such a file, or a folder of them")


def load_probe_table(paths: list[str | Path]) -> pd.DataFrame:
    """Probe features of every result under ``paths`` (index: the run's ``model_id``), plus ``probe_pairs`` (pairs
    used) and ``probe_source``. The same model probed twice is an :class:`InputError`."""
    rows, seen = [], {}
    for given in paths:
        for f in _result_files(Path(given)):
            try:
                res = json.loads(f.read_text(encoding="utf-8"))
                model, probes = str(res["model_id"]), res["probes"]
            except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
                raise InputError(f"not an rmbase probe results file ({exc})", path=str(f)) from exc
            if model in seen:
                raise InputError(f"model {model!r} has probe results twice (also in {seen[model]})", path=str(f),
                                 expected="one probe run per model")
            seen[model] = str(f)
            row = {"model": model, "probe_pairs": res.get("data", {}).get("pairs_used"), "probe_source": str(f)}
            for name, col in PROBE_FEATURES.items():
                r = probes.get(name) or {}
                acc = r.get("accuracy") if r.get("applicable") else None
                row[col] = np.nan if acc is None else float(acc)
            rows.append(row)
    cols = ["model", *PROBE_FEATURES.values(), "probe_pairs", "probe_source"]
    return pd.DataFrame(rows, columns=cols).set_index("model")


def join_probes(features: pd.DataFrame, probes: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """``features`` (index: model ids) with the probe columns joined by model id in any spelling
    (:class:`rmbase.model_ids.ModelIdIndex`); returns (joined, probe ids that matched no row)."""
    from rmbase.model_ids import ModelIdIndex

    mapping, unmatched = ModelIdIndex(features.index).join(probes.index)
    cols = list(PROBE_FEATURES.values())
    moved = probes.loc[list(mapping), cols].rename(index=mapping)
    return features.join(moved, how="left"), unmatched


def probe_correlations(probes: pd.DataFrame, targets: pd.Series) -> dict:
    """Spearman and Kendall correlation of each probe feature with an RM target over the models that have both,
    with n (a correlation over fewer than 3 models is reported as None)."""
    from scipy import stats

    joined, _ = join_probes(targets.to_frame("target"), probes)
    out = {}
    for col in PROBE_FEATURES.values():
        both = joined[["target", col]].dropna()
        n = len(both)
        if n < 3 or both[col].nunique() < 2 or both["target"].nunique() < 2:
            out[col] = {"n": n, "spearman": None, "kendall": None}
            continue
        out[col] = {"n": n, "spearman": float(stats.spearmanr(both[col], both["target"]).statistic),
                    "kendall": float(stats.kendalltau(both[col], both["target"]).statistic)}
    return out


def attach_probes(rows: list[dict], probes: pd.DataFrame) -> list[str]:
    """Add ``row["probes"]`` ({probe feature: accuracy or None}) to ranking rows (each with a ``model``), matched
    by model id in any spelling; returns the probe ids that matched no row."""
    frame = pd.DataFrame(index=pd.Index([r["model"] for r in rows], name="model"))
    joined, unmatched = join_probes(frame, probes)
    for r in rows:
        vals = joined.loc[r["model"], list(PROBE_FEATURES.values())]
        r["probes"] = {k: (None if pd.isna(v) else float(v)) for k, v in vals.items()}
    return unmatched
