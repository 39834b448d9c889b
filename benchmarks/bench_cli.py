"""The interactive commands, cold, against the code before issue 21 measured in the same run.

    python benchmarks/bench_cli.py [--baseline-ref 05a39ae] [--repeat 3] [--no-baseline]

Targets (issue 21), each a fresh process on the bundled data:

| command | target |
|---|---|
| ``rmbase --help`` | <= 0.5 s wall |
| ``rmbase recommend --max-params 9 --top 10`` | <= 2 s wall |
| ``rmbase plan --candidates A,B,C,D`` (4 bundled bases) | <= 2 s wall |

Per command: the fastest of ``--repeat`` runs (wall, CPU of the process and its workers, peak RSS, peak PSS of the
process tree) for this checkout and for rmbase at ``--baseline-ref`` (git archive of its src/), and the ratio. The
load average is printed before and after: on a shared machine, compare CPU seconds.

``recommend`` and ``plan`` keep results in a per-user cache (``$RMBASE_CACHE_DIR``: the harmonised feature table, the
slow predictors' out-of-fold predictions). Each is measured **cold** (every run with a new, empty cache folder: what
the targets count, a first call on a fresh install) and **warm** (a run that fills a cache folder first, then the
measured runs read it: every later call). ``--cold-repeat`` runs of the cold ones (cold ``recommend`` computes the
nested out-of-fold predictions of five targets: tens of CPU seconds).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
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

BASELINE_REF = "05a39ae"  # main before the speed work of issue 21
PLAN_BASES = ("Qwen2.5-7B-Instruct", "Llama-3.1-8B-Instruct", "gemma-2-9b-it", "Mistral-7B-Instruct-v0.3")
RECOMMEND = ("recommend", "--max-params", "9", "--top", "10")
PLAN = ("plan", "--candidates", ",".join(PLAN_BASES))
# name: (arguments, target in s wall, cache: None (reads none) | "cold" | "warm")
COMMANDS = {
    "rmbase --help": (("--help",), 0.5, None),
    "rmbase recommend --max-params 9 --top 10, cold (empty cache)": (RECOMMEND, 2.0, "cold"),
    "rmbase recommend --max-params 9 --top 10, warm": (RECOMMEND, 2.0, "warm"),
    f"rmbase plan --candidates ({len(PLAN_BASES)} bases), cold (empty cache)": (PLAN, 2.0, "cold"),
    f"rmbase plan --candidates ({len(PLAN_BASES)} bases), warm": (PLAN, 2.0, "warm"),
}


def fastest(src: Path, args: tuple[str, ...], repeat: int, cache: str | None = None):
    """The fastest of ``repeat`` fresh processes; ``cache`` "cold": each with a new empty cache folder, "warm":
    all reading one folder that a first, unmeasured run filled."""
    runs = []
    with tempfile.TemporaryDirectory(prefix="rmbase-bench-cache-") as tmp:
        env = env_for(src)
        if cache == "warm":
            env["RMBASE_CACHE_DIR"] = str(Path(tmp) / "warm")
            run_measured(rmbase_cmd(*args), env)
        for i in range(repeat):
            if cache == "cold":
                env["RMBASE_CACHE_DIR"] = str(Path(tmp) / f"cold-{i}")
            m = run_measured(rmbase_cmd(*args), env)
            if m.returncode != 0:
                return m
            runs.append(m)
    return min(runs, key=lambda m: m.wall_s)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--baseline-ref", default=BASELINE_REF, help="git ref of the baseline rmbase")
    ap.add_argument("--no-baseline", action="store_true", help="measure this checkout only")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each command (the fastest is kept)")
    ap.add_argument("--cold-repeat", type=int, default=1, help="runs of each cold command (the fastest is kept)")
    args = ap.parse_args()

    print(f"machine: {machine_line()}")
    base_src = None if args.no_baseline else baseline_src(args.baseline_ref)
    for name, (cli_args, target, cache) in COMMANDS.items():
        repeat = args.cold_repeat if cache == "cold" else args.repeat
        ours = fastest(REPO / "src", cli_args, repeat, cache)
        base = None if base_src is None else fastest(base_src, cli_args, repeat, cache)
        print_comparison(name, ours, base, args.baseline_ref, target)
    print(f"machine after: {machine_line()}")


if __name__ == "__main__":
    main()
