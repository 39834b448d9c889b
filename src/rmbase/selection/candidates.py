"""The candidate bases of ``rmbase recommend`` and ``rmbase plan``: their benchmark feature rows (the bundled feature
table, with a user's benchmarks file added: its values win), where each value came from, which candidates cannot be
scored and why, and what the bundled tables know of each (size, stage, family, release date)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rmbase.datasets import BENCHMARK_FEATURES
from rmbase.errors import InputError
from rmbase.model_ids import ModelIdIndex
from rmbase.selection.feature_frame import DEFAULT_FEATURES

BUNDLED_SOURCE = "bundled leaderboard_v2 table"
POST_STAGES = ("sft", "dpo", "rl", "instruct", "reasoning")
REASONING_ONLY = "only reasoning-on scores (run with thinking on: not comparable with other bases' scores)"
SCORE_COLUMNS = ("params_b", *BENCHMARK_FEATURES, "oll_average")


@dataclass
class CandidateScores:
    """The candidates' feature rows and where each value came from.

    ``table``: index model id, the features; ``unscorable``: [{model, reason}]; ``from_file``: model -> the columns
    the user's file gave; ``replaced``: model -> the bundled values the file's replaced (both had the model);
    ``no_scores``: candidates with no scores in any table; ``incomplete``: candidates with some scores but not all
    the features, with their size where a table has it (model -> params_b or None); ``left_out``: bases the pool
    rule took out of the default pool (:mod:`rmbase.selection.pool`); ``flags``: pool flags of the candidates."""

    table: pd.DataFrame
    unscorable: list[dict]
    source: str
    file: str | None = None
    from_file: dict[str, list[str]] = field(default_factory=dict)
    replaced: dict[str, list[str]] = field(default_factory=dict)
    no_scores: list[str] = field(default_factory=list)
    incomplete: dict[str, float | None] = field(default_factory=dict)
    left_out: list[dict] = field(default_factory=list)
    flags: dict[str, list[str]] = field(default_factory=dict)
    file_models: list[str] = field(default_factory=list)

    def to_score(self, candidates) -> list[str]:
        """The candidates worth the commands that score them: those no table scores, and, when the user named the
        candidates, those a table knows without all the features (e.g. a base only Swallow lists)."""
        out = [*self.no_scores, *(m for m in self.incomplete if candidates and m not in self.no_scores)]
        if candidates:  # in the order the user named them
            from rmbase.model_ids import canonical_model_id

            given = [canonical_model_id(c) for c in candidates]
            out.sort(key=lambda m: given.index(canonical_model_id(m)) if canonical_model_id(m) in given
                     else len(given))
        return out


def _user_wide(path: str) -> pd.DataFrame:
    """A user's benchmark file as model x (params_b, the six, oll_average): anything ``benchmarks import`` reads;
    sizes come as ``params_b`` rows, a ``params_b`` column or lm-eval's recorded parameter count."""
    from rmbase.benchmarks import import_files
    from rmbase.benchmarks.sizes import sizes

    table = import_files([path])
    wide = table.wide().reindex(columns=[c for c in SCORE_COLUMNS if c != "params_b"])
    given = sizes(table.frame)
    wide = wide.reindex(index=sorted(set(wide.index) | set(given)))
    wide.insert(0, "params_b", [given.get(m, np.nan) for m in wide.index])
    return wide


def bundled_wide() -> pd.DataFrame:
    """The bundled feature table of bases (:func:`rmbase.selection.base_features.feature_table`: the harmonised
    table when :mod:`rmbase.benchmarks` has it, else the Open LLM Leaderboard v2 tables) as model x
    ``params_b, the six, oll_average``; a base the table knows only by its size has NaN scores."""
    from rmbase.selection.base_features import feature_table

    ft = feature_table()
    meta = candidate_metadata()
    wide = ft.values.reindex(columns=[c for c in SCORE_COLUMNS if c != "params_b"])
    wide = wide.reindex(wide.index.union(meta.index))
    wide.insert(0, "params_b", meta["params_b"].reindex(wide.index).astype(float))
    return wide


