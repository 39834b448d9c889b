"""PCA of the standardised benchmark matrix: how many independent directions the benchmarks span."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler


def pca_summary(B: pd.DataFrame) -> dict:
    Z = StandardScaler().fit_transform(B.to_numpy(float))
    pca = PCA().fit(Z)
    ratio = pca.explained_variance_ratio_
    return {"benchmarks": list(B.columns), "n_models": int(len(B)),
            "explained_variance_ratio": [float(r) for r in ratio],
            "first5_cumulative": float(np.sum(ratio[:5])),
            "loadings_pc1": {b: float(v) for b, v in zip(B.columns, pca.components_[0], strict=True)}}
