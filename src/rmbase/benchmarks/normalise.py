"""Open LLM Leaderboard v2 normalisation: raw harness accuracies (0-1) -> leaderboard scores (0-100).

Per task ``f(x, lo) = max(x - lo, 0) / (1 - lo) * 100`` with ``lo`` = 1 / number of choices (the random baseline):

- BBH: each of its 24 subtasks is normalised with its own number of choices, then the 24 are averaged;
- MuSR: murder mysteries (lo 1/2), object placements (1/5), team allocation (1/3), then averaged;
- GPQA: lo = 1/4 on the group's acc_norm; MMLU-Pro: lo = 1/10 on acc;
- IFEval: mean of prompt-level and instruction-level strict accuracy x 100 (no baseline);
- MATH Lvl 5: exact match x 100 (no baseline);
- the average is the mean of the six.

The numbers of choices are those of the ``leaderboard_*`` task YAMLs of lm-evaluation-harness (``doc_to_choice``).
"""

from __future__ import annotations

from collections.abc import Mapping

from rmbase.benchmarks.leaderboard import AVERAGE, LM_EVAL_TASKS, SIX

# lm-eval subtask name (without the ``leaderboard_bbh_`` prefix) -> number of answer choices
BBH_CHOICES: dict[str, int] = {
    "boolean_expressions": 2, "causal_judgement": 2, "date_understanding": 6, "disambiguation_qa": 3,
    "formal_fallacies": 2, "geometric_shapes": 11, "hyperbaton": 2, "logical_deduction_five_objects": 5,
    "logical_deduction_seven_objects": 7, "logical_deduction_three_objects": 3, "movie_recommendation": 6,
    "navigate": 2, "object_counting": 19, "penguins_in_a_table": 5, "reasoning_about_colored_objects": 18,
    "ruin_names": 6, "salient_translation_error_detection": 6, "snarks": 2, "sports_understanding": 2,
    "temporal_sequences": 4, "tracking_shuffled_objects_five_objects": 5,
    "tracking_shuffled_objects_seven_objects": 7, "tracking_shuffled_objects_three_objects": 3, "web_of_lies": 2,
}
MUSR_CHOICES: dict[str, int] = {"murder_mysteries": 2, "object_placements": 5, "team_allocation": 3}
GPQA_CHOICES = 4
MMLU_PRO_CHOICES = 10

# benchmarks whose leaderboard score is a function of the aggregate raw value alone, with their baseline
AGGREGATE_BASELINE: dict[str, float] = {"ifeval": 0.0, "math_lvl5": 0.0, "gpqa": 1 / GPQA_CHOICES,
                                        "mmlu_pro": 1 / MMLU_PRO_CHOICES}
EXACT_FROM_AGGREGATE = tuple(AGGREGATE_BASELINE)
# benchmarks that need per-subtask raw values (an aggregate accuracy does not determine the score)
NEED_SUBTASKS = ("bbh", "musr")

IFEVAL_INST_KEY = "inst_level_strict_acc,none"


def normalise_score(x: float, lo: float) -> float:
    """Leaderboard normalisation of one raw accuracy ``x`` (0-1) against the random baseline ``lo``."""
    if not 0.0 <= lo < 1.0:
        raise ValueError(f"baseline must be in [0, 1), got {lo}")
    return max(float(x) - lo, 0.0) / (1.0 - lo) * 100.0


def bbh_score(subtask_acc_norm: Mapping[str, float]) -> float:
    """BBH: mean over the 24 subtasks of each one's normalised acc_norm; every subtask must be present."""
    missing = sorted(set(BBH_CHOICES) - set(subtask_acc_norm))
    if missing:
        raise KeyError(f"BBH subtask(s) missing: {', '.join(missing)}")
    return sum(normalise_score(subtask_acc_norm[k], 1 / n) for k, n in BBH_CHOICES.items()) / len(BBH_CHOICES)


