"""Predictors that learn from every multi-base RM study at once (issue 22, contract C).

``fit_pooled(target)`` fits :class:`~rmbase.selection.pooled_model.PooledModel` (one latent base quality shared by
every grid; a level and scale per grid; stage effects; shrunken family offsets) on the pooled RM evidence of
:func:`~rmbase.selection.evidence.rm_evidence` and the harmonised feature table of
:func:`~rmbase.selection.base_features.feature_table` (gathered by :mod:`rmbase.selection.pooled_inputs`), and returns
a :class:`PooledFit` whose predictions are a predictive distribution in the target's units. Which grids enter: for
each (study, recipe), the grid that measures the target when the study has it, else the study's headline grid (its
base ranking still informs the shared latent). The target's units come from a grid that measures it (the user's own
grid first, then the study's grid of the chosen recipe, then the largest grid).

Bases without benchmark features get a prediction from a size-only pooled fit (``feature_status == "size only"``,
wider interval); bases without a size get none (a counted note).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rmbase.errors import InputError
from rmbase.selection.base_features import FeatureTable, Lookup, feature_table
from rmbase.selection.evidence import STUDY, parse_target, rm_evidence
from rmbase.selection.pooled_inputs import BaseInfo, Prepared, base_info, prepare, training_rows
from rmbase.selection.pooled_model import PooledConfig, PooledModel
from rmbase.selection.stage import STAGES

SIZE_ONLY = PooledConfig(features=("params_b",), family=False)
N_DRAWS = 2000
SCALE = (0.0, 100.0)  # every RM target is an accuracy in percent


@dataclass
class PooledFit:
    """A pooled fit for one target; ``predict`` / ``sample`` give its predictive distribution."""
    target: str
    recipe: str | None
    config: PooledConfig
    studies_used: list[str]
    target_studies: list[str]
    units_grid: str | None
    model: PooledModel
    size_model: PooledModel | None
    table: FeatureTable
    train: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    reference_grid: str | None = None
    stages: dict[str, str] = field(default_factory=dict)  # stage of a base where the caller knows it (evidence)
    study_var: float = 0.0      # between-study variance of a base's departure (latent units; leave one study out)
    # draws for a study the fit has not seen (its noise: the training grids' median, plus the between-study variance);
    # False: a study like the units grid (its own noise). fit_pooled sets it when no grid measures the target;
    # leave-one-study-out sets it for the held-out grid
    new_study: bool = False
    _lookup: Lookup | None = None

    @property
    def grid(self) -> str | None:
        """The grid whose units predictions are in: the target's (``units_grid``), else the largest grid."""
        return self.units_grid or self.reference_grid

    @property
    def units(self) -> str:
        return (f"{self.target} as measured by {self.units_grid}" if self.units_grid else
                f"units of {self.reference_grid}: no study in this fit measures {self.target} (rankings only)")

    def _info(self, models: list[str], features) -> BaseInfo:
        if self._lookup is None:
            self._lookup = Lookup(self.table)
        return base_info(list(models), tuple(features), self.table, self._lookup, self.stages)

    def _training_range(self) -> dict:
        tr = self.train
        return {"families": set(tr["family"]), "stages": set(tr["stage"]),
                "params": (float(tr["params_b"].min()), float(tr["params_b"].max()))}

    def _extra_var(self, model: PooledModel) -> float:
        """Latent variance added to the units grid's noise for a new study: up to the median noise of the training
        grids, plus the between-study variance."""
        if not self.new_study:
            return 0.0
        j = model.grid_index(self.grid)
        own = 0.0 if j is None else float(model.noise_[j] ** 2)
        return max(model.new_study_var() - own, 0.0) + self.study_var

    def sample(self, models: list[str], n: int = N_DRAWS, seed: int = 0) -> np.ndarray:
        """(n, len(models)) joint predictive draws in the target's units (NaN for a base with neither features
        nor size)."""
        models = list(models)
        out = np.full((n, len(models)), np.nan)
        full = self._info(models, self.config.features)
        idx = np.flatnonzero(full.complete)
        if len(idx):
            out[:, idx] = self.model.draw(full.F[idx], full.Fsd[idx], [full.stages[i] for i in idx],
                                          [full.families[i] for i in idx], grid=self.grid, n=n, seed=seed,
                                          extra_var=self._extra_var(self.model))
        if self.size_model is not None:
            size = self._info(models, SIZE_ONLY.features)
            rest = np.flatnonzero(~full.complete & size.complete)
            if len(rest):
                out[:, rest] = self.size_model.draw(size.F[rest], size.Fsd[rest], [size.stages[i] for i in rest],
                                                    [size.families[i] for i in rest], grid=self.grid, n=n,
                                                    seed=seed + 1,
                                                    extra_var=self._extra_var(self.size_model))
        return out

    def predict(self, models: list[str], *, alpha: float = 0.1, n: int = N_DRAWS, seed: int = 0) -> pd.DataFrame:
        """Per model: mean, sd, lo, hi (the 1 - alpha interval), feature_status (observed / mapped / size only /
        none), studies (those informing it), extrapolation (flags), stage, family."""
        models = list(models)
        draws = self.sample(models, n=n, seed=seed)
        full = self._info(models, self.config.features)
        size = self._info(models, SIZE_ONLY.features)
        rng = self._training_range()
        rows = []
        for i, m in enumerate(models):
            d = draws[:, i]
            ok = np.isfinite(d).all()
            status = full.status[i] if full.complete[i] else ("size only" if size.complete[i] else "none")
            p = size.F[i, 0]
            flags = []
            if full.families[i] not in rng["families"]:
                flags.append(f"family {full.families[i]} outside all RM evidence")
            if full.stages[i] not in rng["stages"]:
                flags.append(f"stage {full.stages[i]} outside all RM evidence"
                             + ("" if full.stages[i] in STAGES else " (no stage effect: not a decoder LLM stage)"))
            if np.isfinite(p) and not (rng["params"][0] <= p <= rng["params"][1]):
                flags.append(f"size {p:g}B outside {rng['params'][0]:g}-{rng['params'][1]:g}B")
            if not np.isfinite(p):
                flags.append("size unknown")
            mean, lo, hi = (float(d.mean()), float(np.quantile(d, alpha / 2)),
                            float(np.quantile(d, 1 - alpha / 2))) if ok else (np.nan, np.nan, np.nan)
            if ok and mean > SCALE[1]:
                flags.append(f"prediction beyond {SCALE[1]:g} (the score's bound): shown at the bound; the linear "
                             "model extrapolates here")
            rows.append({"model": m, "mean": min(mean, SCALE[1]) if ok else np.nan,
                         "sd": float(d.std()) if ok else np.nan,
                         "lo": float(np.clip(lo, *SCALE)) if ok else np.nan,
                         "hi": float(np.clip(hi, *SCALE)) if ok else np.nan,
                         "feature_status": status, "studies": list(self.studies_used), "extrapolation": flags,
                         "stage": full.stages[i], "family": full.families[i], "params_b": p})
        return pd.DataFrame(rows).set_index("model")

    def point(self, models: list[str]) -> np.ndarray:
        """The predictive mean (without sampling) in the units of :attr:`grid`: the full model where a base has
        its features, else the size-only model (NaN without a size)."""
        models = list(models)
        out = np.full(len(models), np.nan)
        for model, feats in ((self.model, self.config.features), (self.size_model, SIZE_ONLY.features)):
            if model is None:
                continue
            info = self._info(models, feats)
            idx = np.flatnonzero(info.complete & np.isnan(out))
            if len(idx):
                j = model.grid_index(self.grid)
                a, c = (0.0, 1.0) if j is None else (model.level_[j], model.scale_[j])
                out[idx] = a + c * model.latent_mean(info.F[idx], [info.stages[i] for i in idx],
                                                     [info.families[i] for i in idx])
        return out

    def latent(self, models: list[str]) -> np.ndarray:
        """The posterior mean of the shared latent quality (the ranking key; NaN where the full model cannot
        score a base)."""
        info = self._info(list(models), self.config.features)
        out = np.full(len(models), np.nan)
        idx = np.flatnonzero(info.complete)
        if len(idx):
            out[idx] = self.model.latent_mean(info.F[idx], [info.stages[i] for i in idx],
                                              [info.families[i] for i in idx])
        return out



