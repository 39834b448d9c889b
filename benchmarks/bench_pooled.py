"""Figures of the pooled predictor (prints; not a test). Issue 22, sections 3 and 5.

    python benchmarks/bench_pooled.py [--fixed] [--skip-home] [--skip-harmonise]

1. Leave one study out: one line per held-out grid, in the issue's form
   ``held out <grid>: n N, spearman X, regret@1 Y; size only: spearman X2, regret@1 Y2``, then the same grid's
   leaderboard average, today's study-only sparse_ridge, the pooled model on the bases those two can score, the rank
   calibration (90% rank intervals) and the configuration the fold chose (inside the fold, from the training studies
   only). ``--fixed`` uses the default configuration in every fold instead of choosing.
2. Harmonisation held out (the ``harmonise`` helper's function, when rmbase.benchmarks has it): one line per
   benchmark.
3. P(best): Brier score of the pooled draws, of a size-only pooled model and of the uniform 1/n, per held-out grid and
   their mean.
4. The home study: leave-one-out and leave-one-family-out with the pooled model (other studies in every fold) beside
   the study-only predictors, both recipes.
5. Speed: one ``fit_pooled`` (no cache) against one study-only ``sparse_ridge`` fit measured in the same run.
"""

from __future__ import annotations

import argparse
import time


def _fmt(x) -> str:
    return "-" if x is None else f"{x:.3f}" if abs(x) < 10 else f"{x:.1f}"


def _agree(d: dict) -> str:
    return f"n {d['n']}, spearman {_fmt(d['spearman'])}, regret@1 {_fmt(d['regret_at_1'])}"


def loso(fixed: bool) -> list[dict]:
    from rmbase.selection.pooled import default_config
    from rmbase.selection.pooled_validation import leave_one_study_out

    t0 = time.perf_counter()
    results = leave_one_study_out(config=default_config("rewardbench") if fixed else None)
    for e in results:
        p, s = e["pooled"], e["size_only"]
        print(f"held out {e['held_out']}: n {p['n']}, spearman {_fmt(p['spearman'])}, regret@1 "
              f"{_fmt(p['regret_at_1'])}; size only: spearman {_fmt(s['spearman'])}, regret@1 {_fmt(s['regret_at_1'])}")
        print(f"    of {e['n_bases']} bases ({e['target']}); with features only: {_agree(e['pooled_with_features'])}")
        print(f"    leaderboard average: {_agree(e['oll_average'])}; study-only sparse_ridge: "
              f"{_agree(e['sparse_ridge'])}; pooled on those bases: {_agree(e['pooled_on_oll_bases'])}")
        print(f"    size only on all bases with a size: {_agree(e['size_only'])}; 90% rank intervals cover "
              f"{_fmt(e.get('rank_coverage_90'))}; top predicted {e['predicted_top']} (actual {e['actual_top']})")
        print(f"    config: {e['config']}; studies used: {', '.join(e['studies_used'])}")
    print(f"(leave one study out: {time.perf_counter() - t0:.1f} s)")
    return results


def sections(fixed: bool) -> None:
    """The RewardBench v1 leaderboard's sections, each predicted from the other studies (the pooled target
    ``rewardbench:<section>``; the study's section grids give their units and ranking)."""
    from rmbase.selection.evidence import RB1_LEADERBOARD, RB1_SECTIONS
    from rmbase.selection.pooled import default_config
    from rmbase.selection.pooled_validation import leave_one_study_out

    for sec in RB1_SECTIONS:
        e, = leave_one_study_out(config=default_config("rewardbench") if fixed else None, held_out=(RB1_LEADERBOARD,),
                                 target=f"rewardbench:{sec}")
        p, s, a = e["pooled_with_features"], e["size_only"], e["oll_average"]
        print(f"held out {RB1_LEADERBOARD} ({sec}): with features {_agree(p)}; size only: {_agree(s)}; "
              f"leaderboard average: {_agree(a)}")


def harmonised() -> None:
    try:
        from rmbase.benchmarks import harmonisation_held_out
    except ImportError:
        print("harmonisation held out: not available (rmbase.benchmarks has no harmonisation_held_out yet)")
        return
    from rmbase.benchmarks.harmonise_check import format_record

    for r in harmonisation_held_out():
        print(format_record(r))


def brier(results: list[dict]) -> None:
    import numpy as np

    rows = [(e["held_out"], e["brier"]) for e in results if e.get("brier")]
    for name, b in rows:
        size = "-" if b["size_only"] is None else f"{b['size_only']:.3f}"
        print(f"P(best) Brier {name}: pooled {b['pooled']:.3f}, size only {size}, uniform {b['uniform']:.3f} "
              f"(n {b['n']})")
    ok = [b for _, b in rows if b["size_only"] is not None]
    if ok:
        print(f"P(best) Brier mean over {len(ok)} held-out grids: pooled {np.mean([b['pooled'] for b in ok]):.3f}, "
              f"size only {np.mean([b['size_only'] for b in ok]):.3f}, uniform "
              f"{np.mean([b['uniform'] for b in ok]):.3f}")


def home() -> None:
    from rmbase.datasets import load_bundled
    from rmbase.selection.compare import selection_table
    from rmbase.selection.pooled_validation import home_study

    data = load_bundled()
    for recipe in ("regression", "bradley_terry"):
        for scheme in ("loo", "lofo"):
            rows = selection_table(data, recipes=(recipe,), methods=("oll_average", "sparse_ridge", "family_effect"),
                                   schemes=(scheme,))
            rows.append(home_study(recipe, scheme=scheme))
            for r in rows:
                print(f"home study {recipe} {scheme} {r['method']}: coverage@5-10 {r['coverage_mean_5_10']:.3f}, "
                      f"spearman {r['spearman']:.3f}, regret@1 {r['regret_at_1']:.1f}, regret@3 {r['regret_at_3']:.1f}")


def speed() -> None:
    from rmbase.datasets import load_bundled
    from rmbase.selection import pooled
    from rmbase.selection.compare import make_estimator

    pooled.fit_pooled("rewardbench")  # imports and the feature table, once
    pooled._CACHE.clear()
    t0 = time.perf_counter()
    pooled.fit_pooled("rewardbench", recipe="regression")
    t_pooled = time.perf_counter() - t0
    data = load_bundled()
    X, y, _ = data.design("regression", "score", drop_missing=True)
    t0 = time.perf_counter()
    make_estimator("sparse_ridge").fit(X, y)
    t_ridge = time.perf_counter() - t0
    print(f"speed: fit_pooled {t_pooled * 1000:.0f} ms (target well under 1 s); study-only sparse_ridge fit "
          f"{t_ridge * 1000:.0f} ms; ratio {t_pooled / t_ridge:.1f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixed", action="store_true", help="the default configuration in every fold")
    ap.add_argument("--skip-home", action="store_true")
    ap.add_argument("--skip-harmonise", action="store_true")
    args = ap.parse_args()
    results = loso(args.fixed)
    sections(args.fixed)
    if not args.skip_harmonise:
        harmonised()
    brier(results)
    if not args.skip_home:
        home()
    speed()


if __name__ == "__main__":
    main()
