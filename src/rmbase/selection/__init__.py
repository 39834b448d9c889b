"""Selection: predictors of RM quality from base-model features (scikit-learn estimators), honest validation,
recommendation and planning. ``METHODS``, ``selection_table`` and ``external_validation`` are imported on first use
(scikit-learn comes with them), so that a module of the package (the planner) loads without them."""

__all__ = ["METHODS", "external_validation", "selection_table"]


def __getattr__(name: str):
    if name in ("METHODS", "selection_table"):
        from rmbase.selection import compare

        return getattr(compare, name)
    if name == "external_validation":
        from rmbase.selection.external import external_validation

        return external_validation
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
