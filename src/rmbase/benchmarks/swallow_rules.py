"""Swallow ``model.yml`` files read together -> one table of scores and one of models, by stated rules.

The rules (docs/benchmarks.md, "Swallow LLM Leaderboard"; every cell a rule removes is counted and recorded):

1. **Sentinel.** ``-0.01`` is the leaderboard's "not run": a missing value (applied while reading,
   :mod:`rmbase.benchmarks.import_swallow`).
2. **Newest snapshot.** The same model, task and mode in several files: the file with the latest snapshot date
   (from its name, ``model_YYYY-MM-DD...yml``; a single file without one: its modification date) wins; every
   replaced value is recorded, and those that differed are counted. A model's metadata (stage, size, family,
   release) also comes from its newest file, and its 2025-schema rows take the stage a 2026 file gives it
   (``is_post``) over the 2025 name rule.
3. **Pre-trained rows that disagree between groups.** ``en_basic`` (2025) and ``en_pre`` (2026) run the same ten
   few-shot tasks on pre-trained checkpoints. Where one model's two values of a task differ by more than a factor
   (the lower below :data:`FRACTION` x the higher, the higher at least :data:`FLOOR`), the lower is an extraction
   failure and becomes missing (e.g. Llama-4-Scout-17B-16E BBH 0.289 in ``en_pre`` against 0.618 in ``en_basic``).
4. **Post-trained rows far below their own pre-trained checkpoint.** A post-trained model's score below
   :data:`FRACTION` x its pre-trained checkpoint's score on the same task and group (the checkpoint's at least
   :data:`FLOOR`) is an extraction failure and becomes missing (e.g. Qwen2.5-32B-Instruct BBH 0.017 against 0.717).
   The checkpoint is resolved from the display names in ``base_model`` / ``pre_training`` by matching the names and
   id tails of the models in the files read together (several matches or none: unresolved, counted), following
   post-trained parents to the pre-trained one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from rmbase.benchmarks.import_swallow import SwallowFile, display_key
from rmbase.errors import InputError

FRACTION = 0.6
FLOOR = 0.1
SCORE_COLUMNS = ["model", "benchmark", "value", "scale", "source", "mode", "date"]
REMOVED_COLUMNS = ["model", "benchmark", "mode", "source", "value", "rule", "reference_model", "reference_mode",
                   "reference_value"]
MODELS_OUT = ["model", "name", "family", "params_b", "active_params", "release", "stage", "reasoning", "pretrained_from",
              "base_name", "parent", "snapshots"]
RULE_PRE = "pre-trained en_basic/en_pre disagreement: the lower value is an extraction failure"
RULE_POST = "post-trained score far below its own pre-trained checkpoint: extraction failure"


@dataclass
class SwallowImport:
    """The scores (long, Contract A columns), the models (one row each), every removed or replaced cell, notes."""

    scores: pd.DataFrame
    models: pd.DataFrame
    removed: pd.DataFrame
    replaced: pd.DataFrame
    notes: Counter = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)

    def note(self, kind: str, example: str, count: int = 1) -> None:
        if count > 0:
            self.notes[kind] += count
            self.examples.setdefault(kind, example)


def _order(files: list[SwallowFile]) -> list[SwallowFile]:
    """Oldest first; several files need a snapshot date in each name (the newest-snapshot rule orders by it)."""
    if len(files) > 1:
        undated = [f.path for f in files if not f.dated_by_name]
        if undated:
            raise InputError("several Swallow files read together, but this one's name has no snapshot date",
                             path=undated[0], expected="a date in each file name (e.g. model_2026-05-07.yml), so "
                                                       "that the newest snapshot can win")
    return sorted(files, key=lambda f: f.date)  # stable: equal dates keep the order given


def _merge_models(files: list[SwallowFile], out: SwallowImport) -> pd.DataFrame:
    """One row per model: the newest file's metadata, empty fields filled from older files, all snapshots listed."""
    allm = pd.concat([f.models.assign(_order=i) for i, f in enumerate(files)], ignore_index=True)
    newest = allm.sort_values("_order", kind="stable").groupby("model", sort=True).last()  # last non-null
    latest = allm.sort_values("_order", kind="stable").drop_duplicates("model", keep="last").set_index("model")
    models = latest.copy()
    for col in ("family", "release", "base_name", "name"):  # empty strings are not null: fill them explicitly
        filled = allm[allm[col].astype(str).ne("")].sort_values("_order", kind="stable")
        last = filled.drop_duplicates("model", keep="last").set_index("model")[col]
        models[col] = last.reindex(models.index).fillna("")
    for col in ("params_b", "active_params"):
        models[col] = newest[col].reindex(models.index)
    models["snapshots"] = allm.groupby("model")["snapshot"].agg(lambda s: ";".join(dict.fromkeys(s)))
    guessed = allm[allm.snapshot.isin([f.snapshot for f in files if f.schema == "swallow-2025"])]
    changed = guessed.merge(models[["stage"]], left_on="model", right_index=True, suffixes=("", "_final"))
    changed = changed[changed.stage.ne(changed.stage_final)]
    if len(changed):
        out.note("stage of a 2025-schema entry taken from a newer file's is_post (the name rule disagreed)",
                 f"{changed.model.iloc[0]}: {changed.stage.iloc[0]} -> {changed.stage_final.iloc[0]}", len(changed))
    return models.drop(columns=["_order", "snapshot"]).reset_index()


