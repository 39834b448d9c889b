"""Fitting the harmonisation: which rank, and how wide the stated uncertainty must be, both measured by hiding
observed cells of the training matrix (never the cells a held-out check scores).

Hiding follows what the table is used for: a model scored by several sources has one whole source block hidden at a
time (all its leaderboard v2 scores, or all its Swallow ``en_pre`` scores, ...) and the block is mapped back from
the model's other blocks. Models are split into folds by lineage (a post-trained model goes with its pre-trained
checkpoint), so a model's relative never informs its own hidden block through the fit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rmbase.benchmarks.completion import FactorCompletion

Z90 = 1.6448536269514722  # the 95% quantile of N(0, 1): half-width of a nominal 90% interval in sds


@dataclass
class HiddenCells:
    """Cells hidden by :func:`hide_blocks` and what the fit stated for them."""

    row: np.ndarray
    col: np.ndarray
    truth: np.ndarray
    mean: np.ndarray
    sd: np.ndarray
    mean_z: np.ndarray | None = None   # rows with all of ``mean_of`` hidden: z of the mean of those columns

    @property
    def z(self) -> np.ndarray:
        return (self.truth - self.mean) / self.sd


def fold_of_groups(groups: list[str], folds: int, seed: int) -> np.ndarray:
    """A fold per row; rows with the same group share a fold (groups shuffled with ``seed``)."""
    uniq = list(dict.fromkeys(groups))
    order = np.random.default_rng(seed).permutation(len(uniq))
    fold = {g: int(i % folds) for i, g in zip(order, uniq, strict=True)}
    return np.array([fold[g] for g in groups], dtype=int)


def hide_blocks(x: np.ndarray, blocks: list[str], groups: list[str], *, rank: int, covariates: np.ndarray | None = None,
                folds: int = 5, repeats: int = 2, seed: int = 0, init: FactorCompletion | None = None,
                refit_iter: int = 40, mean_of: list[int] | None = None) -> HiddenCells:
    """Hide one source block of every model that has at least two, fold by fold, and predict it back.

    ``blocks[j]`` names column j's block; ``covariates`` (n x q) are never hidden. Over ``repeats`` rounds each model
    hides its blocks in turn (starting from a random one), so a model with two blocks has each hidden once.
    ``init``: the fit on all of ``x``, from which each refit starts and runs at most ``refit_iter`` EM iterations
    (SQUAREM-accelerated; 40 moves the hidden cells' predictions to within a few percent of a full refit's).
    ``mean_of``: columns whose mean is a feature too (the leaderboard average): for rows with all of them hidden,
    the z of that mean under the fit's joint predictive covariance is returned as ``mean_z``."""
    x = np.asarray(x, dtype=float)
    observed = np.isfinite(x)
    names = sorted(set(blocks))
    cols = {b: np.array([j for j, c in enumerate(blocks) if c == b]) for b in names}
    has = np.stack([observed[:, cols[b]].any(axis=1) for b in names], axis=1) if names else np.zeros((len(x), 0))
    n_blocks = has.sum(axis=1)
    rng = np.random.default_rng(seed)
    start = rng.integers(0, 1 << 30, size=len(x))
    fold = fold_of_groups(groups, folds, seed)
    out: list[tuple[np.ndarray, ...]] = []
    mean_z: list[np.ndarray] = []
    for r in range(repeats):
        chosen = np.full(len(x), -1)
        for i in np.flatnonzero(n_blocks >= 2):
            own = np.flatnonzero(has[i])
            chosen[i] = own[(start[i] + r) % len(own)]
        for f in range(folds):
            rows = np.flatnonzero((fold == f) & (chosen >= 0))
            if len(rows) == 0:
                continue
            hidden = np.zeros_like(observed)
            for i in rows:
                hidden[i, cols[names[chosen[i]]]] = True
            hidden &= observed
            train = np.where(hidden, np.nan, x)
            if (np.isfinite(train).sum(axis=0) < 2).any():
                continue  # hiding would leave a column without data: this fold says nothing about it
            fc = FactorCompletion(rank=rank, seed=seed, max_iter=refit_iter if init is not None else 500)
            fc.fit(train, covariates, init=init)
            mean, sd = fc.predict(train, covariates)
            ri, ci = np.nonzero(hidden)
            out.append((ri, ci, x[ri, ci], mean[ri, ci], sd[ri, ci]))
            if mean_of:
                mean_z.append(_mean_z(fc, x, train, covariates, mean, hidden, np.asarray(mean_of)))
    if not out:
        empty = np.zeros(0)
        return HiddenCells(empty.astype(int), empty.astype(int), empty, empty, empty)
    cells = HiddenCells(*(np.concatenate(parts) for parts in zip(*out, strict=True)))
    cells.mean_z = np.concatenate(mean_z) if mean_z else None
    return cells


