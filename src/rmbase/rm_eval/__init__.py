"""RM benchmarks as declarative specs (built in: RewardBench v1 and v2), their exact scoring rules as pure
functions, data loading and validation, a batch-invariant scorer, result files.

Public API (nothing heavy at import time; the scorer and the runner import torch/transformers inside their
functions)::

    RMBenchmark                      the spec of one RM benchmark (rmbase.rm_eval.spec)
    register(spec, *variants)        make a benchmark known by name; get_benchmark(name), get_rules(rules),
    benchmark_names(), rule_names()  (rmbase.rm_eval.registry)
    summarize(subset_accuracy, rules="v1", allow_partial=False) -> Summary
    subset_figures(records, rules) -> {subset: SubsetFigure};  detect_rules(subset names) -> rules
    v1_correct, v2_prompt_result, ties_score    RewardBench's per-example and Ties rules (rmbase.rm_eval.rules)
    summarize_file(path, rules=None)            sections from a file of figures (rmbase.rm_eval.summary_files)
"""

from rmbase.rm_eval.registry import (
    benchmark_names,
    detect_rules,
    get_benchmark,
    get_rules,
    register,
    rule_names,
    subset_figures,
    summarize,
    unregister,
)
from rmbase.rm_eval.rewardbench import (
    REWARDBENCH,
    REWARDBENCH2,
    REWARDBENCH_V1_PRIOR,
    TIES,
    V1_PRIOR_SECTION,
    V1_PRIOR_SUBSETS,
    V1_PRIOR_WEIGHTS,
    V1_ROWS,
    V1_SECTIONS,
    V1_SUBSETS,
    V2_SUBSETS,
)
from rmbase.rm_eval.rules import (
    SubsetFigure,
    Summary,
    pairwise_correct,
    ties_score,
    v1_correct,
    v2_prompt_result,
)
from rmbase.rm_eval.spec import RMBenchmark
from rmbase.rm_eval.summary_files import summarize_file

__all__ = ["REWARDBENCH", "REWARDBENCH2", "REWARDBENCH_V1_PRIOR", "TIES", "V1_PRIOR_SECTION", "V1_PRIOR_SUBSETS",
           "V1_PRIOR_WEIGHTS", "V1_ROWS", "V1_SECTIONS", "V1_SUBSETS", "V2_SUBSETS", "RMBenchmark", "SubsetFigure",
           "Summary", "benchmark_names", "detect_rules", "get_benchmark", "get_rules", "pairwise_correct",
           "register", "rule_names", "subset_figures", "summarize", "summarize_file", "ties_score", "unregister",
           "v1_correct", "v2_prompt_result"]

