"""The feature table of bases the pooled predictor reads (contract B of issue 22).

:func:`feature_table` returns the harmonised table of :mod:`rmbase.benchmarks` (``bundled_feature_table``: OLL v2 +
Swallow, observed or mapped cells with their uncertainty) when that module provides it, else the same shape built
from the bundled Open LLM Leaderboard v2 tables alone (every cell ``observed`` with sd 0): the leaderboard's bundled
candidate table (``datasets/leaderboard_v2``) and the external sets' bases (``datasets/external/base_features.csv``,
same leaderboard and row rule; the 70B/32B/27B bases the candidate table leaves out).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from importlib import resources

import numpy as np
import pandas as pd

from rmbase.benchmarks.leaderboard import AVERAGE, SIX
from rmbase.model_ids import ModelIdIndex
from rmbase.selection.stage import base_family, normalise_stage, resolve_stage

FEATURES = (*SIX, AVERAGE)  # the OLL v2 six (normalised 0-100) and their average; params_b lives in models


try:  # contract B: the harmonised table's class, once rmbase.benchmarks has it
    from rmbase.benchmarks import FeatureTable
except ImportError:  # pragma: no cover - before the harmonised table lands
    @dataclass
    class FeatureTable:  # type: ignore[no-redef]
        """values / status / origin / sd: model x feature (NaN / "" where unknown); models: params_b, family,
        stage, reasoning, release, pretrained_from, architecture, sources; conflicts; counted notes."""
        values: pd.DataFrame
        status: pd.DataFrame
        origin: pd.DataFrame
        sd: pd.DataFrame
        models: pd.DataFrame
        conflicts: pd.DataFrame = field(default_factory=pd.DataFrame)
        notes: list[str] = field(default_factory=list)


_OLL_TYPE_STAGE = {"pretrained": "pretrained", "continuously-pretrained": "pretrained", "chat": "instruct",
                   "fine-tuned": "sft"}


@functools.lru_cache(maxsize=1)
def oll_feature_table() -> FeatureTable:
    """The OLL-v2-only table (sd 0, status ``observed``), in contract B's shape."""
    from rmbase.benchmarks import load_bundled_models, load_bundled_wide

    wide = load_bundled_wide()
    lb_models = load_bundled_models().set_index("model")
    ext = pd.read_csv(str(resources.files("rmbase.datasets") / "external" / "base_features.csv"))
    ext = ext.dropna(subset=["oll_average"]).set_index("base")
    known = ModelIdIndex(wide.index)
    extra = ext[[not known.find(b) for b in ext.index]]
    values = pd.concat([wide[list(FEATURES)], extra[list(FEATURES)]]).astype(float)
    params = pd.concat([wide["params_b"], extra["params_b"]]).astype(float)
    origin = pd.DataFrame(np.where(values.notna(), "oll-v2", ""), index=values.index, columns=values.columns)
    paper = pd.read_csv(str(resources.files("rmbase.datasets") / "paper_2505_10775" / "models.csv"))
    paper_stage = dict(zip(paper["hf_id"], paper["stage"].map(normalise_stage), strict=True))
    rows = []
    for m in values.index:
        typ = lb_models["type"].get(m, "") if m in lb_models.index else ""
        stage = paper_stage.get(m) or resolve_stage(m, _OLL_TYPE_STAGE.get(typ))
        rows.append({"model": m, "params_b": params[m], "family": base_family(m), "stage": stage,
                     "reasoning": "on" if stage == "reasoning" else "off", "release": "",
                     "pretrained_from": "", "architecture": lb_models["architecture"].get(m, "")
                     if m in lb_models.index else "", "sources": "oll-v2"})
    models = pd.DataFrame(rows).set_index("model")
    return FeatureTable(values=values, status=origin.replace({"oll-v2": "observed"}), origin=origin,
                        sd=values.notna().astype(float) * 0.0, models=models, conflicts=pd.DataFrame(), notes=[])


def feature_table() -> FeatureTable:
    """The harmonised table when :mod:`rmbase.benchmarks` has it, else :func:`oll_feature_table`."""
    try:
        from rmbase.benchmarks import bundled_feature_table  # contract B (issue 22, harmonise)
    except ImportError:
        return oll_feature_table()
    return bundled_feature_table()


class Lookup:
    """Rows of a feature table for model ids in any spelling."""

    def __init__(self, table: FeatureTable):
        self.table = table
        self.index = ModelIdIndex(list(table.values.index) + [m for m in table.models.index
                                                               if m not in table.values.index])

    def find(self, model: str) -> str | None:
        hits = self.index.find(model)
        return hits[-1] if hits else None
