"""Harmonisation held out (issue 22, section 5): hide the leaderboard v2 scores of the models that Swallow also
scores, map them back from everything else, and measure how well the mapped values and their stated uncertainty
recover the hidden ones.

The hidden models are split into folds by lineage (a post-trained model with its pre-trained checkpoint); each fold's
leaderboard v2 cells are removed before anything is fitted, and the rank and the uncertainty scaling are chosen by
hiding cells of the remaining (training) matrix only. One record per leaderboard benchmark.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from rmbase.benchmarks.feature_sources import observe
from rmbase.benchmarks.harmonise import HarmoniseConfig, bundled_sources, fill, lineage
from rmbase.benchmarks.harmonise_fit import Z90, fold_of_groups
from rmbase.benchmarks.leaderboard import AVERAGE, SIX

#: the Swallow tasks that measure what each leaderboard v2 benchmark measures (same benchmark family or skill)
COUNTERPARTS: dict[str, tuple[str, ...]] = {
    "ifeval": ("mifevalja",), "bbh": ("bbh",), "math_lvl5": ("math", "math500"), "gpqa": ("gpqa",), "musr": (),
    "mmlu_pro": ("mmlu", "mmlu_pro"), AVERAGE: ("*",),
}
TARGET_SPEARMAN = 0.9
TARGET_COVERAGE = (0.85, 0.95)


def harmonisation_held_out(config: HarmoniseConfig | None = None, *, tables: list[pd.DataFrame] | None = None,
                           models: list[pd.DataFrame] | None = None, folds: int = 5,
                           seed: int = 0) -> list[dict[str, Any]]:
    """Per leaderboard benchmark: ``benchmark, n, spearman, coverage90, mae, sd_mean, counterparts`` (the Swallow
    counterpart features the hidden models had), ``has_counterpart``, ``target_met`` and ``ranks`` (the rank chosen
    in each fold). Default: the bundled sources and ``rank='auto'`` (chosen inside each fold)."""
    from scipy import stats

    config = config or HarmoniseConfig(rank="auto")
    if tables is None:
        tables, models, _ = bundled_sources()
    obs = observe(tables, models)
    sw = [c for c in obs.values.columns if c.startswith("sw_")]
    oll = [c for c in (*SIX, AVERAGE) if c in obs.values.columns]
    both = obs.values[list(SIX)].notna().all(axis=1) & obs.values[sw].notna().any(axis=1)
    ids = obs.values.index[both.to_numpy()]
    if len(ids) < 2 * folds:
        return []
    fold = fold_of_groups(lineage(obs.models.loc[ids]), folds, seed)
    found: list[pd.DataFrame] = []
    ranks: list[int] = []
    for f in range(folds):
        hide = ids[fold == f]
        values = obs.values.copy()
        values.loc[hide, oll] = np.nan
        origin = obs.origin.copy()
        origin.loc[hide, oll] = ""
        spread = obs.spread.copy()
        spread.loc[hide, oll] = 0.0
        table = fill(replace(obs, values=values, origin=origin, spread=spread, notes=[]), config)
        ranks.append(int(table.fit.get("rank", 0)))
        for b in oll:
            found.append(pd.DataFrame({"model": hide, "benchmark": b, "truth": obs.values.loc[hide, b].to_numpy(),
                                       "mapped": table.values.loc[hide, b].to_numpy(dtype=float),
                                       "sd": table.sd.loc[hide, b].to_numpy(dtype=float),
                                       "status": table.status.loc[hide, b].to_numpy()}))
    cells = pd.concat(found, ignore_index=True)
    records = []
    for b in oll:
        c = cells[cells.benchmark.eq(b) & cells.status.eq("mapped")]
        seen = _counterparts_seen(obs.values.loc[ids], b)
        has = bool(seen)
        with_cp = int(obs.values.loc[ids, seen].notna().any(axis=1).sum()) if seen else 0
        rho = float(stats.spearmanr(c.mapped, c.truth).statistic) if len(c) >= 3 else float("nan")
        cover = float(np.mean(np.abs(c.truth - c.mapped) <= Z90 * c.sd)) if len(c) else float("nan")
        records.append({
            "benchmark": b, "n": int(len(c)), "spearman": rho, "coverage90": cover,
            "mae": float(np.mean(np.abs(c.truth - c.mapped))) if len(c) else float("nan"),
            "sd_mean": float(c.sd.mean()) if len(c) else float("nan"), "counterparts": seen,
            "models_with_counterpart": with_cp,
            "has_counterpart": has, "ranks": ranks, "folds": folds, "models": int(len(ids)),
            "target_met": bool((not has or rho >= TARGET_SPEARMAN)
                               and TARGET_COVERAGE[0] <= cover <= TARGET_COVERAGE[1]),
        })
    return records


def _counterparts_seen(values: pd.DataFrame, benchmark: str) -> list[str]:
    """The Swallow counterpart features of ``benchmark`` observed for at least 3 of the hidden models."""
    tasks = COUNTERPARTS.get(benchmark, ())
    cols = [c for c in values.columns if c.startswith("sw_")]
    if tasks != ("*",):
        cols = [c for c in cols if c.removeprefix("sw_").split("_", 2)[-1].removesuffix("_reasoning") in tasks]
    return [c for c in cols if values[c].notna().sum() >= 3]


def format_record(r: dict[str, Any]) -> str:
    """One line per harmonised benchmark (what ``benchmarks/bench_pooled.py`` and ``bench_harmonise.py`` print)."""
    cp = (f"counterparts {','.join(r['counterparts'])} (observed for {r['models_with_counterpart']} of the "
          f"{r['models']})" if r["has_counterpart"] else "no Swallow counterpart")
    if r["benchmark"] == AVERAGE and r["has_counterpart"]:
        cp = "counterpart: every Swallow task"
    return (f"harmonised {r['benchmark']}: n {r['n']}, spearman {r['spearman']:.3f}, coverage90 "
            f"{r['coverage90']:.3f}, mae {r['mae']:.2f} (mean sd {r['sd_mean']:.2f}); {cp}; "
            f"target {'met' if r['target_met'] else 'NOT met'}")