def resolve_bases(models: pd.DataFrame, out: SwallowImport) -> pd.DataFrame:
    """Add ``parent`` (the id the display name ``base_name`` names) and ``pretrained_from`` (the pre-trained
    checkpoint: the parent, or the parent's own ``pretrained_from`` when the parent is post-trained)."""
    index: dict[str, set[str]] = {}
    for m, name in zip(models.model, models.name, strict=True):
        for key in {display_key(name), display_key(m.rpartition("/")[2])} - {""}:
            index.setdefault(key, set()).add(m)
    parent: dict[str, str] = {}
    unresolved: list[str] = []
    for m, base in zip(models.model, models.base_name, strict=True):
        if not base:
            continue
        hits = index.get(display_key(base), set()) - {m}
        if len(hits) == 1:
            parent[m] = next(iter(hits))
        else:
            unresolved.append(f"{m} <- {base!r}" + (f" ({len(hits)} matches)" if hits else ""))
    stage = dict(zip(models.model, models.stage, strict=True))

    def checkpoint(m: str) -> str:
        seen = {m}
        p = parent.get(m, "")
        while p and stage.get(p) == "post" and p not in seen:
            seen.add(p)
            p = parent.get(p, "")
        return p if p and stage.get(p) == "pre" else ""

    post_unresolved = [u for u in unresolved if stage[u.split(" <- ")[0]] == "post"]
    out.note("base display name not found among the models of the files read together (pretrained_from empty)",
             post_unresolved[0] if post_unresolved else "", len(post_unresolved))
    models = models.assign(parent=models.model.map(parent).fillna(""))
    models["pretrained_from"] = [checkpoint(m) if s == "post" else "" for m, s in zip(models.model, models.stage,
                                                                                       strict=True)]
    # family: the file's (2026 files name it); a model without one (only in the 2025 file) takes the family of the
    # model it was derived from (its parent, followed upwards), as the files do for their own derived models
    family = dict(zip(models.model, models.family, strict=True))
    filled = {}
    for m in models.model[models.family.eq("")]:
        seen, p = {m}, parent.get(m, "")
        while p and not family.get(p) and p not in seen:
            seen.add(p)
            p = parent.get(p, "")
        if p and family.get(p):
            filled[m] = family[p]
    if filled:
        first = next(iter(filled))
        out.note("family taken from the model it derives from (the file names none)", f"{first}: {filled[first]}",
                 len(filled))
        models["family"] = [filled.get(m, f) for m, f in zip(models.model, models.family, strict=True)]
    return models