def fit_config(prep: Prepared, cfg: PooledConfig, mask: np.ndarray | None = None) -> PooledModel | None:
    """The pooled model of ``cfg`` on the rows of ``prep`` (those in ``mask``) whose bases have its features;
    None with fewer than 3 such rows."""
    keep = prep.usable(cfg) if mask is None else prep.usable(cfg) & mask
    if keep.sum() < 3:
        return None
    ii = prep.base_index[keep]
    cols = prep.columns(cfg)
    return PooledModel(cfg).fit(prep.rows["grid"].to_numpy()[keep], prep.rows["value"].to_numpy()[keep],
                                prep.info.F[np.ix_(ii, cols)], [prep.info.stages[i] for i in ii],
                                [prep.info.families[i] for i in ii])


def between_study_variance(prep: Prepared, cfg: PooledConfig, full: PooledModel) -> float:
    """How far a study's ranking departs from what the other studies predict, beyond its own noise (latent
    units): each training study predicted by a fit on the others, its residuals against the full fit's level and
    scale of each of its grids, their variance minus the grid's noise, pooled over studies (method of moments;
    0 with one study)."""
    studies = prep.rows["study"].to_numpy()
    if len(set(studies)) < 2:
        return 0.0
    usable = prep.usable(cfg)
    cols = prep.columns(cfg)
    grids = prep.rows["grid"].to_numpy()
    y = prep.rows["value"].to_numpy(dtype=float)
    num = den = 0.0
    for s in dict.fromkeys(studies):
        model = fit_config(prep, cfg, mask=studies != s)
        if model is None:
            continue
        for g in dict.fromkeys(grids[(studies == s) & usable]):
            idx = np.flatnonzero((grids == g) & usable)
            j = full.grid_index(g)
            if len(idx) < 3 or j is None:
                continue
            ii = prep.base_index[idx]
            lat = model.latent_mean(prep.info.F[np.ix_(ii, cols)], [prep.info.stages[i] for i in ii],
                                    [prep.info.families[i] for i in ii])
            c = full.scale_[j]
            r = (y[idx] - y[idx].mean() - c * (lat - lat.mean())) / c
            num += float((r**2).sum()) - (len(idx) - 1) * full.noise_[j] ** 2
            den += len(idx) - 1
    return max(num / den, 0.0) if den else 0.0


