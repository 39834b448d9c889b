"""plan: Bayesian optimisation proposals, refusals, and the replay simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rmbase.errors import InputError
from rmbase.selection.plan import load_trained, propose
from rmbase.selection.plan_simulation import simulate, simulate_dataset, trainings_to_hit
from rmbase.selection.plan_surrogate import PlanConfig, expected_improvement


def test_trainings_to_hit_by_hand():
    y = np.array([1.0, 5.0, 4.5, 2.0])
    assert trainings_to_hit([3, 0, 2, 1], y, tol=1.0) == 3   # 4.5 is within 1 of 5
    assert trainings_to_hit([3, 0, 2, 1], y, tol=0.1) == 4


def test_expected_improvement_prefers_mean_then_uncertainty():
    ei = expected_improvement(np.array([1.0, 2.0, 1.0]), np.array([1.0, 1.0, 3.0]), best=1.5)
    assert ei[1] > ei[0] and ei[2] > ei[0] and (ei > 0).all()


def test_propose_batch_skips_trained_and_is_distinct(synth):
    X, y = synth
    trained = y.iloc[:5]
    out = propose(X, trained, budget=4, config=PlanConfig())
    assert len(out) == 4 and out["model"].is_unique
    assert not set(out["model"]) & set(trained.index)
    assert (out["sd"] > 0).all()


def test_propose_refusals(synth):
    X, y = synth
    with pytest.raises(InputError, match="budget 40 is larger than the 35 untrained"):
        propose(X, y.iloc[:5], budget=40)
    with pytest.raises(InputError, match="not in the pool"):
        propose(X, pd.Series([70.0], index=["other/model"]))
    with pytest.raises(InputError, match="unknown prior"):
        propose(X, None, config=PlanConfig(prior="psychic"))


def test_bo_beats_random_on_a_linear_problem(synth):
    X, y = synth
    out = simulate(X, y, n_starts=20, seed=1)
    med = {s["strategy"]: s["median"] for s in out["strategies"]}
    assert med["bo_ei_flat"] < med["random"] and med["bo_ei_capability"] < med["random"]
    assert out["n_starts"] == 20 and all(s["max"] <= len(y) for s in out["strategies"])


def test_simulate_on_the_study_reports_every_strategy(study):
    out = simulate_dataset(study, recipe="regression", n_starts=15, seed=0)
    names = {s["strategy"] for s in out["strategies"]}
    assert {"random", "largest_first", "best_single_benchmark", "study_default", "bo_ei_capability"} <= names
    assert out["study_defaults"] == ["Llama-3.2-1B-Instruct", "Llama-3.2-3B-Instruct", "Llama-3.1-8B-Instruct"]
    assert out["best"]["model"] == "gemma-2-9b-it"


def test_load_trained_matches_ids_and_refuses_other_datasets(tmp_path):
    pool = pd.Index(["meta-llama/Llama-3.1-8B-Instruct", "google/gemma-2-9b-it"])
    ok = tmp_path / "ok.csv"
    pd.DataFrame({"model": ["Llama-3.1-8B-Instruct", "gemma-2-9b-it"], "recipe": ["regression", "regression"],
                  "score": [83.2, 88.1]}).to_csv(ok, index=False)
    s = load_trained(str(ok), pool, recipe="regression")
    assert s.to_dict() == {"meta-llama/Llama-3.1-8B-Instruct": 83.2, "google/gemma-2-9b-it": 88.1}
    other = tmp_path / "other.csv"
    pd.DataFrame({"model": ["acme/rm-base-1"], "score": [0.7]}).to_csv(other, index=False)
    with pytest.raises(InputError, match="another dataset"):
        load_trained(str(other), pool)
    nan = tmp_path / "nan.csv"
    pd.DataFrame({"model": ["gemma-2-9b-it"], "score": ["n/a"]}).to_csv(nan, index=False)
    with pytest.raises(InputError, match="row 1"):
        load_trained(str(nan), pool)


def test_family_offsets_move_untrained_siblings(synth):
    """A sibling trained far above its features' prediction lifts the estimate of the untrained members of its
    family; with the family offset absorbing the surprise, the other bases' estimates move much less than when
    the linear weights must bend to it (family_sd 0)."""
    from rmbase.selection.plan_surrogate import BayesLinearSurrogate, family_indicators
    from rmbase.selection.predictors import as_frame

    X, y = synth
    X = X.assign(family=["A" if i < 4 else None for i in range(len(X))])
    G = family_indicators(X["family"])
    assert G.shape == (len(X), 1) and G[:4, 0].sum() == 4 and G[4:, 0].sum() == 0
    F = as_frame(X, PlanConfig().features)
    Z = ((F - F.mean()) / F.std(ddof=0)).to_numpy()
    idx = np.array([0, *range(4, 30)])
    clean = y.to_numpy()[idx]
    surprise = clean.copy()
    surprise[0] += 15.0   # the A-family base is far better than its features say

    def shift(family_sd):
        sur = BayesLinearSurrogate(Z, list(F.columns), PlanConfig(family_sd=family_sd), 5.0, G)
        return sur.posterior(idx, surprise)[0] - sur.posterior(idx, clean)[0]

    fam, flat = shift(1.0), shift(0.0)
    others = np.arange(30, len(X))
    assert (fam[1:4] > 2.0).all()                                  # the untrained siblings rise
    assert np.abs(fam[others]).max() < 0.5 * np.abs(flat[others]).max()
    assert np.abs(fam[others]).max() < fam[1:4].min()
    with pytest.raises(InputError, match="family_sd: must be at least 0"):
        propose(X, None, config=PlanConfig(family_sd=-1.0))


def test_simulate_with_families_adds_the_family_strategy(study):
    out = simulate_dataset(study, recipe="bradley_terry", n_starts=15, seed=0)
    res = {s["strategy"]: s for s in out["strategies"]}
    assert "bo_ei_capability_family" in res
    assert res["bo_ei_capability_family"]["median"] < res["random"]["median"]


def _two_results(tmp_path, recipe="regression"):
    f = tmp_path / "mine.csv"
    pd.DataFrame({"model": ["Qwen/Qwen2.5-7B-Instruct", "meta-llama/Llama-3.2-3B-Instruct"],
                  "recipe": [recipe, recipe], "score": [84.0, 75.0]}).to_csv(f, index=False)
    return f


def test_plan_with_two_results_uses_the_study_as_prior_evidence(study, tmp_path):
    """Two new results refine the study's picture instead of restarting it: the predictions stay on the RM-score
    scale with an sd of a few points (without the study: a wide, uninformed surrogate)."""
    from rmbase.selection.plan import plan

    trained = str(_two_results(tmp_path))
    out = plan(trained_file=trained, budget=3, data=study, config=PlanConfig(prior_evidence="study"))
    sp = out["study_prior"]
    assert sp["used"] and sp["recipe"] == "regression"
    assert sp["n_results"] == 38 and sorted(sp["replaced_by_yours"]) == ["Llama-3.2-3B-Instruct",
                                                                         "Qwen2.5-7B-Instruct"]
    published = study.target_table("regression")["score"]
    for p in out["proposals"]:  # the pool holds 72B-235B bases beyond the study's sizes: their level is higher
        assert published.min() - 10 < p["predicted"] < published.max() + 15
        assert 0 < p["sd"] < 6
    # the user's results sit below the study's fit for the same bases: the level follows them
    assert sp["level_offset"] < 0
    assert "expected improvement" in out["acquisition_explained"] and "84.0" in out["acquisition_explained"]
    flat = plan(trained_file=trained, budget=3, data=study, config=PlanConfig(study_prior=False))
    assert not flat["study_prior"]["used"]
    assert max(p["sd"] for p in flat["proposals"]) > 3 * max(p["sd"] for p in out["proposals"])


def test_plan_study_prior_needs_the_recipe(study, tmp_path):
    from rmbase.selection.plan import plan

    f = tmp_path / "norecipe.csv"
    pd.DataFrame({"model": ["Qwen/Qwen2.5-7B-Instruct", "meta-llama/Llama-3.2-3B-Instruct"],
                  "score": [84.0, 75.0]}).to_csv(f, index=False)
    only_study = PlanConfig(prior_evidence="study")
    out = plan(trained_file=str(f), data=study, config=only_study)
    assert not out["study_prior"]["used"] and "no recipe given" in out["study_prior"]["reason"]
    given = plan(trained_file=str(f), recipe="bradley_terry", data=study, config=only_study)
    assert given["study_prior"]["used"] and given["study_prior"]["recipe"] == "bradley_terry"
    # without any own result, the study alone gives levels (its own), not just an order
    cold = plan(candidates=["gemma-2-9b-it", "Qwen2.5-7B-Instruct", "microsoft/phi-4"], recipe="regression",
                data=study, config=only_study)
    assert cold["proposals"][0]["predicted"] is not None and cold["proposals"][0]["acquisition_kind"] == "prior mean"


def test_condition_on_equals_fitting_on_the_union():
    """Conditioning on evidence, then observing nothing more, is the exact posterior given the evidence: for the
    same data the predictions equal a surrogate that observed the evidence rows directly (same level)."""
    from rmbase.selection.plan_surrogate import BayesLinearSurrogate

    rng = np.random.default_rng(0)
    Z = rng.normal(size=(12, 3))
    y = 70 + Z @ np.array([3.0, -1.0, 0.5]) + rng.normal(0, 0.5, size=12)
    cfg = PlanConfig(prior="flat", family_sd=0.0)
    direct = BayesLinearSurrogate(Z, ["a", "b", "c"], cfg, 5.0).posterior(np.arange(8), y[:8])
    ev = BayesLinearSurrogate(Z, ["a", "b", "c"], cfg, 5.0).condition_on(Z[:8], y[:8])
    via = ev.posterior(np.array([], dtype=int), np.array([]))
    assert np.allclose(direct[0], via[0], atol=0.05) and np.allclose(direct[1], via[1], rtol=0.05)


def test_plan_uses_the_pooled_evidence_and_predicts_without_a_recipe(study, tmp_path):
    """The default prior evidence is every study, mapped into one unit: without --recipe and without any result
    of the user's, the first pick has a predicted score and an sd on the RM-score scale."""
    from rmbase.selection.plan import plan

    cands = ["gemma-2-9b-it", "Qwen2.5-7B-Instruct", "microsoft/phi-4", "meta-llama/Llama-3.1-8B-Instruct"]
    out = plan(candidates=cands, data=study)
    sp = out["study_prior"]
    assert sp["used"] and sp["kind"] == "pooled" and out["recipe"] is None
    assert set(sp["n_results_by_study"]) >= {"paper-2505.10775", "rb2-allenai-grid"}
    first = out["proposals"][0]
    assert first["predicted"] is not None and 60 < first["predicted"] < 100 and 0 < first["sd"] < 10
    # the user's results replace the evidence of the same bases and set the level
    trained = str(_two_results(tmp_path))
    mine = plan(trained_file=trained, budget=2, data=study)
    assert len(mine["study_prior"]["replaced_by_yours"]) == 2 and mine["study_prior"]["level_offset"] is not None