def _newest_snapshot(scores: pd.DataFrame, out: SwallowImport) -> pd.DataFrame:
    """Rule 2: one row per (model, benchmark, mode); the newest file wins, equal dates with different values are
    refused (nothing can choose between them)."""
    keys = ["model", "benchmark", "mode"]
    ordered = scores.sort_values("_order", kind="stable")
    keep = ~ordered.duplicated(keys, keep="last")
    winners = ordered[keep].set_index(keys)
    lost = ordered[~keep].join(winners[["value", "source", "date"]], on=keys, rsuffix="_win")
    tie = lost[lost.date.eq(lost.date_win) & (lost.value - lost.value_win).abs().gt(1e-9)]
    if len(tie):
        r = tie.iloc[0]
        raise InputError(f"{r.model} {r.benchmark} ({r['mode']}): {r.value:g} in {r.source} and {r.value_win:g} in "
                         f"{r.source_win}, two files of the same snapshot date", expected="files of different "
                         "snapshot dates (the newest wins), or one of them")
    differs = (lost.value - lost.value_win).abs().gt(1e-9)
    out.note("older-snapshot value replaced by the newest snapshot's (values differed)",
             "" if not differs.any() else f"{lost.model[differs].iloc[0]} {lost.benchmark[differs].iloc[0]}: "
             f"{lost.value[differs].iloc[0]:g} -> {lost.value_win[differs].iloc[0]:g}", int(differs.sum()))
    out.note("older-snapshot value equal to the newest snapshot's (one row kept)",
             "" if differs.all() else f"{lost.model[~differs].iloc[0]} {lost.benchmark[~differs].iloc[0]}",
             int((~differs).sum()))
    out.replaced = lost.assign(differs=differs)[["model", "benchmark", "mode", "source", "value", "source_win",
                                                 "value_win", "differs"]].reset_index(drop=True)
    return ordered[keep]


def _remove(scores: pd.DataFrame, mask: pd.Series, ref: pd.DataFrame, rule: str, out: SwallowImport,
            removed: list[pd.DataFrame]) -> pd.DataFrame:
    hit = scores[mask]
    if len(hit):
        rec = pd.DataFrame({"model": hit.model, "benchmark": hit.benchmark, "mode": hit["mode"],
                            "source": hit.source, "value": hit.value, "rule": rule,
                            "reference_model": ref.loc[hit.index, "ref_model"],
                            "reference_mode": ref.loc[hit.index, "ref_mode"],
                            "reference_value": ref.loc[hit.index, "ref_value"]})
        removed.append(rec)
        r = rec.iloc[0]
        out.note(f"removed by rule: {rule}", f"{r.model} {r.benchmark} ({r['mode']}) {r.value:g} vs "
                 f"{r.reference_value:g} ({r.reference_model}, {r.reference_mode})", len(rec))
    return scores[~mask]


def _pre_disagreement(scores: pd.DataFrame, out: SwallowImport, removed: list[pd.DataFrame]) -> pd.DataFrame:
    """Rule 3 (see the module docstring)."""
    basic = scores[scores["mode"].eq("en_basic/pre/off")]
    pre = scores[scores["mode"].eq("en_pre/pre/off")]
    pairs = basic.reset_index().merge(pre.reset_index(), on=["model", "benchmark"], suffixes=("_b", "_p"))
    lo_basic = pairs.value_b < pairs.value_p
    lo_val = pairs.value_b.where(lo_basic, pairs.value_p)
    hi_val = pairs.value_p.where(lo_basic, pairs.value_b)
    bad = (hi_val >= FLOOR) & (lo_val < FRACTION * hi_val)
    pairs = pairs[bad]
    lo_idx = pairs["index_b"].where(lo_basic[bad], pairs["index_p"])
    ref = pd.DataFrame({"ref_model": pairs.model.to_numpy(),
                        "ref_mode": pairs["mode_p"].where(lo_basic[bad], pairs["mode_b"]).to_numpy(),
                        "ref_value": hi_val[bad].to_numpy()}, index=lo_idx.to_numpy())
    return _remove(scores, scores.index.isin(ref.index), ref.reindex(scores.index), RULE_PRE, out, removed)


