"""What a pooled fit learns from (:mod:`rmbase.selection.pooled`): the evidence rows of a target, one grid per study
and recipe (:func:`training_rows`), and every base's features, stage and family (:func:`base_info`, gathered once
per target by :func:`prepare` so that several configurations and folds fit without looking features up again)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from rmbase.selection.base_features import FeatureTable, Lookup
from rmbase.selection.evidence import (
    RB1_LEADERBOARD,
    RB2_GRID,
    SKYWORK,
    STUDY,
    VALIDATION_ONLY,
    parse_target,
    target_name,
)
from rmbase.selection.pooled_model import PooledConfig
from rmbase.selection.stage import base_family, resolve_stage

# the grid a study enters with when none of its grids measures the target
HEADLINE = {STUDY: ("rewardbench", "score"), RB2_GRID: ("rewardbench2", "score"),
            SKYWORK: ("skywork7", "avg7"), RB1_LEADERBOARD: ("rewardbench", "score")}


def grid_id(study: str, recipe: str, bench: str, target: str) -> str:
    return f"{study} | {recipe} | {target_name(bench, target)}"


def training_rows(evidence: pd.DataFrame, target: str, studies=None) -> pd.DataFrame:
    """The evidence rows a fit for ``target`` learns from, with a ``grid`` column (one grid per study and
    recipe): the grid measuring the target, else the study's headline grid. Validation-only studies enter only
    when named in ``studies``. A grid with fewer than 2 bases is left out (counted in ``attrs['notes']``)."""
    bench, tgt = parse_target(target)
    ev = evidence
    if studies is not None:
        ev = ev[ev["study"].isin(list(studies))]
    else:
        ev = ev[~ev["study"].isin(VALIDATION_ONLY) & ev["role"].eq("train")]
    parts, notes = [], []
    for (study, recipe), g in ev.groupby(["study", "recipe"], sort=False):
        own = g[(g["rm_benchmark"] == bench) & (g["target"] == tgt)]
        if own.empty:
            hb, ht = HEADLINE.get(study, ("rewardbench", "score"))
            own = g[(g["rm_benchmark"] == hb) & (g["target"] == ht)]
        if own.empty:
            continue
        own = own[["base", "value", "stage", "rm_benchmark", "target"]]
        if own["base"].duplicated().any():  # several results of one base (e.g. seeds of a user's sweep): their mean
            own = own.groupby("base", sort=False).agg(value=("value", "mean"), stage=("stage", "first"),
                                                      rm_benchmark=("rm_benchmark", "first"),
                                                      target=("target", "first")).reset_index()
        else:
            own = own.reset_index(drop=True)
        if own["base"].nunique() < 2:
            notes.append(f"{study} ({recipe}): {own['base'].nunique()} base - no study effect can be estimated "
                         "from a single base; left out of the fit")
            continue
        own = own.assign(study=study, recipe=recipe,
                         grid=grid_id(study, recipe, own["rm_benchmark"].iloc[0], own["target"].iloc[0]))
        parts.append(own)
    rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["base", "value", "stage", "rm_benchmark", "target", "study", "recipe", "grid"])
    rows.attrs["notes"] = notes
    return rows


@dataclass
class BaseInfo:
    """Per base: the feature means and sds (config's features; params_b from the models table or the name), its
    stage, family and feature status."""
    F: np.ndarray
    Fsd: np.ndarray
    stages: list[str]
    families: list[str]
    status: list[str]
    complete: np.ndarray
    sized: np.ndarray


def base_info(models: list[str], features: tuple[str, ...], table: FeatureTable, lookup: Lookup,
              stages: dict[str, str] | None = None) -> BaseInfo:
    from rmbase.selection.no_scores import size_from_name

    F = np.full((len(models), len(features)), np.nan)
    Fsd = np.zeros_like(F)
    st, fam, status = [], [], []
    for i, m in enumerate(models):
        key = lookup.find(m)
        row = table.models.loc[key] if key is not None and key in table.models.index else None
        kinds = set()
        for j, f in enumerate(features):
            if f == "params_b":
                v = row["params_b"] if row is not None else np.nan
                F[i, j] = v if pd.notna(v) else (size_from_name(m) or np.nan)
            elif key is not None and key in table.values.index and f in table.values.columns:
                F[i, j] = table.values.at[key, f]
                sd = table.sd.at[key, f] if f in table.sd.columns else 0.0
                Fsd[i, j] = 0.0 if pd.isna(sd) else float(sd)
                kinds.add(str(table.status.at[key, f]) if f in table.status.columns else "observed")
        given = (stages or {}).get(m)
        st.append(given if given else resolve_stage(m, row["stage"] if row is not None and "stage" in row else None))
        fam.append(base_family(m))  # one naming for every source (the study's families, else the name's)
        bench = [f for f in features if f != "params_b"]
        complete = bool(np.isfinite(F[i]).all())
        status.append(("mapped" if "mapped" in kinds else "observed") if complete and bench else
                      ("size only" if complete else "none"))
    return BaseInfo(F, Fsd, st, fam, status, np.isfinite(F).all(axis=1), np.isfinite(F[:, [
        features.index("params_b")]]).all(axis=1) if "params_b" in features else np.zeros(len(models), bool))


@dataclass
class Prepared:
    """Training rows of a target and every base's features (the union of the features any config reads), so that
    several configurations (and inner folds) fit without looking features up again."""
    rows: pd.DataFrame
    bases: list[str]
    features: tuple[str, ...]
    info: BaseInfo
    base_index: np.ndarray

    def columns(self, cfg: PooledConfig) -> list[int]:
        return [self.features.index(f) for f in cfg.features]

    def usable(self, cfg: PooledConfig) -> np.ndarray:
        """Rows whose base has every feature of ``cfg``."""
        ok = np.isfinite(self.info.F[:, self.columns(cfg)]).all(axis=1)
        return ok[self.base_index]


def prepare(rows: pd.DataFrame, table: FeatureTable, features: tuple[str, ...], lookup: Lookup | None = None
            ) -> Prepared:
    bases = list(dict.fromkeys(rows["base"]))
    stage_of = dict(zip(rows["base"], rows["stage"], strict=False))
    info = base_info(bases, features, table, lookup or Lookup(table), stage_of)
    pos = {b: i for i, b in enumerate(bases)}
    return Prepared(rows.reset_index(drop=True), bases, features, info, rows["base"].map(pos).to_numpy())
