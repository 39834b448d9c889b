"""Merge-weight search: the exact argmax of validation pairwise accuracy over the study's weight grid.

A regression reward model predicts one score per attribute (HelpSteer2: helpfulness, correctness, coherence,
complexity, verbosity). The study merges them into one reward ψ = a·w and picks w on the validation pairs from the
grid {0, 0.05, …, 1}^4 × {0, −0.05, …, −1} (21^5 = 4,084,101 vectors). Accuracy is the share of pairs with
ψ(chosen) > ψ(rejected), strictly.

How it is computed
------------------
Weights are integers ``k_j ∈ {0..20}`` times ``sign_j / 20``; the positive factor 1/20 changes no comparison, so
the search works on ``d_i(k) = Σ_j sign_j k_j Δa_ij`` with ``Δa = a(chosen) − a(rejected)``.

*Exact arithmetic.* ``Δa`` is rounded once to a fixed-point grid: ``q = round(Δa · 2^s)`` with the power of two
``2^s`` chosen so that ``max |q| ≤ 2^40``. From then on every sum is an integer below 2^47 held exactly in float64,
so the result does not depend on summation order and the fast search and a brute force agree bit for bit. (For
float32 scores the rounding only matters for differences below ``max|Δa| · 2^-40``.)

*Enumeration.* For each of the 21^(m−1) settings of all but the last weight, ``b_i`` is the partial sum and the
last weight ``t ∈ {0..20}`` adds ``t · g_i`` (``g_i = sign_last · q_i,last``). Pair i is then correct for a
contiguous run of t: all t above ``−b_i/g_i`` when ``g_i > 0``, all t below it when ``g_i < 0``. One division gives
each pair's threshold; a histogram of thresholds and a cumulative sum give the accuracy for all 21 values of t at
once. That is 21× less work per pair than evaluating every vector (a chunked matmul plus a comparison), see
``benchmarks/bench_merge_search.py``. Rounding: the threshold is computed as one correctly rounded division of
exact integers, ``(A|g_i| − b_i) / |g_i|``; when the true value is an integer the division returns it exactly,
otherwise the true value lies at least ``1/|g_i| ≥ 2^-40`` from every integer while the rounding moves it by less
than 2^-47 (values that matter are below 44), so clipping and truncating give the exact count.

*Tie-break (deterministic).* Among the vectors with the highest accuracy: the smallest total weight Σ k_j (the
simplest merge; scaling w by a positive factor never changes accuracy), then the first in lexicographic order of
``(k_1, …, k_m)`` — that is, the one putting the least weight on the earlier attributes.
"""

from __future__ import annotations

import concurrent.futures as _fut
import os
from dataclasses import dataclass, field

import numpy as np

from rmbase.errors import InputError
from rmbase.training.attributes import HELPSTEER2_ATTRIBUTES, STUDY_SIGNS

STEPS = 20  # weights are multiples of 1/STEPS in [0, 1]
_FIXED_POINT_BITS = 40
INNER_DIMS = 2  # weights enumerated per block by a matmul (block = 21^INNER_DIMS rows x pairs)


@dataclass(frozen=True)
class MergeResult:
    """The chosen merge: ``weights`` (floats, signs applied), accuracy on the validation pairs and tie count."""

    weights: tuple[float, ...]
    integer_weights: tuple[int, ...]  # k_j in 0..steps, before sign and 1/steps
    accuracy: float
    n_correct: int
    n_pairs: int
    n_tied_best: int  # how many grid vectors reach the best accuracy
    signs: tuple[int, ...]
    steps: int
    attributes: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict:
        return {
            "attributes": list(self.attributes) if self.attributes else None, "weights": list(self.weights),
            "integer_weights": list(self.integer_weights), "steps": self.steps, "signs": list(self.signs),
            "accuracy": self.accuracy, "n_correct": self.n_correct, "n_pairs": self.n_pairs,
            "n_tied_best": self.n_tied_best,
            "tie_break": "smallest total weight, then lexicographically smallest integer weights",
        }


def quantise_differences(chosen: np.ndarray, rejected: np.ndarray | None = None) -> np.ndarray:
    """``Δa`` (or ``chosen`` alone when ``rejected`` is None) on the exact fixed-point grid, as float64 integers."""
    chosen = np.asarray(chosen, dtype=np.float64)
    delta = chosen if rejected is None else chosen - np.asarray(rejected, dtype=np.float64)
    if delta.ndim != 2:
        raise InputError(f"attribute scores must be a 2-d array (pairs × attributes), got shape {delta.shape}")
    if not np.isfinite(delta).all():
        bad = int(np.argwhere(~np.isfinite(delta))[0, 0])
        raise InputError("attribute scores contain NaN or infinity", row=bad, expected="finite numbers")
    top = float(np.abs(delta).max()) if delta.size else 0.0
    if top == 0.0:
        return np.zeros_like(delta)
    exponent = _FIXED_POINT_BITS - int(np.ceil(np.log2(top)))
    q = np.rint(np.ldexp(delta, exponent))  # multiplying by a power of two is exact
    assert np.abs(q).max() <= 2.0 ** _FIXED_POINT_BITS
    return q