def feature_status(models, features) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Per model: ``mapped`` when any of ``features`` is a mapped cell of the feature table, else ``observed``;
    and where the mapped cells came from (origin -> features)."""
    from rmbase.selection.base_features import feature_table

    ft = feature_table()
    status, origin = {}, {}
    cols = [f for f in features if f in ft.status.columns]
    known = [m for m in models if m in ft.status.index]
    mapped = ft.status.loc[known, cols].to_numpy() == "mapped"  # the table's frames share one index
    origins = ft.origin.loc[known, cols].to_numpy()
    for i, m in enumerate(known):
        status[m] = "mapped" if mapped[i].any() else "observed"
        for j in np.flatnonzero(mapped[i]):  # origin -> the features mapped from it
            origin.setdefault(m, {}).setdefault(str(origins[i, j]), []).append(cols[j])
    return status, origin


def candidate_metadata() -> pd.DataFrame:
    """Per base of the bundled tables (index: model): ``params_b, family, stage, reasoning, release,
    architecture`` (the feature table's models, with the leaderboard's model type as ``type``)."""
    from rmbase.benchmarks import load_bundled_models
    from rmbase.selection.base_features import feature_table

    meta = feature_table().models.copy()
    types = load_bundled_models().set_index("model")["type"]
    meta["type"] = types.reindex(meta.index)
    meta["oll"] = meta.index.isin(types.index)
    return _with_swallow(meta)


def _with_swallow(meta: pd.DataFrame) -> pd.DataFrame:
    """The bundled Swallow models (``rmbase.datasets.load_swallow``) added where the feature table lacks them
    (size, stage, reasoning, release), and their release dates where it has none."""
    try:
        from rmbase.datasets import load_swallow
    except ImportError:  # an rmbase without the Swallow tables
        return meta
    sw = load_swallow()[1].drop_duplicates("model").set_index("model")
    stage = [("reasoning" if r == "on" else "instruct") if s == "post" else "pretrained"
             for s, r in zip(sw["stage"], sw["reasoning"], strict=True)]
    add = pd.DataFrame({"params_b": sw["params_b"].astype(float), "family": sw["family"], "stage": stage,
                        "reasoning": sw["reasoning"], "release": sw["release"].astype(str),
                        "pretrained_from": sw.get("pretrained_from"), "architecture": "", "sources": "swallow",
                        "type": None, "oll": False}, index=sw.index)
    out = pd.concat([meta, add.loc[add.index.difference(meta.index)]])
    dated = add["release"].reindex(out.index)
    empty = out["release"].isna() | out["release"].astype(str).eq("")
    out.loc[empty & dated.notna(), "release"] = dated[empty & dated.notna()]
    if "reasoning" in out:
        on = add["reasoning"].reindex(out.index).eq("on") & ~out["oll"].astype(bool)
        out.loc[on, "reasoning"] = "on"
    return out


def merged_scores(benchmarks: str | None) -> tuple[pd.DataFrame, dict[str, list[str]], dict[str, list[str]], list]:
    """The bundled table with a user's file added: the user's values win where both have a model (cell by cell);
    ``oll_average`` is the mean of the six after the merge (the leaderboard's definition) wherever the file gave
    any of the six. Returns (table, from_file, replaced, the file's model ids as they appear in the table)."""
    bundled = bundled_wide()
    if benchmarks is None:
        return bundled, {}, {}, []
    user = _user_wide(benchmarks)
    found, _ = ModelIdIndex(bundled.index).join(user.index)
    merged = bundled.copy()
    from_file: dict[str, list[str]] = {}
    replaced: dict[str, list[str]] = {}
    ids = []
    six = list(BENCHMARK_FEATURES)
    for m in user.index:
        target = found.get(m, m)
        ids.append(target)
        if target not in merged.index:
            merged.loc[target] = np.nan
        given = [c for c in SCORE_COLUMNS if pd.notna(user.loc[m, c])]
        old = merged.loc[target]
        replaced_cols = [c for c in given if pd.notna(old[c]) and not np.isclose(old[c], user.loc[m, c])]
        for c in given:
            merged.loc[target, c] = user.loc[m, c]
        if set(given) & set(six) and "oll_average" not in given:
            merged.loc[target, "oll_average"] = merged.loc[target, six].mean(skipna=False)
        from_file[target] = given
        if replaced_cols:
            replaced[target] = replaced_cols
    return merged, from_file, replaced, ids


def candidate_scores(*, candidates: list[str] | None = None, benchmarks: str | None = None,
                     max_params: float | None = None, pool_types: tuple[str, ...] | None = None,
                     features: tuple[str, ...] = DEFAULT_FEATURES, file_pool: bool = False) -> CandidateScores:
    """Feature rows of the candidates and the candidates that cannot be scored, with the reason and the source of
    every value.

    Scores: the bundled leaderboard v2 table, with ``benchmarks`` (a file ``rmbase benchmarks import`` reads)
    added to it: the file's values win where both have a model. Pool: ``candidates`` (any spelling) when given;
    else the file's models with ``file_pool``; else the bundled rows of ``pool_types`` plus the file's models, less
    the bases the pool rule leaves out (:mod:`rmbase.selection.pool`; named candidates stay, flagged)."""
    from rmbase.selection.pool import pool_flags, split_pool
    from rmbase.selection.stage import normalise_stage

    wide, from_file, replaced, file_ids = merged_scores(benchmarks)
    meta = candidate_metadata()
    flags = pool_flags(meta)
    for m in meta.index[meta["reasoning"].eq("on") & ~meta["oll"].astype(bool)]:
        flags.setdefault(m, []).append(REASONING_ONLY)
    left_out: list[dict] = []
    source = BUNDLED_SOURCE if benchmarks is None else f"{BUNDLED_SOURCE} or {benchmarks}"
    unscorable: list[dict] = []
    no_scores: list[str] = []
    if candidates:
        found, unknown = ModelIdIndex(wide.index).join(candidates)
        no_scores.extend(unknown)
        unscorable.extend({"model": c, "reason": f"no benchmark scores in the {source}"} for c in unknown)
        wide = wide.loc[list(dict.fromkeys(found.values()))]
    elif benchmarks is not None and file_pool:
        wide = wide.loc[list(dict.fromkeys(file_ids))]
    elif pool_types:
        # leaderboard rows by their type; other bases of the feature table (e.g. Swallow's) when post-trained
        types = meta["type"].reindex(wide.index)
        post = meta["stage"].reindex(wide.index).map(normalise_stage).isin(POST_STAGES)
        keep = np.where(types.notna() & types.astype(str).ne(""), types.isin(pool_types), post) \
            | wide.index.isin(file_ids)
        kept, left_out = split_pool(wide.index[keep], flags)
        wide = wide.loc[kept]
    wide = wide.reindex(columns=sorted(set(features) | set(SCORE_COLUMNS), key=str))
    # the leaderboard average is the mean of the six by definition: fill it where a table gave only the six
    wide["oll_average"] = wide["oll_average"].fillna(wide[list(BENCHMARK_FEATURES)].mean(axis=1, skipna=False))
    wide = wide[list(features)]
    missing = wide.isna()
    incomplete: dict[str, float | None] = {}
    for m in wide.index[missing.any(axis=1)]:
        cols = [c for c in wide.columns if missing.loc[m, c]]
        where = benchmarks if m in from_file else BUNDLED_SOURCE
        unscorable.append({"model": m, "reason": f"missing {', '.join(cols)} in the {where}"})
        size = wide.loc[m, "params_b"] if "params_b" in wide else np.nan
        incomplete[m] = float(size) if pd.notna(size) else None
    wide = wide[~missing.any(axis=1)]
    if max_params is not None:
        wide = wide[wide["params_b"] <= max_params]
    if (wide.get("params_b", pd.Series(dtype=float)) <= 0).any():
        bad = wide.index[wide["params_b"] <= 0][0]
        raise InputError(f"candidate {bad!r} has params_b <= 0", path=source, column="params_b")
    return CandidateScores(table=wide, unscorable=unscorable, source=source, file=benchmarks,
                           from_file={m: c for m, c in from_file.items() if m in wide.index},
                           replaced={m: c for m, c in replaced.items() if m in wide.index}, no_scores=no_scores,
                           incomplete=incomplete, left_out=left_out,
                           flags={m: f for m, f in flags.items() if m in wide.index or m in incomplete},
                           file_models=list(dict.fromkeys(file_ids)))


def candidate_table(*, candidates: list[str] | None = None, benchmarks: str | None = None,
                    max_params: float | None = None, pool_types: tuple[str, ...] | None = None,
                    features: tuple[str, ...] = DEFAULT_FEATURES) -> tuple[pd.DataFrame, list[dict]]:
    """:func:`candidate_scores` as (feature rows, unscorable)."""
    out = candidate_scores(candidates=candidates, benchmarks=benchmarks, max_params=max_params,
                           pool_types=pool_types, features=features)
    return out.table, out.unscorable


def candidate_families(data, models) -> list[str | None]:
    """Each candidate's family: the models table's ``family`` for a model of the training data, else the bundled
    study family its id names (:func:`rmbase.model_ids.model_family`), else None (no family offset)."""
    from rmbase.model_ids import model_family

    table = data.models
    known: dict[str, str] = {}
    if "family" in table:
        for col in ("model", "hf_id"):
            if col in table:
                for m, f in zip(table[col], table["family"], strict=True):
                    if isinstance(m, str) and isinstance(f, str):
                        known[m] = f
    index = ModelIdIndex(known)
    return [next((known[h] for h in reversed(index.find(m))), None) or model_family(m) for m in models]


def candidate_stages(models: list[str]) -> dict[str, str]:
    """Post-training stage of each candidate the bundled metadata knows, else the one its name states
    (:func:`rmbase.selection.stage.infer_stage`)."""
    from rmbase.selection.stage import infer_stage, normalise_stage

    meta = candidate_metadata()["stage"]
    out = {}
    for m in models:
        known = normalise_stage(meta[m]) if m in meta.index else "unknown"
        out[m] = known if known != "unknown" else infer_stage(m)
    return out


def candidate_releases(data, models: list[str]) -> dict[str, str]:
    """Release date (ISO text) of each model the bundled metadata or the study's models table dates."""
    meta = candidate_metadata()["release"]
    study = {}
    if "release" in data.models:
        for col in ("hf_id", "model"):
            if col in data.models:
                study.update({str(m): str(r) for m, r in zip(data.models[col], data.models["release"], strict=True)
                              if isinstance(m, str) and isinstance(r, str) and r})
    out = {}
    for m in models:
        r = meta.get(m) if m in meta.index else None
        r = r if isinstance(r, str) and r else study.get(m) or study.get(m.rpartition("/")[2])
        if r:
            out[m] = r
    return out
