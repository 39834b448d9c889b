"""Fixtures for the selection tests: the bundled study data and a synthetic problem with a known answer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rmbase.datasets import load_bundled
from rmbase.selection.predictors import DEFAULT_FEATURES


@pytest.fixture(scope="session")
def study():
    return load_bundled("paper-2505.10775")


def synthetic(n: int = 40, seed: int = 0, noise: float = 0.5) -> tuple[pd.DataFrame, pd.Series]:
    """Features like the study's; target = 3 z(bbh) + 2 z(log params) + noise: bbh and params_b matter, nothing
    else does."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.uniform(5, 60, size=(n, len(DEFAULT_FEATURES))), columns=list(DEFAULT_FEATURES),
                     index=[f"org/m{i}" for i in range(n)])
    X["params_b"] = np.exp(rng.uniform(np.log(0.5), np.log(10), size=n))
    z = (X["bbh"] - X["bbh"].mean()) / X["bbh"].std()
    lp = np.log(X["params_b"])
    y = 70 + 3 * z + 2 * (lp - lp.mean()) / lp.std() + rng.normal(0, noise, size=n)
    return X, pd.Series(y, index=X.index, name="score")


@pytest.fixture
def synth():
    return synthetic()


@pytest.fixture
def make_synth():
    return synthetic
