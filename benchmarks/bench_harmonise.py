"""The harmonised feature table: held-out recovery of hidden leaderboard v2 scores, and the cold cost of the table.

    python benchmarks/bench_harmonise.py [--folds 5] [--seed 0] [--rank auto] [--repeat 3]

Prints one line per harmonised benchmark (`harmonisation_held_out`: the leaderboard v2 scores of every model that
Swallow also scores are hidden fold by fold and mapped back from the rest; Spearman of mapped vs hidden, target
>= 0.9 where a Swallow counterpart exists, and coverage of the nominal 90% interval, target 85-95%), then the cold time
of `bundled_feature_table()` in a fresh interpreter (median of --repeat, target well under 1 s), against the baseline
of the same run: a fresh interpreter that only reads the bundled leaderboard table (`load_bundled_wide`).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from rmbase.benchmarks.harmonise import HarmoniseConfig
from rmbase.benchmarks.harmonise_check import format_record, harmonisation_held_out

COLD = ("import time; t = time.perf_counter(); c = time.process_time(); {stmt}; "
        "print(time.perf_counter() - t, time.process_time() - c)")


def cold(stmt: str, repeat: int) -> tuple[float, float]:
    """Median wall and CPU seconds of ``stmt`` in a fresh interpreter (imports of pandas and numpy excluded: both
    paths need them), so the figure is what a command pays the first time (CPU: what it costs on an idle machine)."""
    setup = "import pandas, numpy, rmbase.config; "
    wall, cpu = [], []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", setup + COLD.format(stmt=stmt)], check=True,
                             capture_output=True, text=True)
        w, c = out.stdout.strip().splitlines()[-1].split()
        wall.append(float(w))
        cpu.append(float(c))
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rank", default="auto", help="auto (chosen inside each fold) or an integer")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rank = args.rank if args.rank == "auto" else int(args.rank)
    t = time.perf_counter()
    records = harmonisation_held_out(HarmoniseConfig(rank=rank), folds=args.folds, seed=args.seed)
    took = time.perf_counter() - t
    if not records:
        print("harmonisation held out: too few models scored by both leaderboard v2 and Swallow (is the Swallow "
              "table bundled?)")
    for r in records:
        print(format_record(r))
    if records:
        print(f"held out: {records[0]['models']} models in both sources, {args.folds} folds by lineage, ranks "
              f"chosen per fold {records[0]['ranks']}; {took:.1f} s")
    base = cold("from rmbase.benchmarks import load_bundled_wide; load_bundled_wide()", args.repeat)
    table = cold("from rmbase.benchmarks import bundled_feature_table; bundled_feature_table()", args.repeat)
    print(f"cold bundled_feature_table(): {table[0]:.3f} s wall, {table[1]:.3f} s CPU (baseline load_bundled_wide(): "
          f"{base[0]:.3f} s wall, {base[1]:.3f} s CPU; ratio {table[0] / base[0]:.1f}x wall, "
          f"{table[1] / base[1]:.1f}x CPU)")


if __name__ == "__main__":
    main()
