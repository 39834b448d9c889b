"""Typed configs of ``rmbase benchmarks import`` and ``rmbase benchmarks show`` (``rmbase.config.Config``).

A run of ``import`` writes its resolved config beside the table (``scores.csv`` -> ``scores.config.yaml``), so that
``--config`` of that file reruns it; ``show`` writes the resolved config beside its ``--json`` file.
(``benchmarks run`` has its own, :class:`rmbase.benchmarks.run.RunConfig`.)
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from rmbase.config import Config


class ImportConfig(Config):
    """Options of ``rmbase benchmarks import``."""

    files: list[str] = Field(min_length=1, description=(
        "lm-eval results_*.json, EvalPlus *_eval_results.json, leaderboard tables (CSV/Parquet or "
        "'open-llm-leaderboard/contents' from the Hub), plain CSV model,benchmark,value; folders of JSONs; Swallow "
        "LLM Leaderboard model.yml files (read together: the newest snapshot wins, docs/benchmarks.md)."))
    out: str = Field(description="Output long table (.csv or .parquet); a .provenance.json and the resolved config "
                     "(OUT.config.yaml) are written beside it.")
    scale: Literal["normalised", "raw", "both"] = Field("normalised", description=(
        "normalised (leaderboard 0-100 for the six; works with `rmbase study --benchmarks`) | raw | both"))
    model: str | None = Field(None, description="Model id for JSON files (overrides the id they record).")
    on_conflict: Literal["error", "drop", "first"] = Field("error", description=(
        "Equal-rank duplicates with different values: error | drop | first"))
    names: Literal["hf", "short"] = Field("hf", description=(
        "Model names written: hf (org/name) | short (name only, as the study's tables name models)"))
    models: str | None = Field(None, description=(
        "Keep only the models of this models table (columns model[, hf_id], e.g. the study's models.csv) and name "
        "them as it does."))


class ShowConfig(Config):
    """Options of ``rmbase benchmarks show``."""

    models: list[str] = Field(min_length=1, description="Model ids (any spelling; a name without organisation "
                              "works).")
    scores: list[str] | None = Field(None, description="Score files to read (anything `import` reads); default: "
                                     "the bundled tables.")
    bundled: bool | None = Field(None, description="Harmonise with the bundled tables (leaderboard v2, Swallow). "
                                 "Default: only when --scores is not given.")
    json_out: str | None = Field(None, description="Also write every feature of the models as JSON (and the "
                                 "resolved config beside it, JSON.config.yaml).")
    all_features: bool = Field(False, description="Also print the mapped values of the other sources' features "
                               "(default: the selection features and what is observed).")