def musr_score(subtask_acc_norm: Mapping[str, float]) -> float:
    """MuSR: mean over its three subtasks of each one's normalised acc_norm."""
    missing = sorted(set(MUSR_CHOICES) - set(subtask_acc_norm))
    if missing:
        raise KeyError(f"MuSR subtask(s) missing: {', '.join(missing)}")
    return sum(normalise_score(subtask_acc_norm[k], 1 / n) for k, n in MUSR_CHOICES.items()) / len(MUSR_CHOICES)


def ifeval_score(prompt_level_strict: float, inst_level_strict: float) -> float:
    return (float(prompt_level_strict) + float(inst_level_strict)) / 2 * 100.0


def normalise_aggregate(benchmark: str, raw: float) -> float:
    """Normalise an aggregate raw value where that is exact (IFEval given as the strict-accuracy mean, MATH Lvl 5,
    GPQA, MMLU-Pro). BBH and MuSR raise: their score needs per-subtask values (see :data:`NEED_SUBTASKS`)."""
    if benchmark in AGGREGATE_BASELINE:
        return normalise_score(raw, AGGREGATE_BASELINE[benchmark])
    if benchmark in NEED_SUBTASKS:
        raise ValueError(f"{benchmark} cannot be normalised from an aggregate accuracy: the leaderboard normalises "
                         "each subtask with its own number of choices")
    raise ValueError(f"no leaderboard normalisation for benchmark {benchmark!r}")


def leaderboard_from_lm_eval(results: Mapping[str, Mapping[str, float]]) -> tuple[dict[str, float], dict[str, float],
                                                                                 list[str]]:
    """The six scores from the ``results`` section of an lm-eval results JSON.

    Returns ``(normalised, raw, problems)``: ``normalised`` maps each benchmark that could be computed to its 0-100
    score; ``raw`` holds the aggregate raw value (0-1) as the harness reports it; ``problems`` lists what was
    present but incomplete (e.g. BBH with missing subtasks, IFEval without instruction-level accuracy).
    """
    normalised: dict[str, float] = {}
    raw: dict[str, float] = {}
    problems: list[str] = []

    def metric(task: str, key: str) -> float | None:
        v = results.get(task, {}).get(key)
        if v is None or isinstance(v, str):
            return None
        return float(v)

    for bench, (task, key) in LM_EVAL_TASKS.items():
        v = metric(task, key)
        if v is not None:
            raw[bench] = v
    # IFEval
    p, i = metric("leaderboard_ifeval", "prompt_level_strict_acc,none"), metric("leaderboard_ifeval", IFEVAL_INST_KEY)
    if p is not None and i is not None:
        normalised["ifeval"] = ifeval_score(p, i)
        raw["ifeval"] = (p + i) / 2
    elif p is not None or i is not None or "leaderboard_ifeval" in results:
        problems.append("ifeval: needs both prompt_level_strict_acc and inst_level_strict_acc")
    # subtask-based
    for bench, prefix, table, fn in (("bbh", "leaderboard_bbh_", BBH_CHOICES, bbh_score),
                                     ("musr", "leaderboard_musr_", MUSR_CHOICES, musr_score)):
        subs = {k: v for k in table if (v := metric(prefix + k, "acc_norm,none")) is not None}
        if len(subs) == len(table):
            normalised[bench] = fn(subs)
        elif subs or f"leaderboard_{bench}" in results:
            missing = sorted(set(table) - set(subs))
            problems.append(f"{bench}: {len(missing)} of {len(table)} subtasks missing (e.g. {missing[0]})")
    for bench in ("math_lvl5", "gpqa", "mmlu_pro"):
        group, key = LM_EVAL_TASKS[bench]
        if bench in raw:
            normalised[bench] = normalise_aggregate(bench, raw[bench])
        elif group in results:
            problems.append(f"{bench}: metric {key} missing in {group}")
        elif any(t.startswith(group.removesuffix("_hard") + "_") for t in results):
            problems.append(f"{bench}: subtasks without the {group} group result (run the group, whose "
                            "size-weighted mean the leaderboard uses)")
    if all(b in normalised for b in SIX):
        normalised[AVERAGE] = sum(normalised[b] for b in SIX) / len(SIX)
    return normalised, raw, problems
