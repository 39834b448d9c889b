"""scripts/audit_bundled.py: every bundled number against its independent sources (needs ../shared/data)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
AUDIT = REPO / "scripts" / "audit_bundled.py"


def _run(shared_root: Path, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, str(AUDIT), "--shared", str(shared_root)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_no_unlisted_disagreement_and_every_check_reports(shared):
    audit = _run(shared("open_llm_leaderboard_v2_eee").parent)
    assert audit.returncode == 0, audit.stdout[-4000:] + audit.stderr[-2000:]
    assert "[FAIL]" not in audit.stdout and "UNLISTED" not in audit.stdout
    assert "every disagreement beyond tolerance is listed with its reason" in audit.stdout
    lines = [ln for ln in audit.stdout.splitlines() if ln.startswith("[ok]")]
    assert len(lines) >= 20
    assert all("tolerance" in ln and "max |disagreement|" in ln for ln in lines)
    # the runs whose MATH Lvl 5 stays pre-Math-Verify are listed with the reason
    assert "listed: meta-llama_Meta-Llama-3.1-8B-Instruct_bfloat16" in audit.stdout
    assert "the final table has no bfloat16" in audit.stdout


def test_issue_examples_are_the_final_values():
    from rmbase.benchmarks import load_bundled_wide
    from rmbase.datasets import load_bundled

    study = load_bundled().feature_matrix()
    wide = load_bundled_wide()
    for name, hf_id, before, after in (("Qwen2.5-7B-Instruct", "Qwen/Qwen2.5-7B-Instruct", 0.0, 50.0),
                                       ("Qwen2.5-3B-Instruct", "Qwen/Qwen2.5-3B-Instruct", 0.0, 36.78),
                                       ("gemma-2-9b-it", "google/gemma-2-9b-it", 0.226586, 19.49),
                                       ("Phi-3-small-8k-instruct", "microsoft/Phi-3-small-8k-instruct", 2.843014, 18.87)):
        assert study.loc[name, "math_lvl5"] == pytest.approx(after)
        assert wide.loc[hf_id, "math_lvl5"] == pytest.approx(after)
        rows = pd.read_csv(REPO / "src/rmbase/datasets/paper_2505_10775/benchmark_rows.csv").set_index("model")
        assert rows.loc[name, "math_lvl5_contents"] == pytest.approx(before)
        assert rows.loc[name, "math_lvl5_source"] == "final"


def test_a_corrupted_bundled_value_fails_the_audit(shared, tmp_path):
    """Copy the scripts and datasets, change one bundled IFEval by 0.5 points: the audit must exit 1 and name it."""
    root = shared("open_llm_leaderboard_v2_eee").parent

    repo = tmp_path / "repo"
    shutil.copytree(REPO / "scripts", repo / "scripts")
    shutil.copytree(REPO / "src" / "rmbase" / "datasets", repo / "src" / "rmbase" / "datasets",
                    ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    scores = repo / "src/rmbase/datasets/leaderboard_v2/scores.csv"
    df = pd.read_csv(scores)
    hit = (df.model == "google/gemma-2-9b-it") & (df.benchmark == "ifeval")
    df.loc[hit, "value"] += 0.5
    df.to_csv(scores, index=False)
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.run([sys.executable, str(repo / "scripts" / "audit_bundled.py"), "--shared", str(root)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "UNLISTED: leaderboard_v2:google/gemma-2-9b-it ifeval" in proc.stdout


def test_absent_shared_folder_exits_2(tmp_path):
    proc = _run(tmp_path / "nowhere")
    assert proc.returncode == 2 and "shared data folder not found" in proc.stderr