def _check(delta_q: np.ndarray, signs: tuple[int, ...], steps: int) -> None:
    if delta_q.shape[1] != len(signs):
        raise InputError(f"{delta_q.shape[1]} attribute columns but {len(signs)} signs",
                         expected="one sign (+1 or -1) per attribute")
    if any(s not in (1, -1) for s in signs):
        raise InputError(f"signs must be +1 or -1, got {signs}")
    if not 1 <= steps <= 20:
        raise InputError(f"steps must be between 1 and 20, got {steps}")  # exactness bound: 2^40·steps·m < 2^47


def accuracy_grid(delta_q: np.ndarray, signs: tuple[int, ...] = STUDY_SIGNS, steps: int = STEPS,
                  threads: int | None = None) -> np.ndarray:
    """Number of correctly ordered pairs for every integer weight vector: array of shape ``(steps+1,)*m``.

    ``delta_q`` comes from :func:`quantise_differences`. Fast threshold method (see the module docstring).
    """
    delta_q = np.asarray(delta_q, dtype=np.float64)
    signs = tuple(int(s) for s in signs)
    _check(delta_q, signs, steps)
    n, m = delta_q.shape
    r = steps + 1
    signed = delta_q * np.asarray(signs, dtype=np.float64)
    g = signed[:, -1]
    pos, neg, zero = g > 0, g < 0, g == 0
    order = np.concatenate([np.flatnonzero(pos), np.flatnonzero(neg)])
    n_pos = int(pos.sum())
    absg = np.abs(g[order])
    rest = signed[:, :-1]
    out = np.zeros((r,) * m, dtype=np.int64)
    if m == 1:
        kernel = _LastAxisKernel(1, absg, n_pos, r)
        work = kernel.workspace()
        work.values[:] = kernel.scaled_a  # b = 0
        return kernel(work, np.zeros(1, dtype=np.int64)).reshape(r)
    # the inner block enumerates the last (up to) two of the remaining weights with a matmul, the outer
    # loop the others; blocks are independent, so two threads share them (numpy releases the GIL)
    n_inner = min(INNER_DIMS, m - 1)
    inner_grid = _integer_grid(n_inner, r)                  # (r^n_inner, n_inner)
    inner = inner_grid @ rest[:, m - 1 - n_inner:].T        # (r^n_inner, n) exact integers
    inner_sorted, inner_zero = inner[:, order], inner[:, zero]
    outer_dims = m - 1 - n_inner
    outer_grid = _integer_grid(outer_dims, r) if outer_dims else np.zeros((1, 0))
    outer_vals = outer_grid @ rest[:, :outer_dims].T if outer_dims else np.zeros((1, n))
    outer_sorted, outer_zero = outer_vals[:, order], outer_vals[:, zero]
    flat = out.reshape(outer_grid.shape[0], -1)
    kernel = _LastAxisKernel(inner_sorted.shape[0], absg, n_pos, r)

    def block(j: int, work: _Workspace) -> None:
        # numerator (A_i |g_i| - b_i) with b = inner + outer[j]: exact integers below 2^47
        np.subtract(kernel.scaled_a - outer_sorted[j], inner_sorted, out=work.values)
        const = ((inner_zero + outer_zero[j]) > 0).sum(axis=1)
        flat[j] = kernel(work, const).ravel()

    workers = threads if threads is not None else min(2, os.cpu_count() or 1)
    workers = max(1, min(workers, outer_grid.shape[0]))
    spaces = [kernel.workspace() for _ in range(workers)]
    if workers == 1:
        for j in range(outer_grid.shape[0]):
            block(j, spaces[0])
    else:
        with _fut.ThreadPoolExecutor(workers) as pool:
            list(pool.map(lambda w: [block(j, spaces[w]) for j in range(w, outer_grid.shape[0], workers)],
                          range(workers)))
    return out


@dataclass
class _Workspace:
    values: np.ndarray   # float64 (rows, pairs): partial sums b, then thresholds
    index: np.ndarray    # intp (rows, pairs): histogram bin of every (row, pair)


