"""Rebuild the bundled table ``swallow`` from ../shared/data (run from the repository root).

    python scripts/build_swallow_scores.py [--shared ../shared/data]

It reads the three Swallow LLM Leaderboard snapshots of ``../shared/data/swallow_leaderboard/`` (``model_*.yml``)
exactly as ``rmbase benchmarks import`` does (the same reader and rules, :mod:`rmbase.benchmarks.swallow_rules`):
English groups only, the sentinel -0.01 as missing, the newest snapshot per (model, task, mode), the two
extraction-failure rules; API models without a Hugging Face id are left out. It writes into
src/rmbase/datasets/swallow/:

- ``scores.csv``: long ``model, benchmark, value, scale, source, mode, date`` (raw 0-1 scores, no sizes);
- ``models.csv``: one row per model: ``model, name, family, params_b, active_params, release, stage, reasoning,
  pretrained_from, base_name, parent, snapshots``;
- ``removed.csv``: every cell a defect rule removed, with the rule and the value it was compared with.

and prints the counts that DATA.md states (scripts/audit_bundled.py checks them).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from rmbase.benchmarks.import_pipeline import finish_import
from rmbase.benchmarks.import_swallow import read_swallow
from rmbase.benchmarks.sizes import PARAMS_B
from rmbase.benchmarks.swallow_rules import MODELS_OUT, combine, swallow_table
from rmbase.io import atomic_write_text

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "rmbase" / "datasets" / "swallow"
SNAPSHOTS = ("model_2025-06-26_7b515e6.yml", "model_2026-02-20_2e1f710.yml", "model_2026-05-07_be9013b.yml")
MODEL_COLUMNS = MODELS_OUT


def snapshot_paths(shared: Path) -> list[str]:
    folder = shared / "swallow_leaderboard"
    paths = [folder / name for name in SNAPSHOTS]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise SystemExit(f"missing snapshot file(s): {', '.join(missing)}")
    return [str(p) for p in paths]


def build(shared: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """(scores, models, removed, counts) exactly as ``rmbase benchmarks import`` reads the three snapshots."""
    paths = snapshot_paths(shared)
    table = finish_import(swallow_table(paths), scale="raw")
    scores = table.public()
    scores = scores[scores.benchmark.ne(PARAMS_B)].sort_values(["model", "mode", "benchmark"], kind="stable")
    res = combine([read_swallow(p) for p in paths])
    models = res.models[MODEL_COLUMNS]
    missing = sorted(set(scores.model) - set(models.model))
    if missing:
        raise SystemExit(f"scores of models without a models row: {missing[:5]}")
    counts = {kind: int(n) for kind, n in sorted(res.notes.items())}
    counts["score rows"] = len(scores)
    counts["models"] = len(models)
    return scores.reset_index(drop=True), models.reset_index(drop=True), res.removed, counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(ROOT.parent / "shared" / "data"))
    shared = Path(ap.parse_args().shared)
    scores, models, removed, counts = build(shared)
    OUT.mkdir(parents=True, exist_ok=True)
    atomic_write_text(OUT / "scores.csv", scores.to_csv(index=False, float_format="%.6g"))
    atomic_write_text(OUT / "models.csv", models.to_csv(index=False, float_format="%.6g"))
    atomic_write_text(OUT / "removed.csv", removed.to_csv(index=False, float_format="%.6g"))
    for kind, n in counts.items():
        print(f"{n:6d}  {kind}")
    print(scores.groupby("mode").size().to_string())
    print(models.groupby(["stage", "reasoning"]).size().to_string())
    print(f"wrote {OUT}/scores.csv, models.csv, removed.csv")


if __name__ == "__main__":
    main()
