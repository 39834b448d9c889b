"""benchmarks/gpu_checks.sh end to end on CPU, small sizes: every check runs against its baseline and the JSON file
holds the figures and the device name (the same code paths a GPU node runs at full sizes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("trl")

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "gpu_checks.sh"


def test_gpu_checks_run_end_to_end_on_cpu(tmp_path):
    out = tmp_path / "checks.json"
    env = dict(os.environ, PYTHON=sys.executable, OMP_NUM_THREADS="1")
    run = subprocess.run(["bash", str(SCRIPT), "--device", "cpu", "--size", "small", "--out", str(out),
                          "--work", str(tmp_path / "work")], env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["device"].startswith("CPU") and report["size"] == "small" and report["random_weights"]
    assert set(report["models"]) == {"smollm2_135m", "llama_1b"}
    for name, model in report["models"].items():
        assert model["parameters"] > 0, name
        assert model["architecture"]["hidden_size"] < 100  # the small stand-ins of the two architectures
        for check in ("scorer", "presence"):
            part = model[check]
            assert part["texts" if check == "scorer" else "docs"] > 0
            assert part["ratio"] > 0 and part["max_abs_score_difference"] <= 1e-4, (name, check, part)
        runs = model["training"]["runs"]
        assert set(runs) == {"float32", "bfloat16"}
        assert all(r["train_tokens"] > 0 and r["steps"] == 2 and r["peak_device_gib"] is None for r in runs.values())
        assert model["training"]["bf16_over_fp32_tokens_per_s"] == pytest.approx(
            runs["bfloat16"]["tokens_per_s"] / runs["float32"]["tokens_per_s"], rel=1e-2)
        probe = model["probe"]
        assert probe["pairs"] == 16 and probe["train_seconds_one_epoch"] == runs["float32"]["train_seconds"]
        study = probe["study_sizes"]  # read from examples/paper-2505.10775.yaml and rmbase probe's default
        assert min(study.values()) > 1
        expected = (probe["train_seconds_per_pair"] * study["train_pairs"] * study["learning_rates"]) / (
            probe["probe_seconds_per_pair"] * study["probe_pairs"])
        assert probe["ratio_at_study_sizes"] == pytest.approx(expected, rel=1e-2)
    assert not (tmp_path / "work" / "smollm2_135m").exists()  # the models it built are removed

