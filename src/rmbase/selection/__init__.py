"""Selection: predictors of RM quality from base-model features (scikit-learn estimators), honest validation,
recommendation and planning."""
