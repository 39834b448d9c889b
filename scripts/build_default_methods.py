"""Compute the evidence behind the default method of ``rmbase recommend`` and store it in the package
(src/rmbase/selection/default_methods.json; see rmbase.selection.default_method). Rerun after the bundled tables,
the feature table or a predictor change:

    python scripts/build_default_methods.py [--n-jobs 2]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "rmbase" / "selection" / "default_methods.json"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-jobs", type=int, default=None)
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args(argv)
    from rmbase.io import atomic_write_text
    from rmbase.selection.default_method import compute_evidence

    evidence = compute_evidence(n_jobs=args.n_jobs)
    atomic_write_text(Path(args.out), json.dumps(evidence, indent=1, sort_keys=True) + "\n")
    for recipe, c in evidence["choice"].items():
        print(f"{recipe}: default {c['method']} (mean out-of-study Spearman {c['mean_spearman']:.3f} over "
              f"{', '.join(c['sets'])})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
