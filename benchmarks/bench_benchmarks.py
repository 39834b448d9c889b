"""Speed of `rmbase benchmarks import` on the final Open LLM Leaderboard (4,574 raw rows), and the normaliser check.

    python benchmarks/bench_benchmarks.py [--repeat 5] [--shared ../shared/data]

Prints: the import time (median of --repeat runs, target < 3 s) of ../shared/data/open_llm_leaderboard_v2_eee, against
two baselines measured in the same run: reading the CSV with pandas alone (the floor) and a plain per-row Python
import (csv module, one dict per score, the same id normalisation, normalisation and duplicate rule); then the share of
the contents table's normalised columns that the normaliser reproduces from the raw columns.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import time
from pathlib import Path

import pandas as pd

from rmbase.benchmarks.import_pipeline import import_files
from rmbase.benchmarks.leaderboard import SIX
from rmbase.benchmarks.normalise import EXACT_FROM_AGGREGATE, normalise_aggregate
from rmbase.benchmarks.verify import reproduction_table
from rmbase.model_ids import canonical_model_id, preferred_model_id

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 3.0


def timed(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def per_row_baseline(path: Path) -> int:
    """The obvious loop: every cell a record, normalised where exact, duplicates by the same ranking."""
    best: dict[tuple[str, str], tuple[tuple, float]] = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            model = preferred_model_id(row["model"])
            key_model = canonical_model_id(model)
            rank = (0, 0, int(row["precision"] == "bfloat16"), "")
            for bench in SIX:
                if not row[bench] or bench not in EXACT_FROM_AGGREGATE:
                    continue
                value = normalise_aggregate(bench, float(row[bench]))
                key = (key_model, bench)
                if key not in best or rank > best[key][0]:
                    best[key] = (rank, value)
    return len(best)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--shared", default=str(ROOT.parent / "shared" / "data"))
    args = ap.parse_args()
    shared = Path(args.shared)
    eee = shared / "open_llm_leaderboard_v2_eee" / "open_llm_leaderboard_v2_scores.csv"
    if not eee.exists():
        raise SystemExit(f"{eee} is absent: this benchmark needs ../shared/data")
    with open(eee, encoding="utf-8") as f:
        n_rows = sum(1 for _ in f) - 1

    t_ours, table = timed(lambda: import_files([eee], on_conflict="drop"), args.repeat)
    t_read, _ = timed(lambda: pd.read_csv(eee), args.repeat)
    t_loop, n_loop = timed(lambda: per_row_baseline(eee), args.repeat)
    print(f"import of {eee.name}: {n_rows} rows -> {len(table)} scores, {table.frame.model.nunique()} models, "
          f"{len(table.duplicates)} duplicate rows dropped, warnings {dict(table.warnings)}")
    print(f"  rmbase import_files            {t_ours:7.3f} s  (median of {args.repeat}; target < {TARGET_S:.0f} s: "
          f"{'PASS' if t_ours < TARGET_S else 'FAIL'})")
    print(f"  baseline pandas read_csv only  {t_read:7.3f} s  -> rmbase / read_csv = {t_ours / t_read:5.1f}x")
    print(f"  baseline per-row Python loop   {t_loop:7.3f} s  -> rmbase / loop = {t_ours / t_loop:5.1f}x "
          f"({n_loop} normalised values, no provenance, no warnings)")

    contents = shared / "open_llm_leaderboard_v2_contents" / "open_llm_leaderboard_v2_contents_clean.csv"
    if contents.exists():
        rep = reproduction_table(pd.read_csv(contents))
        print(f"\nnormaliser vs {contents.name} (normalised columns recomputed from the raw columns, |diff| <= 1e-6):")
        print(rep.to_string(index=False, float_format=lambda x: f"{x:.3g}"))


if __name__ == "__main__":
    main()