def _mean_z(fc: FactorCompletion, x: np.ndarray, train: np.ndarray, covariates: np.ndarray | None,
            mean: np.ndarray, hidden: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """z of the mean of ``cols`` for the rows that had all of them hidden (joint predictive covariance)."""
    rows = np.flatnonzero(hidden[:, cols].all(axis=1))
    if len(rows) == 0:
        return np.zeros(0)
    v = fc._posterior(train[rows], None if covariates is None else covariates[rows])[2]
    w, s = fc.w_[cols], fc.scale_[cols]
    cov = np.einsum("ja,iab,kb->ijk", w, v, w) + np.diag(fc.psi_[cols])
    var = np.einsum("j,ijk,k->i", s, cov, s) / len(cols) ** 2
    return (x[rows][:, cols].mean(axis=1) - mean[rows][:, cols].mean(axis=1)) / np.sqrt(var)


def choose_rank(x: np.ndarray, blocks: list[str], groups: list[str], ranks: tuple[int, ...], *,
                covariates: np.ndarray | None = None, folds: int, repeats: int, seed: int,
                target: str | None = None) -> tuple[int, dict[int, float]]:
    """The rank whose block-hidden predictions have the smallest error, standardised per column: over the cells
    of the ``target`` block when it has hidden cells (what the table is for: the leaderboard six), else averaged
    over blocks (so that a block with many columns does not decide alone). Returns the rank and every rank's
    error."""
    scale = np.nanstd(np.asarray(x, dtype=float), axis=0)
    scale = np.where(scale > 1e-12, scale, 1.0)
    errors: dict[int, float] = {}
    for k in ranks:
        full = FactorCompletion(rank=k, seed=seed).fit(x, covariates)
        cells = hide_blocks(x, blocks, groups, rank=k, covariates=covariates, folds=folds, repeats=repeats,
                            seed=seed, init=full)
        if len(cells.truth) == 0:
            errors[k] = float("inf")
            continue
        sq = ((cells.truth - cells.mean) / scale[cells.col]) ** 2
        by_block: dict[str, list[float]] = {}
        for c, e in zip(cells.col, sq, strict=True):
            by_block.setdefault(str(blocks[c]), []).append(float(e))
        errors[k] = float(np.mean(by_block[target]) if target in by_block else
                          np.mean([np.mean(v) for v in by_block.values()]))
    best = min(errors, key=lambda k: (errors[k], k))
    return best, errors


def calibration_factors(cells: HiddenCells, blocks: list[str], min_cells: int = 10) -> dict[str, float]:
    """Per block, the factor that makes the nominal 90% interval cover 90% of the hidden cells of that block:
    the 90% quantile of |z| over 1.645. Blocks with fewer than ``min_cells`` hidden cells get the factor of all
    cells together (key ``"*"``, always present; 1.0 when nothing could be hidden); ``"mean"``: the factor of the
    mean of ``mean_of`` (see :func:`hide_blocks`), measured on its own because the errors of one model's mapped
    scores are more alike than the factor model says."""
    z = np.abs(cells.z)
    factors = {"*": float(np.quantile(z, 0.9) / Z90) if len(z) >= min_cells else 1.0}
    for b in sorted({blocks[c] for c in cells.col}):
        zb = z[np.array([blocks[c] == b for c in cells.col])]
        if len(zb) >= min_cells:
            factors[str(b)] = float(np.quantile(zb, 0.9) / Z90)
    if cells.mean_z is not None and len(cells.mean_z) >= min_cells:
        factors["mean"] = float(np.quantile(np.abs(cells.mean_z), 0.9) / Z90)
    return factors
