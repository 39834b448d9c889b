"""study.json's row builders: the analysed matrix (``design``), the out-of-fold rankings of the predictors
(``selection_predictions``) and their coverage curves (``selection_coverage``)."""

from __future__ import annotations


def design_table(data, X, y, target: str) -> dict:
    """The analysed matrix: per model its family (None when unknown), every feature and the target value."""
    models = data.models.set_index("model")
    family = models["family"].reindex(X.index) if "family" in models else None
    rows = [{"model": str(m),
             "family": None if family is None or not isinstance(family.loc[m], str) else family.loc[m],
             "features": {f: float(X.loc[m, f]) for f in X.columns}, "y": float(y.loc[m])} for m in X.index]
    return {"target": target, "features": list(X.columns), "rows": rows}


def prediction_rows(predictions: dict) -> list[dict]:
    """study.json ``selection_predictions``: per (method, validation, recipe) the out-of-fold ranking values per
    base (the predictions; for ``oll_average`` the feature itself, whose order needs no fit) and the actual score."""
    out = []
    for (method, scheme, recipe), (ranking, y) in predictions.items():
        out.append({"method": method, "validation": scheme, "recipe": recipe,
                    "ranked_by": "oll_average" if method == "oll_average" else "prediction",
                    "values": {str(m): float(v) for m, v in ranking.items()},
                    "actual": {str(m): float(v) for m, v in y.items()}})
    return out


def coverage_row(p: dict) -> dict:
    """study.json ``selection_coverage``: coverage@k (k = 1..n) of one predictor's out-of-fold ranking."""
    from rmbase.metrics import coverage_curve

    models = list(p["actual"])
    curve = coverage_curve([p["values"][m] for m in models], [p["actual"][m] for m in models])
    return {"method": p["method"], "validation": p["validation"], "recipe": p["recipe"],
            "coverage": [float(curve[k]) for k in sorted(curve)]}
