"""The Open LLM Leaderboard v2's six benchmarks: the one home of their rmbase names, their lm-eval groups and
metrics, and the leaderboard's display names. Every room imports them from here (nothing else spells them).

Plain Python (no pandas), so that any room may import it cheaply.
"""

from __future__ import annotations

#: rmbase name -> (lm-eval group, metric key as lm-eval writes it, the leaderboard's display name)
BENCHMARKS: dict[str, tuple[str, str, str]] = {
    "ifeval": ("leaderboard_ifeval", "prompt_level_strict_acc,none", "IFEval"),
    "bbh": ("leaderboard_bbh", "acc_norm,none", "BBH"),
    "math_lvl5": ("leaderboard_math_hard", "exact_match,none", "MATH Lvl 5"),
    "gpqa": ("leaderboard_gpqa", "acc_norm,none", "GPQA"),
    "musr": ("leaderboard_musr", "acc_norm,none", "MUSR"),
    "mmlu_pro": ("leaderboard_mmlu_pro", "acc,none", "MMLU-PRO"),
}
SIX: tuple[str, ...] = tuple(BENCHMARKS)
AVERAGE = "oll_average"

#: where each of the six lives in an lm-eval results JSON: (group / task name, metric key)
LM_EVAL_TASKS: dict[str, tuple[str, str]] = {b: (group, metric) for b, (group, metric, _) in BENCHMARKS.items()}
#: the leaderboard's display name of each of the six (its contents table's column names)
DISPLAY_NAMES: dict[str, str] = {b: display for b, (_, _, display) in BENCHMARKS.items()}
