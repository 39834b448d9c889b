"""Benchmark suites: rmbase benchmark names -> lm-evaluation-harness tasks (name, metric, shots) or EvalPlus.

``leaderboard`` is the Open LLM Leaderboard v2 (the six ``leaderboard_*`` groups, their own shots, chat template
for instruct models). ``study`` is the benchmark list of arXiv 2505.10775 (section 5); its leaderboard benchmarks
use the leaderboard tasks (so their scores are on the leaderboard scale) and MATH is MATH Lvl 5.
Every lm-eval task name here exists in lm-eval 0.4.13 (checked by ``tests/benchmarks/test_suites.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from rmbase.benchmarks.leaderboard import LM_EVAL_TASKS


@dataclass(frozen=True)
class TaskSpec:
    """One benchmark of a suite. ``tasks``: lm-eval task or group names whose ``metric`` values are averaged (one
    task for nearly all); ``filter``: the lm-eval filter name of the metric key (``metric,filter``), ``None`` takes the
    first filter the results carry; ``percent``: the harness reports 0-100 (divided by 100 on import);
    ``lower_is_better`` is recorded in docs only. ``runner`` is ``lm_eval`` or ``evalplus``."""

    benchmark: str
    tasks: tuple[str, ...]
    metric: str
    filter: str | None = "none"
    num_fewshot: int | None = None       # None = the task's own default
    percent: bool = False
    runner: str = "lm_eval"
    lower_is_better: bool = False


def _leaderboard_spec(benchmark: str, group: str, key: str) -> TaskSpec:
    metric, _, filter_name = key.partition(",")
    return TaskSpec(benchmark, (group,), metric, filter=filter_name)


# the six, their groups and metrics from their one home (rmbase.benchmarks.leaderboard)
LEADERBOARD: tuple[TaskSpec, ...] = tuple(_leaderboard_spec(b, group, key) for b, (group, key) in LM_EVAL_TASKS.items())

STUDY_EXTRA: tuple[TaskSpec, ...] = (
    TaskSpec("winogrande", ("winogrande",), "acc", num_fewshot=5),
    TaskSpec("hellaswag", ("hellaswag",), "acc_norm", num_fewshot=10),
    TaskSpec("openbookqa", ("openbookqa",), "acc_norm"),
    TaskSpec("triviaqa", ("triviaqa",), "exact_match", filter="remove_whitespace"),
    TaskSpec("squadv2", ("squadv2",), "f1", percent=True),
    TaskSpec("drop", ("drop",), "f1"),
    TaskSpec("boolq", ("boolq",), "acc"),
    TaskSpec("anli", ("anli_r1", "anli_r2", "anli_r3"), "acc"),
    TaskSpec("truthfulqa", ("truthfulqa_mc2",), "acc"),
    TaskSpec("commonsenseqa", ("commonsense_qa",), "acc"),
    TaskSpec("piqa", ("piqa",), "acc_norm"),
    TaskSpec("siqa", ("social_iqa",), "acc"),
    TaskSpec("nq_open", ("nq_open",), "exact_match", filter="remove_whitespace"),
    TaskSpec("agieval", ("agieval_en",), "acc"),
    TaskSpec("arc_challenge", ("arc_challenge",), "acc_norm", num_fewshot=25),
    TaskSpec("medqa", ("medqa_4options",), "acc"),
    TaskSpec("mmlu", ("mmlu",), "acc", num_fewshot=5),
    TaskSpec("gsm8k", ("gsm8k",), "exact_match", filter="strict-match", num_fewshot=5),
    TaskSpec("crows_pairs", ("crows_pairs_english",), "pct_stereotype", lower_is_better=True),
    TaskSpec("toxigen", ("toxigen",), "acc"),
    TaskSpec("qasper", ("qasper_bool",), "f1"),
    TaskSpec("humaneval_plus", ("humaneval",), "pass@1", runner="evalplus"),
    TaskSpec("mbpp_plus", ("mbpp",), "pass@1", runner="evalplus"),
)

SUITES: dict[str, tuple[TaskSpec, ...]] = {
    "leaderboard": LEADERBOARD,
    "study": LEADERBOARD + STUDY_EXTRA,
}

# EvalPlus writes base-test and plus-test pass@1 for each dataset
EVALPLUS_BENCHMARKS = {"humaneval": ("humaneval", "humaneval_plus"), "mbpp": ("mbpp", "mbpp_plus")}


def suite(name: str) -> tuple[TaskSpec, ...]:
    from rmbase.errors import InputError

    if name not in SUITES:
        raise InputError(f"unknown suite {name!r}", expected=f"one of {', '.join(SUITES)}")
    return SUITES[name]


def lm_eval_specs() -> dict[str, TaskSpec]:
    """Every lm-eval task name of every suite -> its spec (the importer's lookup of non-leaderboard tasks)."""
    out: dict[str, TaskSpec] = {}
    for spec in (*LEADERBOARD, *STUDY_EXTRA):
        if spec.runner == "lm_eval":
            for task in spec.tasks:
                out[task] = spec
    return out
