"""Time to build report.html and figures/ from a study.json (what `rmbase report DIR` does), against a baseline
measured in the same run.

    python benchmarks/bench_report.py [DIR]      # DIR holds a study.json; default: run a study into a temp folder

Target (issue 14): building the report from study.json takes under 10 s.
Baseline: loading study.json and importing matplotlib (the least any figure-drawing report must do) plus rendering
summary.md from the same dict; the ratio says how much the figures and the page cost on top of that floor.
Reported: wall and CPU seconds of each, and per figure (CPU seconds: the machine may be shared).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASELINE = """
import json, sys, time
t0, c0 = time.perf_counter(), time.process_time()
study = json.loads(open(sys.argv[1]).read())
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot
from rmbase.report.summary import render_summary
render_summary(study)
print(json.dumps([time.perf_counter() - t0, time.process_time() - c0]))
"""

BUILD = """
import json, sys, time
t0, c0 = time.perf_counter(), time.process_time()
from rmbase.report import rebuild_report
rebuild_report(sys.argv[1])
print(json.dumps([time.perf_counter() - t0, time.process_time() - c0]))
"""


def _run(code: str, arg: str) -> tuple[float, float]:
    """Run in a fresh interpreter (cold imports, as a user's `rmbase report` meets them)."""
    out = subprocess.run([sys.executable, "-c", code, arg], capture_output=True, text=True, check=True)
    return tuple(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("dir", nargs="?", type=Path)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    folder = args.dir
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="bench-report-")) / "study"
        print(f"running `rmbase study --out {folder}` first (not timed)...", flush=True)
        subprocess.run([sys.executable, "-m", "rmbase.cli", "study", "--out", str(folder)], check=True,
                       stdout=subprocess.DEVNULL)
    study_json = folder / "study.json"

    base = [_run(BASELINE, str(study_json)) for _ in range(args.repeats)]
    build = [_run(BUILD, str(folder)) for _ in range(args.repeats)]
    b_wall, b_cpu = min(w for w, _ in base), min(c for _, c in base)
    r_wall, r_cpu = min(w for w, _ in build), min(c for _, c in build)
    print(f"baseline (load study.json + import matplotlib + summary.md): wall {b_wall:.2f} s, CPU {b_cpu:.2f} s")
    print(f"build report.html + figures/ from study.json:               wall {r_wall:.2f} s, CPU {r_cpu:.2f} s "
          f"(target < 10 s)")
    print(f"ratio build / baseline: wall {r_wall / b_wall:.1f}x, CPU {r_cpu / b_cpu:.1f}x "
          f"(best of {args.repeats} fresh processes each)")

    from rmbase.report.figures import study_figures
    from rmbase.report.plotting import pyplot, render

    pyplot()
    study = json.loads(study_json.read_text())
    with tempfile.TemporaryDirectory() as tmp:
        for spec in study_figures(study):
            c0 = time.process_time()
            render(spec, Path(tmp))
            print(f"  {spec.name:<20} {time.process_time() - c0:6.2f} s CPU (SVG + PNG at 200 dpi)")
    page = (folder / "report.html").stat().st_size
    print(f"report.html: {page / 1e6:.2f} MB, {len(list((folder / 'figures').glob('*.png')))} figures")


if __name__ == "__main__":
    main()
