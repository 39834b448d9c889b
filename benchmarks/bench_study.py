"""`rmbase study` on the bundled data, cold, against the code before issue 21 measured in the same run.

    python benchmarks/bench_study.py [--baseline-ref 05a39ae] [--repeat 1] [--gridsearch-folds 2] [--no-baseline]

Targets (issue 21): the whole command (analyses, nested cross-validation, study.json, the report and its figures as
PNG 200 dpi + SVG), everything on, on 2 idle cores: <= 10 s wall and <= 15 s CPU including the worker processes.

What it prints:
1. ``rmbase study --out DIR`` in a fresh process (cold: nothing cached, an empty ``$RMBASE_CACHE_DIR``), for this
   checkout and for the baseline, rmbase at ``--baseline-ref`` (git archive of its src/, the code path before this
   issue's work) in the same run: wall, CPU of the process and all its workers, the largest process's peak RSS and
   the peak PSS of the whole process tree; the ratio. Both study.json files are compared number by number
   (tests/test_study_golden.py's rule).
2. The per-analysis wall times study.json records (provenance.timings_s) for this checkout.
3. A second baseline for the combination's nested cross-validation alone: scikit-learn's GridSearchCV over
   Pipeline(PolynomialFeatures, ElasticNet) with the same grid and folds inside ``--gridsearch-folds`` outer folds,
   extrapolated to all 40 (printed as such), against rmbase's combination in the same process.
The load average is printed before and after: on a shared machine, compare CPU seconds.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import REPO, baseline_src, env_for, machine_line, rmbase_cmd, run_measured  # noqa: E402

BASELINE_REF = "05a39ae"  # main before the speed work of issue 21


def gridsearch_outer_fold_seconds(X, y, n_folds: int) -> float:
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
        t0 = time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            GridSearchCV(make_pipeline(PolynomialFeatures(include_bias=False), ElasticNet()), grid,
                         cv=KFold(10, shuffle=True, random_state=0), scoring="neg_mean_squared_error",
                         n_jobs=1).fit(Z, y.iloc[keep])
        times.append(time.process_time() - t0)
    return sum(times) / len(times)


def study_numbers_differ(a: Path, b: Path) -> list[str]:
    sys.path.insert(0, str(REPO / "tests"))
    from test_study_golden import differences

    old, new = (json.loads(p.read_text()) for p in (a, b))
    old.pop("provenance", None)
    return differences(old, new)


def cold_study(src: Path, out: Path, repeat: int):
    """The fastest of ``repeat`` fresh processes, each with a new empty per-user cache folder ($RMBASE_CACHE_DIR:
    the harmonised feature table and the out-of-fold predictions the answer box reuses), as on a fresh install."""
    runs = []
    for i in range(repeat):
        shutil.rmtree(out, ignore_errors=True)
        cache = out.parent / f"{out.name}-cache-{i}"
        shutil.rmtree(cache, ignore_errors=True)
        m = run_measured(rmbase_cmd("study", "--out", str(out)), {**env_for(src), "RMBASE_CACHE_DIR": str(cache)})
        if m.returncode != 0:
            sys.exit(f"rmbase study failed ({src}):\n{m.stderr[-3000:]}")
        runs.append(m)
    return min(runs, key=lambda m: m.wall_s)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--baseline-ref", default=BASELINE_REF, help="git ref of the baseline rmbase")
    ap.add_argument("--no-baseline", action="store_true", help="measure this checkout only")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each (the fastest is kept)")
    ap.add_argument("--gridsearch-folds", type=int, default=2, help="outer folds of the GridSearchCV baseline "
                    "(0: skip it)")
    args = ap.parse_args()

    print(f"machine: {machine_line()}")
    work = Path(tempfile.mkdtemp(prefix="bench-study-"))
    ours = cold_study(REPO / "src", work / "ours", args.repeat)
    print(f"rmbase study (this checkout), cold:        {ours.line()}")
    print("  targets: <= 10 s wall and <= 15 s CPU on 2 idle cores")
    timings = json.loads((work / "ours" / "study.json").read_text())["provenance"]["timings_s"]
    for name, secs in timings.items():
        print(f"    {name:<20} {secs:8.3f} s wall")
    if not args.no_baseline and (src := baseline_src(args.baseline_ref)) is not None:
        base = cold_study(src, work / "base", args.repeat)
        print(f"rmbase study (baseline {args.baseline_ref}), cold: {base.line()}")
        print(f"  ratio baseline/this checkout: wall x{base.wall_s / ours.wall_s:.2f}, "
              f"CPU x{base.cpu_s / ours.cpu_s:.2f}")
        diffs = study_numbers_differ(work / "base" / "study.json", work / "ours" / "study.json")
        print(f"  study.json numbers: {'identical within 1e-6' if not diffs else f'{len(diffs)} differ, e.g.'}")
        for d in diffs[:10]:
            print(f"    {d}")
    print(f"machine after: {machine_line()}")

    if args.gridsearch_folds > 0:
        from rmbase.analysis import combination_analysis
        from rmbase.datasets import load_bundled

        X, y, _ = load_bundled().design("regression", "score")
        features = json.loads((work / "ours" / "study.json").read_text())["combination"]["paper"]["features"]
        t0 = time.process_time()
        combination_analysis(X, y, features=features, n_jobs=None)
        ours_cpu = time.process_time() - t0
        per_fold = gridsearch_outer_fold_seconds(X[features], y, args.gridsearch_folds)
        print(f"combination, nested LOO, one process: rmbase {ours_cpu:.1f} s CPU; GridSearchCV nested "
              f"{per_fold:.2f} s CPU per outer fold x {len(y)} = {per_fold * len(y):.1f} s (extrapolated from "
              f"{args.gridsearch_folds} folds); ratio x{per_fold * len(y) / ours_cpu:.1f}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
