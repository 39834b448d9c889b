"""RM benchmarks (today RewardBench v1 and v2): exact scoring rules, data loading and validation, a batch-invariant scorer, result files.

The rules (:mod:`.rules`) are pure functions and import nothing heavy; the scorer (:mod:`.scorer`) and the runner
(:mod:`.runner`) import torch/transformers inside their functions.
"""

from rmbase.rm_eval.rules import (
    RULES,
    V1_SECTIONS,
    V2_SUBSETS,
    Summary,
    subset_figures,
    summarize,
    ties_score,
    v1_correct,
    v2_prompt_result,
)

__all__ = ["RULES", "V1_SECTIONS", "V2_SUBSETS", "Summary", "subset_figures", "summarize", "ties_score",
           "v1_correct", "v2_prompt_result"]
