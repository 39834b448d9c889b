"""The predictors declare the scikit-learn estimator contract: every check of ``parametrize_with_checks`` runs, and
the checks that fail by design (named feature columns) are listed as expected failures with the reason (strict:
a listed check that starts to pass fails the test, so the list stays exact). Plus float32 input, which crashed
StudyElasticNet before its input went through ``validate_data`` with a dtype."""

from __future__ import annotations

import numpy as np
import sklearn
from sklearn.utils.estimator_checks import parametrize_with_checks

from rmbase.selection import predictors as P
from rmbase.selection.family import FamilyEffect
from rmbase.study_elasticnet import StudyElasticNet

# checks whose data are plain arrays of their own width (2 to 10 columns): a named-column predictor refuses them
WIDTH_CHECKS = (
    "check_dict_unchanged", "check_dont_overwrite_parameters", "check_dtype_object", "check_estimators_dtypes",
    "check_estimators_fit_returns_self", "check_estimators_nan_inf", "check_estimators_overwrite_params",
    "check_estimators_pickle", "check_f_contiguous_array_estimator", "check_fit2d_predict1d",
    "check_fit_check_is_fitted", "check_fit_idempotent", "check_fit_score_takes_y",
    "check_methods_sample_order_invariance", "check_methods_subset_invariance", "check_n_features_in",
    "check_n_features_in_after_fitting", "check_pipeline_consistency", "check_positive_only_tag_during_fit",
    "check_readonly_memmap_input", "check_regressor_data_not_an_array", "check_regressors_int",
    "check_regressors_no_decision_function", "check_regressors_train", "check_supervised_y_2d",
)
# FamilyEffect also needs its text 'family' column, so even the input-validation checks meet a plain array first
FAMILY_ONLY = (
    "check_complex_data", "check_estimator_sparse_array", "check_estimator_sparse_matrix",
    "check_estimator_sparse_tag", "check_estimators_empty_data_messages", "check_fit2d_1feature",
    "check_fit2d_1sample", "check_requires_y_none",
)

ESTIMATORS = [StudyElasticNet(degrees=(1,), cv=3),  # degree 1: the input contract, at a fraction of the cost
              P.SingleFeature(), P.RankAverage(), P.SparseRidge(), P.BayesianLinear(),
              P.GaussianProcess(), P.PairwiseRanker(), FamilyEffect()]


def expected_failures(estimator) -> dict[str, str]:
    if isinstance(estimator, StudyElasticNet):
        return {}  # positional arrays: the whole contract holds
    if isinstance(estimator, FamilyEffect):
        reason = ("named-column design: X must be a DataFrame with the estimator's named feature columns and a "
                  "text 'family' column; the check passes a plain numeric array")
        return dict.fromkeys((*WIDTH_CHECKS, *FAMILY_ONLY), reason)
    n = len(estimator.features)
    reason = (f"named-column design: X must carry the estimator's {n} named feature columns (a DataFrame with "
              f"those names, or an array of exactly {n} columns); the check's array has another width")
    failing = dict.fromkeys(WIDTH_CHECKS, reason)
    if n != 1:  # a 1-feature array is the right width for a single-feature predictor
        failing["check_fit2d_1feature"] = reason
    return failing


STRICT = {"xfail_strict": True} if tuple(int(p) for p in sklearn.__version__.split(".")[:2]) >= (1, 8) else {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failures, **STRICT)
def test_sklearn_contract(estimator, check):
    check(estimator)


def test_study_elasticnet_accepts_float32():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3)).astype(np.float32)
    y = 2 * X[:, 0] + rng.normal(0, 0.1, size=30)
    est = StudyElasticNet(cv=3).fit(X, y)  # crashed in enet_path (float vs double buffers) before the dtype fix
    ref = StudyElasticNet(cv=3).fit(X.astype(np.float64), y)
    assert est.chosen_params() == ref.chosen_params()
    assert np.allclose(est.predict(X), ref.predict(X.astype(np.float64)))
    est32 = StudyElasticNet(cv=3).fit(X, y.astype(np.float32))
    assert np.allclose(est32.predict(X), ref.predict(X), atol=1e-4)


def test_named_predictors_accept_float32_frames(synth):
    X, y = synth
    X32 = X.astype(np.float32)
    X64 = X32.astype(np.float64)  # the same values in float64
    for est in (P.SparseRidge(), P.RankAverage(), FamilyEffect(P.BayesianLinear())):
        a32, a64 = (X32.assign(family="f"), X64.assign(family="f")) if isinstance(est, FamilyEffect) else (X32, X64)
        got = est.fit(a32, y.astype(np.float32)).predict(a32)
        want = est.fit(a64, y.astype(np.float32).astype(np.float64)).predict(a64)
        assert got.dtype == np.float64 and np.array_equal(got, want)