_CACHE: dict = {}


def fit_pooled(target: str = "rewardbench", *, recipe: str | None = None, features: FeatureTable | None = None,
               extra_results=None, studies=None, config: PooledConfig | None = None,
               evidence: pd.DataFrame | None = None) -> PooledFit:
    """Fit the pooled model for ``target`` (see :data:`rmbase.selection.evidence.TARGETS`). ``recipe`` chooses
    the units (the study's grid of that recipe); ``studies`` restricts (or, for validation-only sets, extends) the
    studies; ``evidence`` replaces :func:`rm_evidence` (validation passes subsets). Cached in-process for the
    bundled evidence and the default feature table."""
    cacheable = extra_results is None and evidence is None and features is None
    key = (target, recipe, tuple(studies) if studies is not None else None, config)
    if cacheable and key in _CACHE:
        return _CACHE[key]
    parse_target(target)
    table = features if features is not None else feature_table()
    ev = evidence if evidence is not None else rm_evidence(extra_results)
    notes = list(ev.attrs.get("notes", []))
    rows = training_rows(ev, target, studies)
    notes += rows.attrs.get("notes", [])
    cfg = config or default_config(target)
    prep = prepare(rows, table, tuple(dict.fromkeys((*cfg.features, *SIZE_ONLY.features))))
    keep = prep.usable(cfg)
    if (~keep).any():
        lacking = rows.loc[~keep, "base"]
        sized = prep.usable(SIZE_ONLY)[~keep]
        notes.append(f"{int((~keep).sum())} of {len(rows)} evidence rows ({lacking.nunique()} bases) lack the "
                     f"features {', '.join(cfg.features)}: left out of the full fit"
                     + (f"; {int(sized.sum())} of them inform the size-only fit" if sized.any() else ""))
    model = fit_config(prep, cfg)
    if model is None:
        raise InputError(f"too little RM evidence with features for target {target!r}",
                         expected="at least 3 evidence rows whose bases have features")
    size_model = fit_config(prep, SIZE_ONLY)
    used = np.unique(prep.base_index[keep])
    pcol = prep.features.index("params_b")
    train = pd.DataFrame({"base": [prep.bases[i] for i in used],
                          "stage": [prep.info.stages[i] for i in used],
                          "family": [prep.info.families[i] for i in used], "params_b": prep.info.F[used, pcol]})
    bench, tgt = parse_target(target)
    measuring = rows[(rows["rm_benchmark"] == bench) & (rows["target"] == tgt) & keep]
    units = _units_grid(measuring, recipe)
    fit = PooledFit(target=target, recipe=recipe, config=cfg,
                    studies_used=list(dict.fromkeys(rows.loc[keep, "study"])),
                    target_studies=list(dict.fromkeys(measuring["study"])), units_grid=units,
                    model=model, size_model=size_model, table=table, train=train, notes=notes,
                    reference_grid=str(rows.loc[keep, "grid"].value_counts().index[0]),
                    study_var=between_study_variance(prep, cfg, model),
                    new_study=units is None,
                    stages=dict(zip(rows["base"], rows["stage"], strict=True)))
    if cacheable:
        _CACHE[key] = fit
    return fit


def _units_grid(measuring: pd.DataFrame, recipe: str | None) -> str | None:
    if measuring.empty:
        return None
    g = measuring.groupby("grid", sort=False).agg(study=("study", "first"), recipe=("recipe", "first"),
                                                  n=("base", "nunique")).reset_index()
    g["rank"] = [(0 if s.startswith("user:") else 1 if (s == STUDY and (recipe is None or r == recipe)) else 2,
                  0 if recipe is None or r == recipe else 1, -n) for s, r, n in zip(g["study"], g["recipe"], g["n"],
                                                                                    strict=True)]
    return str(g.sort_values("rank")["grid"].iloc[0])


# What rmbase.selection.pooled_validation.select_config chooses on the bundled evidence (every training study, the
# default feature table; target rewardbench): fixed here so that a fit at `recommend` time does not rerun the choice
# (about 3 s). tests/selection/test_pooled.py checks that the choice still gives it.
DEFAULT_CONFIG = PooledConfig(features=("oll_average", "params_b"), alpha=30.0, family=False)


def default_config(target: str) -> PooledConfig:
    """The configuration the pooled fit uses when none is given (see docs/selection.md for how it was chosen)."""
    return DEFAULT_CONFIG
