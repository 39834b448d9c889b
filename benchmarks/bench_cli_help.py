"""``--help`` of the commands whose options are built from their small configs (issue 19 §3), against the code
before that change, measured in the same run.

    python benchmarks/bench_cli_help.py [--baseline-ref c399a21] [--repeat 5]

A command built from its config imports the config module when its help is shown (``rmbase --help`` imports none).
Per command: the fastest of ``--repeat`` fresh processes (wall, CPU) for this checkout and for rmbase at
``--baseline-ref`` (git archive of its src/), and the ratio. The load average is printed before and after: on a
shared machine, compare CPU seconds. No target: the figure shows what building the help from the config costs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import REPO, baseline_src, env_for, machine_line, rmbase_cmd, run_measured  # noqa: E402

COMMANDS = (("--help",), ("benchmarks", "import", "--help"), ("benchmarks", "show", "--help"),
            ("evaluate", "summarize", "--help"), ("sweep", "run", "--help"), ("sweep", "collect", "--help"),
            ("report", "--help"), ("presence", "compare", "--help"))


def fastest(src: Path, args: tuple[str, ...], repeat: int):
    runs = [run_measured(rmbase_cmd(*args), env_for(src)) for _ in range(repeat)]
    failed = [m for m in runs if m.returncode != 0]
    return failed[0] if failed else min(runs, key=lambda m: m.cpu_s)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--baseline-ref", default="c399a21", help="git ref of the baseline rmbase")
    ap.add_argument("--repeat", type=int, default=5, help="runs of each command (the one with least CPU is kept)")
    args = ap.parse_args()
    print(f"machine: {machine_line()}")
    base_src = baseline_src(args.baseline_ref)
    for cli_args in COMMANDS:
        ours = fastest(REPO / "src", cli_args, args.repeat)
        print(f"rmbase {' '.join(cli_args)}\n  this checkout:   {ours.line()}")
        if base_src is not None:
            base = fastest(base_src, cli_args, args.repeat)
            print(f"  baseline {args.baseline_ref:<7} {base.line()}")
            if ours.returncode == 0 and base.returncode == 0:
                print(f"  ratio this checkout/baseline: wall x{ours.wall_s / base.wall_s:.2f}, "
                      f"CPU x{ours.cpu_s / base.cpu_s:.2f}")
    print(f"machine after: {machine_line()}")


if __name__ == "__main__":
    main()
