"""Wall time of a full `rmbase study` on the bundled data, per analysis, against a plain baseline.

    python benchmarks/bench_study.py [--recipe regression] [--baseline-folds 3]

Target (issue 2): the whole study, nested cross-validation included, under 30 s on 2 cores.
Baseline: the straightforward nested protocol — scikit-learn GridSearchCV over a Pipeline(PolynomialFeatures,
ElasticNet) with the same 60-point grid and the same 10 folds inside every outer leave-one-out fold, run serially.
It is too slow to run in full, so it is timed on ``--baseline-folds`` outer folds and extrapolated to 40 (printed
as such); rmbase's nested loop is timed in full.
"""

from __future__ import annotations

import argparse
import time
import warnings


def baseline_outer_fold_seconds(X, y, n_folds: int) -> float:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import ElasticNet
    from sklearn.model_selection import GridSearchCV, KFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures, StandardScaler

    grid = {"polynomialfeatures__degree": [1, 2, 3], "elasticnet__alpha": [0.1, 0.01, 0.001, 0.0001],
            "elasticnet__l1_ratio": [0.0, 0.25, 0.5, 0.75, 1.0]}
    times = []
    for i in range(n_folds):
        keep = [j for j in range(len(y)) if j != i]
        Z = StandardScaler().fit_transform(X.iloc[keep])
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            GridSearchCV(make_pipeline(PolynomialFeatures(include_bias=False), ElasticNet()), grid,
                         cv=KFold(10, shuffle=True, random_state=0), scoring="neg_mean_squared_error",
                         n_jobs=1).fit(Z, y.iloc[keep])
        times.append(time.perf_counter() - t0)
    return sum(times) / len(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--recipe", default="regression")
    ap.add_argument("--baseline-folds", type=int, default=3)
    ap.add_argument("--n-jobs", type=int, default=2)
    args = ap.parse_args()

    from rmbase.study import StudyConfig, run_study

    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    study = run_study(StudyConfig(recipe=args.recipe, n_jobs=args.n_jobs), timings=timings)
    total = time.perf_counter() - t0
    print(f"rmbase study ({args.recipe}, {study['n_models']} models, n_jobs={args.n_jobs}): {total:.2f} s "
          f"(target < 30 s)")
    for name, secs in timings.items():
        print(f"  {name:<14} {secs:8.3f} s")

    from rmbase.datasets import load_bundled

    X, y, _ = load_bundled().design(args.recipe, "score")
    X = X[study["combination"]["paper"]["features"]]
    per_fold = baseline_outer_fold_seconds(X, y, args.baseline_folds)
    baseline_nested = per_fold * len(y)
    ours_nested = timings["combination"]
    print(f"baseline nested CV (GridSearchCV, serial): {per_fold:.2f} s per outer fold x {len(y)} = "
          f"{baseline_nested:.1f} s (extrapolated from {args.baseline_folds} folds)")
    print(f"rmbase combination (in sample + nested LOO): {ours_nested:.1f} s; speed-up x{baseline_nested / ours_nested:.1f}")


if __name__ == "__main__":
    main()
