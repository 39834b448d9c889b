"""The part of a study that needs only RM scores, for bases without benchmark features (a sweep's own bases).

``rmbase study --results STORE`` over bases that no bundled table knows: gains over the default base, the
post-training table and recipe agreement need only the RM scores (and sizes), so they run on every base with a
result; the feature analyses (correlations, coverage, the combination, selection, PCA) run on the bases that have
benchmark features, and say which bases they left out and how to score them.
"""

from __future__ import annotations

FEATURE_ANALYSES = ("correlations", "coverage", "coverage_filter", "combination", "selection", "pca")
MIN_FEATURE_MODELS = 5


def how_to_score(models: list[str]) -> str:
    """The commands that give bases their benchmark features."""
    first = models[0] if models else "MODEL"
    return (f"score them with `rmbase benchmarks run --model {first} --suite leaderboard --out DIR` (one DIR per "
            "base; it writes DIR/scores.csv), join the tables with `rmbase benchmarks import DIR1/scores.csv "
            "DIR2/scores.csv --out bench.csv` and pass `--benchmarks bench.csv` (or a table of published scores)")

def left_out(data, recipe: str, target: str, kept: list[str]) -> list[dict]:
    """The bases with a ``target`` result for ``recipe`` that the feature analyses left out, each with the features
    it lacks."""
    targets = data.target_table(recipe)
    scored = targets.index[targets[target].notna()] if target in targets else targets.index[:0]
    X = data.feature_matrix().reindex(scored)
    X = X.drop(columns=[c for c in data.unused_features if c in X.columns])
    return [{"model": str(m), "missing": [str(c) for c in X.columns[X.loc[m].isna()]]}
            for m in scored if m not in set(kept)]


def feature_note(left: list[dict], n_kept: int) -> dict:
    """study.json ``feature_analyses_left_out``: the bases, why, and how to give them features."""
    models = [r["model"] for r in left]
    return {"models": left, "n_analysed": n_kept,
            "reason": "no benchmark features (or size) for these bases in the bundled tables or --benchmarks",
            "how_to_score": how_to_score(models)}


def skipped_feature_analyses(left: list[dict], n_kept: int) -> dict[str, str]:
    """Each feature analysis skipped when fewer than MIN_FEATURE_MODELS bases have features."""
    why = (f"needs at least {MIN_FEATURE_MODELS} bases with benchmark features ({n_kept} here; the {len(left)} "
           "base(s) without them, and how to score them: feature_analyses_left_out)")
    return {name: why for name in FEATURE_ANALYSES}


def score_table(data, recipe: str, target: str):
    """(scores, params_b, no_size) over every base with a ``target`` result for ``recipe``: the input of the
    gains; ``no_size`` lists the bases whose size is unknown (left out of the gains)."""
    targets = data.target_table(recipe)
    scores = targets[target].dropna().astype(float)
    params = data.feature_matrix()["params_b"].reindex(scores.index)
    no_size = [str(m) for m in params.index[params.isna()]]
    return scores.drop(index=no_size), params.drop(index=no_size), no_size


def gains_defaults(scores, groups: set[str], defaults: dict[str, str], given: dict[str, str]) -> tuple[
        dict[str, str], dict[str, str]]:
    """The defaults the gains can use (each group's default must have a result) and, per skipped group, why:
    a study default missing from the results skips its group (a default given with --default stays an error).
    ``groups``: the size groups of the scored bases."""
    usable, skipped = {}, {}
    for group, model in defaults.items():
        if model in scores.index or group in given or group not in groups:
            usable[group] = model
        else:
            skipped[f"gains {group}"] = (f"the group's default base {model} has no result here; pass --default "
                                         f"'{group}=MODEL' to measure the gains over one of your bases")
    return usable, skipped


def recipes_input(data, target: str, models) -> tuple[object, str | None]:
    """The results the recipe agreement reads (every base with a result), or None and why when fewer than 3
    bases have both recipes (a correlation needs them)."""
    sub = data.results[data.results.model.isin(models)]
    if target not in sub or not {"bradley_terry", "regression"} <= set(sub.recipe):
        return sub, None                                   # recipe_comparison says None: one recipe only
    wide = sub.pivot(index="model", columns="recipe", values=target)[["bradley_terry", "regression"]].dropna()
    if len(wide) < 3:
        return None, f"needs at least 3 bases with both recipes' {target} ({len(wide)} here)"
    return sub, None
