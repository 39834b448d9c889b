"""Every lm-eval task name of the suites exists in the installed lm-evaluation-harness."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rmbase.benchmarks.suites import STUDY_EXTRA, SUITES, suite
from rmbase.errors import InputError


def _installed_task_names() -> set[str]:
    lm_eval = pytest.importorskip("lm_eval")
    names: set[str] = set()
    pattern = re.compile(r"^(?:task|group)\s*:\s*([A-Za-z0-9_\-]+)\s*$", re.MULTILINE)
    for f in (Path(lm_eval.__file__).parent / "tasks").rglob("*.yaml"):
        names.update(pattern.findall(f.read_text(encoding="utf-8", errors="replace")))
    return names


def test_suite_tasks_exist_in_lm_eval():
    names = _installed_task_names()
    assert "leaderboard_bbh" in names  # the scan itself works
    missing = sorted({t for specs in SUITES.values() for s in specs if s.runner == "lm_eval" for t in s.tasks}
                     - names)
    assert missing == []


def test_study_suite_covers_the_study_list():
    names = {s.benchmark for s in suite("study")}
    for b in ("ifeval", "winogrande", "hellaswag", "openbookqa", "triviaqa", "squadv2", "drop", "boolq", "anli",
              "truthfulqa", "commonsenseqa", "piqa", "siqa", "nq_open", "agieval", "arc_challenge", "bbh", "gpqa",
              "mmlu_pro", "musr", "medqa", "mmlu", "gsm8k", "math_lvl5", "crows_pairs", "toxigen", "qasper",
              "humaneval_plus", "mbpp_plus"):
        assert b in names, b
    assert {s.runner for s in STUDY_EXTRA} == {"lm_eval", "evalplus"}
    with pytest.raises(InputError, match="unknown suite"):
        suite("nope")
