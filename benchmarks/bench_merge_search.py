"""Benchmark: the merge-weight search over the study's full grid (21^5 = 4,084,101 weight vectors).

Prints the time of ``rmbase.training.merge_search.accuracy_grid`` (threshold method) and of the plain baseline
(chunked matmul over every weight vector, then counting d > 0) on the same validation pairs, in the same run,
their ratio, and whether both give identical accuracy grids and the same argmax.

    python benchmarks/bench_merge_search.py [--pairs 1000] [--repeats 3] [--threads 2] [--skip-baseline]

Target: <= 2 s for 1,000 pairs on 2 cores. Pin to two cores with ``taskset -c 0,1`` and set
``OMP_NUM_THREADS=2`` (BLAS threads of the baseline's matmul) for a fair comparison.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np


def synthetic_scores(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Attribute scores shaped like a regression RM's: correlated attributes, chosen slightly better."""
    rng = np.random.default_rng(seed)
    mix = rng.normal(size=(5, 5)) * 0.3 + np.eye(5)
    chosen = (rng.normal(size=(n, 5)) @ mix + np.array([0.4, 0.3, 0.1, 0.0, 0.2])).astype(np.float32)
    rejected = (rng.normal(size=(n, 5)) @ mix).astype(np.float32)
    return chosen, rejected


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--skip-baseline", action="store_true")
    args = ap.parse_args()

    from rmbase.training.merge_search import (
        STEPS,
        STUDY_SIGNS,
        accuracy_grid,
        accuracy_grid_bruteforce,
        best_from_grid,
        quantise_differences,
        search_merge_weights,
    )

    chosen, rejected = synthetic_scores(args.pairs)
    q = quantise_differences(chosen, rejected)
    print(f"pairs={args.pairs} grid={(STEPS + 1) ** 5:,} threads={args.threads} "
          f"cpus_visible={len(os.sched_getaffinity(0))} OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}")

    fast_times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        fast = accuracy_grid(q, STUDY_SIGNS, STEPS, threads=args.threads)
        fast_times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    result = search_merge_weights(chosen, rejected, threads=args.threads)
    end_to_end = time.perf_counter() - t0
    print(f"threshold method: best {min(fast_times):.3f} s, median {np.median(fast_times):.3f} s "
          f"(runs: {', '.join(f'{t:.3f}' for t in fast_times)}); search_merge_weights end to end {end_to_end:.3f} s")
    print(f"  chosen w={result.weights} accuracy={result.accuracy:.4f} tied_best={result.n_tied_best}")
    if args.skip_baseline:
        return
    t0 = time.perf_counter()
    base = accuracy_grid_bruteforce(q, STUDY_SIGNS, STEPS)
    base_time = time.perf_counter() - t0
    same = bool((base == fast).all())
    same_best = best_from_grid(base, args.pairs, STUDY_SIGNS, STEPS).integer_weights == result.integer_weights
    print(f"baseline chunked matmul: {base_time:.3f} s")
    print(f"ratio baseline/threshold = {base_time / min(fast_times):.1f}x; identical grids: {same}; "
          f"same argmax: {same_best}")


if __name__ == "__main__":
    main()
