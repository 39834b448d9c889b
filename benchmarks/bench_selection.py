"""Speed and figures of the selection room (prints; not a test).

    python benchmarks/bench_selection.py [--starts 200] [--n-jobs 2] [--skip-table]

1. `rmbase plan --simulate`: 200 random starts x 40 bases, every strategy (target: < 60 s on 2 cores);
2. the full out-of-fold comparison `selection_table` (every default method, LOO and LOFO, both recipes;
   target: < 120 s on 2 cores).
Each is reported as wall time, CPU time of this process, and a ratio to a baseline measured in the same run: the
wall time of one fit of the study's ElasticNet protocol (the unit cost of the comparison), so that a slow, shared
machine can be told apart from a slow implementation. The figures printed are the ones quoted in docs/selection.md.
"""

from __future__ import annotations

import argparse
import contextlib
import time


def _cpu_with_workers() -> float:
    """CPU seconds of this process and its live children (joblib's loky workers persist between calls)."""
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil is optional
        return time.process_time()
    me = psutil.Process()
    total = sum(me.cpu_times()[:2])
    for child in me.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            total += sum(child.cpu_times()[:2])
    return total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--starts", type=int, default=200)
    ap.add_argument("--n-jobs", type=int, default=2)
    ap.add_argument("--skip-table", action="store_true")
    args = ap.parse_args()

    from rmbase.datasets import BENCHMARK_FEATURES, load_bundled
    from rmbase.selection import selection_table
    from rmbase.selection.compare import best_method
    from rmbase.selection.plan_simulation import simulate_dataset
    from rmbase.study_elasticnet import StudyElasticNet

    data = load_bundled()
    X, y, _ = data.design("regression", "score")
    t = time.perf_counter()
    StudyElasticNet().fit(X[list(BENCHMARK_FEATURES)], y)
    unit = time.perf_counter() - t
    print(f"baseline: one StudyElasticNet fit (40 models): {unit:.2f} s wall")

    for recipe in ("regression", "bradley_terry"):
        t, c = time.perf_counter(), time.process_time()
        sim = simulate_dataset(data, recipe=recipe, n_starts=args.starts, seed=0)
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        print(f"\nplan --simulate ({recipe}, {sim['n_starts']} starts x {sim['n_bases']} bases): {wall:.1f} s wall, "
              f"{cpu:.1f} s CPU, {wall / unit:.1f}x the baseline fit (target < 60 s)")
        print(f"  best: {sim['best']['model']} {sim['best']['score']:.1f}; bases within 1 point: {sim['n_within_tol']}")
        for s in sim["strategies"]:
            print(f"  {s['strategy']:24s} median {s['median']:4.1f}  p90 {s['p90']:4.1f}  mean {s['mean']:5.2f}  "
                  f"max {s['max']}")

    if args.skip_table:
        return
    t, c0 = time.perf_counter(), _cpu_with_workers()
    rows = selection_table(data, n_jobs=args.n_jobs)
    wall, cpu = time.perf_counter() - t, _cpu_with_workers() - c0
    print(f"\nselection_table (all default methods x LOO/LOFO x 2 recipes, n_jobs={args.n_jobs}): {wall:.1f} s wall, "
          f"{wall / unit:.1f}x the baseline fit (target < 120 s); CPU of this process and its workers {cpu:.1f} s "
          f"(= {cpu / max(args.n_jobs, 1):.0f} s on {args.n_jobs} idle cores)")
    print(f"  {'recipe':13s} {'val':4s} {'method':18s} {'cov5-10':>7s} {'spearman':>8s} {'mae':>6s} {'reg@1':>6s} "
          f"{'reg@3':>6s}")
    for r in rows:
        print(f"  {r['recipe']:13s} {r['validation']:4s} {r['method']:18s} {r['coverage_mean_5_10']:7.3f} "
              f"{r['spearman']:8.3f} {r['mae']:6.2f} {r['regret_at_1']:6.1f} {r['regret_at_3']:6.1f}")
    for recipe in ("regression", "bradley_terry"):
        for val in ("loo", "lofo"):
            b = best_method(rows, recipe=recipe, validation=val)
            print(f"  best coverage ({recipe}, {val}): {b['method']} {b['coverage_mean_5_10']:.3f}, "
                  f"regret@3 {b['regret_at_3']:.1f} (targets on regression: >= 0.75 and <= 1.0)")


if __name__ == "__main__":
    main()
