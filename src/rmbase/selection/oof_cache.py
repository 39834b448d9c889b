"""A per-user cache of the slow predictors' out-of-fold predictions (the study's ElasticNet: 54 nested fits per
target for leave-one-out and leave-one-family-out), so that ``recommend`` builds its conformal intervals without
refitting them at every call; and the slow predictors fitted on all models (:func:`fitted`, folder ``fits``).

Nothing precomputed ships with the package: the first call on a machine computes and stores them. Both live in the
per-user cache's folders (:mod:`rmbase.user_cache`, kinds ``oof`` and ``fits``), keyed by a hash of the design it was
computed on (models, features, values, target, groups), the method and scheme, the library versions and the source
of the modules that compute it, so a user's study, corrected tables, another solver or a code change never read a
stale entry. The folders are ``$RMBASE_CACHE_DIR/oof`` and ``/fits`` (default under ``~/.cache/rmbase``); delete
them to start over. A cache that cannot be read or written is skipped (the predictions are then computed as
without it).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from rmbase.user_cache import CACHE_ENV  # noqa: F401 - the variable naming the cache folder: public here

OOF_KIND = "oof"
FITS_KIND = "fits"
# the code a slow predictor's predictions and fits depend on: a change in any of them is another key
_MODULES = ("rmbase.study_elasticnet", "rmbase.selection.predictors", "rmbase.selection.compare",
            "rmbase.validation")


def cache_dir() -> Path:
    from rmbase.user_cache import cache_dir as user_cache_dir

    return user_cache_dir(OOF_KIND)


def design_hash(X: pd.DataFrame, y: pd.Series, groups=None) -> str:
    """sha256 of a design: its index, columns, values, target and (for leave-one-family-out) the groups."""
    h = hashlib.sha256()
    h.update(json.dumps([list(map(str, X.index)), list(map(str, X.columns))]).encode())
    h.update(np.ascontiguousarray(X.select_dtypes("number").to_numpy(dtype=float)).round(9).tobytes())
    h.update(np.ascontiguousarray(y.to_numpy(dtype=float)).round(9).tobytes())
    if groups is not None:
        h.update(json.dumps([str(g) for g in groups]).encode())
    return h.hexdigest()


def key(method: str, scheme: str, X: pd.DataFrame, y: pd.Series, groups=None) -> str:
    """The entry's key: the method, the scheme (``loo``, ``lofo``, ``fit``), the design, the versions of rmbase,
    numpy, pandas and scikit-learn and the source of the modules that compute it (:mod:`rmbase.user_cache`)."""
    import sklearn

    from rmbase import user_cache

    return hashlib.sha256(f"{method}|{scheme}|{design_hash(X, y, groups)}|{user_cache.versions()}|"
                          f"scikit-learn {sklearn.__version__}|{user_cache.source_hash(*_MODULES)}".encode()).hexdigest()


def _file(k: str) -> Path:
    return cache_dir() / f"{k}.json"  # JSON: the predictions are a list of numbers, readable as they are


def lookup(method: str, scheme: str, X: pd.DataFrame, y: pd.Series, groups=None) -> np.ndarray | None:
    """The cached out-of-fold predictions of ``method`` under ``scheme`` for this very design, else None."""
    try:
        entry = json.loads(_file(key(method, scheme, X, y, groups)).read_text())
        pred = np.asarray(entry["predictions"], dtype=float)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return pred if pred.shape == (len(y),) and np.isfinite(pred).all() else None


def store(method: str, scheme: str, X: pd.DataFrame, y: pd.Series, groups, predictions: np.ndarray) -> None:
    """Keep ``predictions`` for the next call (atomically; a cache that cannot be written is skipped)."""
    from rmbase import __version__
    from rmbase.io import atomic_write_json

    entry = {"method": method, "scheme": scheme, "design_sha256": design_hash(X, y, groups),
             "rmbase": __version__, "predictions": [float(v) for v in predictions]}
    with contextlib.suppress(OSError):
        atomic_write_json(_file(key(method, scheme, X, y, groups)), entry)


def fitted(method: str, X: pd.DataFrame, y: pd.Series, make):
    """``make().fit(X, y)``, kept in the per-user cache (:mod:`rmbase.user_cache`, kind ``fits``) for a slow
    method: a later call on the very same design reads the fitted estimator instead of searching its grid again."""
    from rmbase import user_cache

    entry = key(method, "fit", X, y)
    est = make()
    stored = user_cache.load(FITS_KIND, entry, type(est))
    if stored is not None:
        return stored
    est.fit(X, y)
    user_cache.store(FITS_KIND, entry, est)
    return est


def store_combination(combination: dict, X: pd.DataFrame, y: pd.Series, *, seed: int, fitted=None) -> None:
    """The study's combination (``analysis.combination``) computes the nested leave-one-out predictions of
    ``study_elasticnet`` on the study's design and fits it on all of it (``fitted``): the same estimator when
    ``seed`` is its default random state. Keep both, so that ``recommend`` on the same design (the study's
    today's-bases step, a later call) does not compute them again; a design that differs is simply another key."""
    from rmbase import user_cache
    from rmbase.selection.compare import METHODS
    from rmbase.study_elasticnet import StudyElasticNet

    paper = combination.get("paper", {})
    features = list(METHODS["study_elasticnet"].features)
    if seed != StudyElasticNet().random_state or paper.get("features") != features:
        return
    Xf = X[features].copy()
    pred = paper.get("out_of_fold_predictions")
    if pred is not None:
        store("study_elasticnet", "loo", Xf, y, None, np.array([pred[str(m)] for m in X.index]))
    if isinstance(fitted, StudyElasticNet) and hasattr(fitted, "enet_"):
        user_cache.store(FITS_KIND, key("study_elasticnet", "fit", Xf, y), fitted)
