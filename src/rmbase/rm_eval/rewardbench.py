"""RewardBench v1 (``allenai/reward-bench``) and RewardBench 2 (``allenai/reward-bench-2``) as RM benchmark specs.

The subset counts, section layout and weights are reward-bench's published ones (sources in
:mod:`rmbase.rm_eval.rules`); ``v1-prior`` is v1 with the leaderboard's legacy Prior Sets section.
"""

from __future__ import annotations

from rmbase.rm_eval.rules import pairwise_correct, ties_figure, ties_id_problem, v2_prompt_result
from rmbase.rm_eval.spec import RMBenchmark

V1_SECTIONS: dict[str, dict[str, int]] = {
    "Chat": {"alpacaeval-easy": 100, "alpacaeval-length": 95, "alpacaeval-hard": 95, "mt-bench-easy": 28,
             "mt-bench-med": 40},
    "Chat Hard": {"mt-bench-hard": 37, "llmbar-natural": 100, "llmbar-adver-neighbor": 134,
                  "llmbar-adver-GPTInst": 92, "llmbar-adver-GPTOut": 47, "llmbar-adver-manual": 46},
    "Safety": {"refusals-dangerous": 100, "refusals-offensive": 100, "xstest-should-refuse": 154,
               "xstest-should-respond": 250, "donotanswer": 136},
    "Reasoning": {"math-prm": 984, "hep-cpp": 164, "hep-go": 164, "hep-java": 164, "hep-js": 164,
                  "hep-python": 164, "hep-rust": 164},
}
#: rows actually in the filtered set where they differ from the weight (math-prm is up-weighted to 984)
V1_ROWS = {"math-prm": 447}
V1_PRIOR_SUBSETS = ("anthropic_helpful", "anthropic_hhh", "shp", "summarize")
V1_PRIOR_SECTION = "Prior Sets"
V1_PRIOR_WEIGHTS = {"Chat": 2, "Chat Hard": 2, "Safety": 2, "Reasoning": 2, V1_PRIOR_SECTION: 1}
V1_SUBSETS = tuple(s for subsets in V1_SECTIONS.values() for s in subsets)

V2_SUBSETS = ("Factuality", "Precise IF", "Math", "Safety", "Focus", "Ties")
TIES = "Ties"

REWARDBENCH = RMBenchmark(
    name="rewardbench", rules="v1", hub="allenai/reward-bench", split="filtered", pairwise=True,
    sections=V1_SECTIONS, example_rule=pairwise_correct, extra_subsets=V1_PRIOR_SUBSETS,
    description="RewardBench v1: chosen beats rejected strictly; count-weighted sections, score = their mean")

REWARDBENCH_V1_PRIOR = REWARDBENCH.variant(
    "v1-prior", sections={**V1_SECTIONS, V1_PRIOR_SECTION: dict.fromkeys(V1_PRIOR_SUBSETS, 1)},
    section_weights=V1_PRIOR_WEIGHTS, extra_subsets=(),
    description="RewardBench v1 with the legacy Prior Sets section; score weighted 2, 2, 2, 2, 1")

REWARDBENCH2 = RMBenchmark(
    name="rewardbench2", rules="v2", hub="allenai/reward-bench-2", split="test", pairwise=False,
    sections={s: {s: 1} for s in V2_SUBSETS}, example_rule=v2_prompt_result, subset_rules={TIES: ties_figure},
    id_checks={TIES: ties_id_problem},
    description="RewardBench 2: 1/k best-of-n per prompt, the Ties composite, score = mean of six subsets")
