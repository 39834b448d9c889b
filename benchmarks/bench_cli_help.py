"""``rmbase --help`` and the help of each command whose options are built from its config, cold, against the code
before issue 19's CLI builder measured in the same run.

    python benchmarks/bench_cli_help.py [--baseline-ref c399a21] [--repeat 5] [--no-baseline]

The options of a converted command are built when the command is used, not when ``rmbase`` starts: ``rmbase --help``
imports no config module (target <= 0.5 s wall, issue 21), and a command's ``--help`` imports its config's module
only (pydantic, no numpy/pandas). Per command: the fastest of ``--repeat`` fresh processes (wall, CPU, peak RSS)
for this checkout and for rmbase at ``--baseline-ref`` (git archive of its src/), and the ratio. The load average
is printed before and after: on a shared machine, compare CPU seconds.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import (  # noqa: E402
    REPO,
    baseline_src,
    env_for,
    machine_line,
    print_comparison,
    rmbase_cmd,
    run_measured,
)

BASELINE_REF = "c399a21"  # main before the options were built from the configs (issue 19, session 5)
COMMANDS = {"rmbase --help": ((), 0.5), **{f"rmbase {c} --help": (tuple(c.split()), None) for c in (
    "train", "evaluate", "probe", "presence score", "benchmarks run", "study",
    "benchmarks import", "benchmarks show", "evaluate summarize", "sweep run", "sweep status", "sweep collect",
    "report", "presence compare", "presence features")}}


def fastest(src: Path, args: tuple[str, ...], repeat: int):
    runs = [run_measured(rmbase_cmd(*args, "--help"), env_for(src)) for _ in range(repeat)]
    failed = [m for m in runs if m.returncode != 0]
    return failed[0] if failed else min(runs, key=lambda m: m.wall_s)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--baseline-ref", default=BASELINE_REF, help="git ref of the baseline rmbase")
    ap.add_argument("--no-baseline", action="store_true", help="measure this checkout only")
    ap.add_argument("--repeat", type=int, default=5, help="runs of each command (the fastest is kept)")
    args = ap.parse_args()

    print(f"machine: {machine_line()}")
    base_src = None if args.no_baseline else baseline_src(args.baseline_ref)
    for name, (cli_args, target) in COMMANDS.items():
        ours = fastest(REPO / "src", cli_args, args.repeat)
        base = None if base_src is None else fastest(base_src, cli_args, args.repeat)
        print_comparison(name, ours, base, args.baseline_ref, target)
    print(f"machine after: {machine_line()}")


if __name__ == "__main__":
    main()
