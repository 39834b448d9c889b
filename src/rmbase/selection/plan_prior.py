"""What ``rmbase plan`` knows before the user's own results: the study's published results of the same recipe as
prior evidence (:func:`study_evidence`, used by :meth:`rmbase.selection.plan_surrogate.BayesLinearSurrogate.condition_on`),
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
        record["reason"] = ("no recipe given (--recipe, or a recipe column in --results): the study's results are "
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


def pooled_evidence(recipe: str | None, trained: pd.Series | None, features, pool_table: pd.DataFrame,
                    target: str = "rewardbench") -> tuple[tuple | None, dict]:
    """The pooled RM evidence of every study (:func:`rmbase.selection.pooled.fit_pooled`) as prior evidence for
    the planner, in one unit: each study's result of a base is mapped into the units of the pooled fit's target
    grid (the bundled study's grid of ``recipe``; with no recipe, the grid the pooled fit chooses) through the
    fitted levels and scales, ``y_units = a_u + c_u (y_g - a_g) / c_g``, and averaged per base (a base the units
    grid measured keeps that value). Bases without the planner's features are left out (counted); a base the user
    trained is left out (the user's result wins). ``pool_table`` (model x features) gives the features: the
    bundled table with the user's file merged in."""

    from rmbase.model_ids import ModelIdIndex, canonical_model_id
    from rmbase.selection.evidence import rm_evidence
    from rmbase.selection.pooled import fit_pooled
    from rmbase.selection.pooled_inputs import training_rows

    fit = fit_pooled(target, recipe=recipe)
    model = fit.model
    rows = training_rows(rm_evidence(), target)
    u = model.grid_index(fit.units_grid)
    record = {"used": False, "kind": "pooled", "recipe": recipe, "target": target, "units": fit.units,
              "studies": list(fit.studies_used)}
    if u is None:
        record["reason"] = "no study of the pooled evidence measures the target: no units to plan in"
        return None, record
    a, c = model.level_, model.scale_
    mapped = []
    for g, base, value in zip(rows["grid"], rows["base"], rows["value"], strict=True):
        j = model.grid_index(g)
        if j is None:
            continue
        own = j == u
        mapped.append((base, float(a[u] + c[u] * (value - a[j]) / c[j]), own, rows.loc[rows["grid"] == g,
                                                                                     "study"].iloc[0]))
    frame = pd.DataFrame(mapped, columns=["base", "value", "own", "study"])
    frame = frame.sort_values("own", ascending=False)
    per_base = frame.groupby("base", sort=False).apply(
        lambda d: d.loc[d["own"], "value"].mean() if d["own"].any() else d["value"].mean(), include_groups=False)
    studies = frame.groupby("base", sort=False)["study"].apply(lambda s: sorted(set(s)))
    found, unknown = ModelIdIndex(pool_table.index).join(list(per_base.index))
    user = {canonical_model_id(m) for m in (trained.index if trained is not None else [])}
    keep, mine = [], []
    for b in per_base.index:
        if b not in found:
            continue
        row = pool_table.loc[found[b], list(features)]
        if row.isna().any():
            unknown.append(b)
            continue
        (mine if canonical_model_id(found[b]) in user or canonical_model_id(b) in user else keep).append(b)
    X = pool_table.loc[[found[b] for b in keep], list(features)].astype(float)
    y = pd.Series(per_base[keep].to_numpy(dtype=float), index=X.index)
    X = X[~X.index.duplicated()]
    y = y[~y.index.duplicated()]
    by_study: dict[str, int] = {}
    for b in keep:
        for s in studies[b]:
            by_study[s] = by_study.get(s, 0) + 1
    record.update(used=len(y) >= 3, n_results=int(len(y)), n_results_by_study=by_study,
                  replaced_by_yours=sorted(mine), left_out_missing_features=sorted(set(unknown)),
                  dataset=", ".join(fit.studies_used),
                  note="every study's results, mapped into one unit by the pooled fit's levels and scales, fix how "
                       "the features weigh; your own results set the level (a free offset)")
    if not record["used"]:
        record["reason"] = f"only {len(y)} evidence base(s) with the planner's features"
        return None, record
    return (X, y), record
