"""Rebuild src/rmbase/selection/oof_cache.json: the out-of-fold predictions of the slow predictors on the bundled
study, for every recipe and RewardBench target, leave-one-out and leave-one-family-out (see
rmbase.selection.oof_cache). Slow: about 0.8 s per fit, 54 fits per recipe and target.

    python scripts/build_oof_cache.py [--n-jobs 2]
"""

from __future__ import annotations

import argparse
import json

from rmbase.datasets import RECIPES, TARGETS, load_bundled
from rmbase.io import atomic_write_text
from rmbase.selection.compare import METHODS, SLOW_METHODS, _groups, make_estimator, method_design
from rmbase.selection.oof_cache import _path, key
from rmbase.validation import out_of_fold_predictions


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n-jobs", type=int, default=2)
    ap.add_argument("--methods", default="study_elasticnet")
    ap.add_argument("--recipes", default=",".join(RECIPES))
    args = ap.parse_args()
    data = load_bundled()
    out = json.loads(_path().read_text()) if _path().is_file() else {}
    for method in args.methods.split(","):
        assert method in SLOW_METHODS, method
        for recipe in args.recipes.split(","):
            for target in TARGETS:
                X, y, _ = method_design(data, METHODS[method], recipe, target)
                if y.empty:
                    continue
                for scheme in ("loo", "lofo"):
                    groups = _groups(data, X.index) if scheme == "lofo" else None
                    if (scheme == "lofo" and groups is None) or key(method, scheme, X, y, groups) in out:
                        continue
                    pred = out_of_fold_predictions(make_estimator(method), X, y, scheme=scheme, groups=groups,
                                                   n_jobs=args.n_jobs)
                    out[key(method, scheme, X, y, groups)] = [float(v) for v in pred]
                    atomic_write_text(_path(), json.dumps(out, indent=0) + "\n")  # resumable
                    print(method, recipe, target, scheme, len(pred), flush=True)
    print(f"wrote {_path()} ({len(out)} entries)")


if __name__ == "__main__":
    main()
