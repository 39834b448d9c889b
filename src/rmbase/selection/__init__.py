"""Selection: predictors of RM quality from base-model features (scikit-learn estimators), honest validation,
recommendation and planning."""

from rmbase.selection.compare import METHODS, selection_table

__all__ = ["METHODS", "selection_table"]