class _LastAxisKernel:
    """Counts for every row of partial sums ``b`` and every value of the last weight, without allocations.

    Pairs come ordered: ``n_pos`` pairs with g > 0, then those with g < 0 (g = 0 is handled by the caller).
    For g > 0 the first valid t is floor(1 - b/|g|); for g < 0 the number of valid t is ceil(b/|g|), and the
    histogram holds ``r - count = floor(r - b/|g|)``. The caller fills ``work.values`` with the exact integer
    numerator ``A|g| - b`` (A = 1 or r); one correctly rounded division gives ``A - b/|g|``, exact when it is an
    integer and otherwise off by far less than its distance (>= 1/|g| >= 2^-40) to the nearest integer; clipping
    to [0, r + 0.5] and truncating then give the exact floor.
    """

    def __init__(self, rows: int, absg: np.ndarray, n_pos: int, r: int):
        self.rows, self.n, self.r = rows, absg.size, r
        self.absg = absg
        self.scaled_a = np.where(np.arange(absg.size) < n_pos, 1.0, float(r)) * absg
        bins = 2 * (r + 1)
        self.bin_offset = (np.arange(rows, dtype=np.intp)[:, None] * bins
                           + np.where(np.arange(absg.size) < n_pos, 0, r + 1)[None, :].astype(np.intp))
        self.minlength = rows * bins

    def workspace(self) -> _Workspace:
        return _Workspace(np.empty((self.rows, self.n)), np.empty((self.rows, self.n), dtype=np.intp))

    def __call__(self, work: _Workspace, const: np.ndarray) -> np.ndarray:
        v, idx, r = work.values, work.index, self.r
        np.divide(v, self.absg, out=v)
        np.clip(v, 0.0, r + 0.5, out=v)
        np.copyto(idx, v, casting="unsafe")              # truncation == floor on non-negative values
        np.add(idx, self.bin_offset, out=idx)
        hist = np.bincount(idx.ravel(), minlength=self.minlength).reshape(self.rows, 2, r + 1)
        up = np.cumsum(hist[:, 0, :r], axis=1)             # g>0: pairs whose first valid t is <= t
        down = np.cumsum(hist[:, 1, :r], axis=1)[:, ::-1]  # g<0: pairs valid for every t < count
        return up + down + const[:, None]


def _integer_grid(dims: int, r: int) -> np.ndarray:
    """All integer vectors in {0..r-1}^dims in lexicographic order, as float64 (rows × dims)."""
    if dims == 0:
        return np.zeros((1, 0))
    mesh = np.indices((r,) * dims).reshape(dims, -1).T
    return mesh.astype(np.float64)


def accuracy_grid_bruteforce(delta_q: np.ndarray, signs: tuple[int, ...] = STUDY_SIGNS, steps: int = STEPS,
                             chunk: int = 8192) -> np.ndarray:
    """Reference: evaluate every weight vector by a chunked matmul and count ``d > 0`` (the plain baseline)."""
    delta_q = np.asarray(delta_q, dtype=np.float64)
    signs = tuple(int(s) for s in signs)
    _check(delta_q, signs, steps)
    m = delta_q.shape[1]
    r = steps + 1
    grid = _integer_grid(m, r) * np.asarray(signs, dtype=np.float64)
    out = np.empty(grid.shape[0], dtype=np.int64)
    for start in range(0, grid.shape[0], chunk):
        d = delta_q @ grid[start:start + chunk].T
        out[start:start + chunk] = (d > 0).sum(axis=0)
    return out.reshape((r,) * m)


def best_from_grid(counts: np.ndarray, n_pairs: int, signs: tuple[int, ...], steps: int,
                   attributes: tuple[str, ...] = ()) -> MergeResult:
    """Apply the documented tie-break to an accuracy grid."""
    best = int(counts.max())
    winners = np.argwhere(counts == best)              # rows already in lexicographic order
    totals = winners.sum(axis=1)
    pick = winners[int(np.argmin(totals))]             # argmin returns the first minimum -> lexicographic
    k = tuple(int(x) for x in pick)
    weights = tuple(float(s * x / steps) for s, x in zip(signs, k, strict=True))
    return MergeResult(weights=weights, integer_weights=k, accuracy=best / n_pairs if n_pairs else float("nan"),
                       n_correct=best, n_pairs=n_pairs, n_tied_best=int(winners.shape[0]),
                       signs=tuple(signs), steps=steps, attributes=tuple(attributes))


def search_merge_weights(chosen_scores: np.ndarray, rejected_scores: np.ndarray,
                         signs: tuple[int, ...] = STUDY_SIGNS, steps: int = STEPS,
                         attributes: tuple[str, ...] = HELPSTEER2_ATTRIBUTES,
                         threads: int | None = None) -> MergeResult:
    """The weight vector of the grid that maximises validation pairwise accuracy of ψ = a·w (exact, see module)."""
    chosen_scores = np.asarray(chosen_scores, dtype=np.float64)
    rejected_scores = np.asarray(rejected_scores, dtype=np.float64)
    if chosen_scores.shape != rejected_scores.shape:
        raise InputError(f"chosen scores have shape {chosen_scores.shape} but rejected {rejected_scores.shape}")
    if chosen_scores.shape[0] == 0:
        raise InputError("no validation pairs to choose the merge weights on")
    if attributes and len(attributes) != chosen_scores.shape[1]:
        attributes = ()
    delta_q = quantise_differences(chosen_scores, rejected_scores)
    counts = accuracy_grid(delta_q, tuple(signs), steps, threads=threads)
    return best_from_grid(counts, chosen_scores.shape[0], tuple(signs), steps, tuple(attributes))
