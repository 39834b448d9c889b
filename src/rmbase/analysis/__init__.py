"""Analyses of the study: gains over the default choice, correlations, coverage, the benchmark combination,
post-training stages, PCA of benchmarks and the agreement of recipes."""

from rmbase.analysis.combination import combination_analysis, start_combination
from rmbase.analysis.correlations import correlation_table
from rmbase.analysis.coverage import coverage_table, study_filter
from rmbase.analysis.gains import gains_over_default
from rmbase.analysis.pca import pca_summary
from rmbase.analysis.post_training import post_training_table
from rmbase.analysis.recipes import recipe_comparison

__all__ = ["combination_analysis", "correlation_table", "coverage_table", "gains_over_default", "pca_summary",
           "post_training_table", "recipe_comparison", "start_combination", "study_filter"]