def _post_below_base(scores: pd.DataFrame, models: pd.DataFrame, out: SwallowImport,
                     removed: list[pd.DataFrame]) -> pd.DataFrame:
    """Rule 4 (see the module docstring)."""
    ckpt = models.set_index("model")["pretrained_from"]
    post = scores[scores["mode"].str.split("/").str[1].eq("post")]
    post = post.assign(ref_model=post.model.map(ckpt).fillna(""), group=post["mode"].str.split("/").str[0])
    base = scores[scores["mode"].str.split("/").str[1].eq("pre")]
    base = base.assign(group=base["mode"].str.split("/").str[0])[["model", "benchmark", "group", "value", "mode"]]
    pairs = post.reset_index().merge(base.rename(columns={"model": "ref_model", "value": "ref_value",
                                                          "mode": "ref_mode"}),
                                     on=["ref_model", "benchmark", "group"])
    bad = (pairs.ref_value >= FLOOR) & (pairs.value < FRACTION * pairs.ref_value)
    ref = pairs[bad].set_index("index")[["ref_model", "ref_mode", "ref_value"]]
    return _remove(scores, scores.index.isin(ref.index), ref.reindex(scores.index), RULE_POST, out, removed)


def combine(files: list[SwallowFile]) -> SwallowImport:
    """Apply rules 2-4 to files read by :func:`~rmbase.benchmarks.import_swallow.read_swallow`."""
    files = _order(files)
    out = SwallowImport(scores=pd.DataFrame(columns=SCORE_COLUMNS), models=pd.DataFrame(),
                        removed=pd.DataFrame(columns=REMOVED_COLUMNS), replaced=pd.DataFrame())
    for f in files:
        for kind, n in f.notes.items():
            out.note(kind, f.examples.get(kind, ""), n)
    models = resolve_bases(_merge_models(files, out), out)
    scores = pd.concat([f.scores.assign(_order=i) for i, f in enumerate(files)], ignore_index=True)
    # a 2025-schema row's stage is the model's final stage (a 2026 file's is_post wins over the name rule)
    stage = scores.model.map(models.set_index("model")["stage"])
    parts = scores["mode"].str.split("/")
    scores["mode"] = parts.str[0] + "/" + stage + "/" + parts.str[2]
    scores = _newest_snapshot(scores, out)
    removed: list[pd.DataFrame] = []
    scores = _pre_disagreement(scores.reset_index(drop=True), out, removed)
    scores = _post_below_base(scores, models, out, removed)
    if removed:
        out.removed = pd.concat(removed, ignore_index=True)[REMOVED_COLUMNS]
    out.scores = scores[SCORE_COLUMNS].sort_values(["model", "mode", "benchmark"], kind="stable") \
        .reset_index(drop=True)
    out.models = models.sort_values("model", kind="stable").reset_index(drop=True)
    return out


def swallow_table(paths: list[str]):  # noqa: ANN201 - BenchmarkTable (imported late: benchmark_table imports pandas)
    """Swallow ``model.yml`` files read together -> a :class:`~rmbase.benchmarks.BenchmarkTable`: the scores after
    the rules, each model's size as a ``params_b`` row (mode empty), the notes as counted warnings, the removed and
    replaced cells kept for the provenance sidecar, and the models (:data:`MODELS_OUT`, as the bundled
    ``models.csv``) as ``table.model_info``."""
    from rmbase.benchmarks.benchmark_table import BenchmarkTable
    from rmbase.benchmarks.import_swallow import read_swallow
    from rmbase.benchmarks.sizes import PARAMS_B, SIZE_SCALE
    from rmbase.io import sha256_file

    files = [read_swallow(p) for p in paths]
    res = combine(files)
    newest = {f.snapshot: f for f in files}
    m = res.models[res.models.params_b.gt(0)]
    last = m.snapshots.str.split(";").str[-1]
    sizes = pd.DataFrame({"model": m.model, "benchmark": PARAMS_B, "value": m.params_b.astype(float),
                          "scale": SIZE_SCALE, "source": [newest[s].source for s in last], "mode": "",
                          "date": [newest[s].date for s in last]})
    table = BenchmarkTable(frame=pd.concat([res.scores, sizes], ignore_index=True))
    for kind, n in sorted(res.notes.items()):
        table.warn(kind, res.examples.get(kind, ""), n)
    table.removed = res.removed
    table.replaced = res.replaced
    table.model_info = res.models[MODELS_OUT]
    for f in files:
        table.inputs[f.path] = sha256_file(f.path)
    return table
