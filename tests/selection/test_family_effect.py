"""FamilyEffect: the random-intercept wrapper, its variance components, and family names from model ids."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.base import clone

from rmbase.model_ids import model_family
from rmbase.selection import family as F
from rmbase.selection import predictors as P
from rmbase.validation import out_of_fold_predictions


def with_families(synthetic, n_families: int = 8, per_family: int = 5, offset_sd: float = 3.0, seed: int = 0):
    """The synthetic problem plus a family column whose members share an offset of sd ``offset_sd``."""
    X, y = synthetic(n=n_families * per_family, seed=seed)
    fam = np.repeat([f"fam{i}" for i in range(n_families)], per_family)
    offsets = np.random.default_rng(seed + 100).normal(0, offset_sd, n_families)
    y = y + np.repeat(offsets, per_family)
    return X.assign(family=fam), y, dict(zip([f"fam{i}" for i in range(n_families)], offsets, strict=True))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_variance_components_recover_known_values(seed):
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(300), 4)
    r = rng.normal(0, 2.0, 300)[g] + rng.normal(0, 1.0, len(g))
    t2, s2 = F.family_variance_components(r, g)
    assert t2 == pytest.approx(4.0, rel=0.25) and s2 == pytest.approx(1.0, rel=0.15)
    # no family structure: the between-family variance is estimated near zero
    t2, s2 = F.family_variance_components(rng.normal(0, 1.0, len(g)), g)
    assert t2 < 0.1 and s2 == pytest.approx(1.0, rel=0.15)


def test_family_offsets_are_learnt(make_synth):
    X, y, true = with_families(make_synth)
    est = F.FamilyEffect(P.BayesianLinear()).fit(X, y)
    learnt = pd.Series(est.family_offsets_)
    # the learnt offsets (posterior means) follow the true ones
    assert stats.pearsonr(learnt[list(true)], list(true.values())).statistic > 0.9
    assert est.between_var_ > est.within_var_
    # a family the fit never saw gets no offset and a wider interval
    new = X.iloc[:2].assign(family=["unseen", None])
    base = est.estimator_.predict(new)
    np.testing.assert_allclose(est.predict(new), base)
    _, std_new = est.predict(new, return_std=True)
    _, std_seen = est.predict(X.iloc[:2], return_std=True)
    assert (std_new > std_seen).all()
    contrib = est.contributions(X)
    np.testing.assert_allclose(contrib.sum(axis=1) + est.estimator_.intercept_, est.predict(X))


def test_family_effect_beats_its_base_out_of_fold_when_families_matter(make_synth):
    X, y, _ = with_families(make_synth, offset_sd=4.0, seed=3)
    base = out_of_fold_predictions(P.BayesianLinear(), X, y, scheme="loo")
    fam = out_of_fold_predictions(F.FamilyEffect(P.BayesianLinear()), X, y, scheme="loo")
    assert np.mean(np.abs(fam - y)) < 0.8 * np.mean(np.abs(base - y))


def test_family_effect_contract_and_bad_input(make_synth):
    X, y, _ = with_families(make_synth)
    est = F.FamilyEffect(P.SparseRidge(), cv=4)
    assert clone(est).get_params()["cv"] == 4
    assert not [k for k in vars(clone(est)) if k.endswith("_") and not k.startswith("_")]
    assert est.fit(X, y) is est
    assert est.selected_features_[-1] == "family"
    # no family known at all: the base estimator's predictions and intervals, unchanged
    none = F.FamilyEffect(P.BayesianLinear()).fit(X.assign(family=None), y)
    assert none.family_offsets_ == {}
    mean, std = none.predict(X, return_std=True)
    base_mean, base_std = none.estimator_.predict(X, return_std=True)
    np.testing.assert_allclose(mean, base_mean)
    np.testing.assert_allclose(std, base_std)
    with pytest.raises(ValueError, match="'family' column"):
        F.FamilyEffect().fit(X.drop(columns="family"), y)


@pytest.mark.parametrize(("model_id", "family"), [
    ("Qwen/Qwen2.5-14B-Instruct", "Qwen2.5"),
    ("Qwen/Qwen2-72B-Instruct", "Qwen2"),
    ("google/gemma-2-27b-it", "Gemma-2"),
    ("google/gemma-2b-it", "Gemma"),
    ("google/gemma-1.1-7b-it", "Gemma"),
    ("meta-llama/Llama-3.3-70B-Instruct", "Llama-3"),
    ("allenai/Llama-3.1-Tulu-3-8B-DPO", "Llama-3"),
    ("nvidia/Mistral-NeMo-Minitron-8B-Instruct", "Minitron"),
    ("mistralai/Mistral-7B-Instruct-v0.3", "Mistral"),
    ("01-ai/Yi-1.5-34B-Chat", "Yi-1.5"),
    ("01-ai/Yi-34B-Chat", "Yi"),
    ("google/gemma-3-4b-it", None),
    ("meta-llama/Llama-2-7b-chat-hf", None),
])
def test_model_family_from_ids(model_id, family):
    assert model_family(model_id) == family


def test_model_family_matches_every_bundled_study_model(study):
    models = study.models
    assert [model_family(h) for h in models["hf_id"]] == list(models["family"])
