"""Write tests/golden/study_bundled.json: the numbers of study.json on the bundled data, as a reference.

    python scripts/make_study_golden.py [--from STUDY_JSON]

Run ONCE, from the code before the speed work of issue 21 (commit 05a39ae), to freeze what study.json said then;
tests/test_study_golden.py compares every later study.json with it (1e-6, per-key exceptions listed in the test).
Do not rerun it to make that test pass: a number that moves is what the test is there to catch. Rerun it only when a
change of the numbers is intended and explained (say so in the commit message).

Everything in study.json is kept except ``provenance`` (versions, dates, timings).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

GOLDEN = Path(__file__).resolve().parents[1] / "tests" / "golden" / "study_bundled.json"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--from", dest="source", type=Path, default=None,
                    help="an existing study.json of the bundled data (default: run the study now)")
    args = ap.parse_args()
    if args.source is not None:
        study = json.loads(args.source.read_text())
    else:
        from rmbase.study import StudyConfig, run_study

        study = json.loads(json.dumps(run_study(StudyConfig())))  # the types study.json holds
    study.pop("provenance", None)
    from rmbase import __version__

    golden = {"_about": f"study.json of `rmbase study` on the bundled data (rmbase {__version__}, default config), "
                        "written by scripts/make_study_golden.py; provenance left out",
              "study": study}
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    GOLDEN.write_text(json.dumps(golden, indent=1, sort_keys=False) + "\n")
    print(f"wrote {GOLDEN}")


if __name__ == "__main__":
    main()
