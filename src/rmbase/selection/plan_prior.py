"""What ``rmbase plan`` knows before the user's own results: the study's published results of the same recipe as
prior evidence (:func:`study_evidence`, used by :meth:`rmbase.selection.plan.BayesLinearSurrogate.condition_on`),
and the words that explain the acquisition value it prints."""

from __future__ import annotations

import pandas as pd


def file_recipe(path: str) -> str | None:
    """The one recipe a results file names (a ``recipe`` column with one value), else None."""
    from rmbase.io import read_table

    df = read_table(path)
    df.columns = [str(c).strip() for c in df.columns]
    if "recipe" in df and df["recipe"].nunique() == 1:
        return str(df["recipe"].iloc[0]).strip()
    return None


def study_evidence(data, recipe: str | None, trained: pd.Series | None, features) -> tuple[tuple | None, dict]:
    """The study's published results of ``recipe`` as prior evidence for the planner: (features, scores) of its
    bases, less those the user trained (the user's result wins for the same base), and a record of what was used
    (or why nothing was)."""
    from rmbase.model_ids import canonical_model_id

    record = {"used": False, "dataset": data.name, "recipe": recipe}
    recipes = sorted(data.results.recipe.unique())
    if recipe is None:
        record["reason"] = ("no recipe given (--recipe, or a recipe column in --trained): the study's results are "
                            f"evidence only for the same recipe ({', '.join(recipes)})")
        return None, record
    if recipe not in recipes:
        record["reason"] = f"the study has no results for recipe {recipe!r} (it has {', '.join(recipes)})"
        return None, record
    X, y, dropped = data.design(recipe, "score", drop_missing=True)
    models = data.models.set_index("model")
    hf = models["hf_id"].reindex(X.index) if "hf_id" in models else pd.Series(X.index, index=X.index)
    user = {canonical_model_id(m) for m in (trained.index if trained is not None else [])}
    mine = [m for m in X.index if canonical_model_id(str(hf.get(m) or m)) in user]
    keep = [m for m in X.index if m not in mine]
    record.update(used=True, n_results=len(keep), replaced_by_yours=mine, left_out_missing_features=dropped,
                  note="the study's results fix how the features weigh; your own results set the level (a free "
                       "offset), so a different training set or evaluation shifts the predictions, not the order")
    return (X.loc[keep, list(features)], y.loc[keep]), record


ACQUISITION_TEXT = {
    "ei": "ei = expected improvement: by how many points training this base is expected to beat {best}, averaged "
          "over the surrogate's normal predictive distribution (mean 'predicted', sd 'sd'); it is high when a base "
          "is predicted high or is uncertain, and 0 when it surely does not beat the best. Without a result of "
          "your own, the first pick is the highest predicted mean.",
    "thompson": "thompson = Thompson sampling: the value is this base's score in one draw of the surrogate's "
                "weights; the base that wins the draw is proposed (a random, uncertainty-weighted choice).",
}
