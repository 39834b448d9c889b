"""Selection: predictors of RM quality from base-model features (scikit-learn estimators), honest validation,
recommendation and planning."""

from rmbase.selection.compare import METHODS, selection_table
from rmbase.selection.external import external_validation

__all__ = ["METHODS", "external_validation", "selection_table"]
