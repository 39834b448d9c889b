"""``import_files``: any mix of harness JSONs, EvalPlus JSONs, leaderboard tables, plain CSVs and Swallow LLM
Leaderboard ``model.yml`` files -> one resolved :class:`BenchmarkTable` (ids normalised, leaderboard scale applied,
averages added, duplicates resolved). Swallow files given together are read as one set (their snapshot and
defect rules work across the files: :mod:`rmbase.benchmarks.swallow_rules`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rmbase.benchmarks.benchmark_table import BenchmarkTable
from rmbase.benchmarks.import_harness import (
    import_evalplus,
    import_lm_eval,
    is_evalplus_results,
    is_lm_eval_results,
    read_json,
)
from rmbase.benchmarks.import_swallow import is_swallow_path
from rmbase.benchmarks.import_tables import HUB_CONTENTS, import_table, load_hub_contents
from rmbase.benchmarks.leaderboard import AVERAGE, SIX
from rmbase.benchmarks.normalise import AGGREGATE_BASELINE, EXACT_FROM_AGGREGATE
from rmbase.benchmarks.sizes import drop_repeated_sizes
from rmbase.benchmarks.swallow_rules import swallow_table
from rmbase.errors import InputError
from rmbase.io import sha256_file

SCALE_CHOICES = ("normalised", "raw", "both")
JSON_PATTERNS = ("results_*.json", "*eval_results.json")


def expand(paths: list[str | os.PathLike]) -> list[str]:
    """Files as given; a folder stands for the lm-eval and EvalPlus result JSONs under it (sorted)."""
    out: list[str] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted({str(f) for pat in JSON_PATTERNS for f in p.rglob(pat)})
            if not found:
                raise InputError("no results_*.json or *eval_results.json in the folder", path=str(p))
            out.extend(found)
        else:
            out.append(str(raw))
    return out


def import_file(path: str, *, model: str | None = None, specs: dict[str, Any] | None = None) -> BenchmarkTable:
    """One input: a .json (lm-eval or EvalPlus, detected from its content), a Swallow ``model.yml`` (.yml/.yaml),
    a table, or the Hub dataset id.
    ``specs`` (lm-eval task -> TaskSpec) adds task mappings for lm-eval files (a suite's own tasks)."""
    p = Path(path)
    if not p.exists() and path.removeprefix("hf://") == HUB_CONTENTS:
        return load_hub_contents(HUB_CONTENTS)
    from rmbase.io import check_input_file

    check_input_file(p, expected="a results JSON or a table (a folder is searched for results_*.json)")
    if is_swallow_path(p):
        if model is not None:
            raise InputError("--model applies to JSON result files only; a model.yml names its models", path=path)
        return swallow_table([str(p)])
    if p.suffix.lower() == ".json":
        obj = read_json(p)
        if is_lm_eval_results(obj):
            table = import_lm_eval(p, model=model, obj=obj, specs=specs)
        elif is_evalplus_results(obj):
            table = import_evalplus(p, model=model, obj=obj)
        else:
            raise InputError("JSON file of an unknown kind", path=path,
                             expected="an lm-eval results file ('results' object) or an EvalPlus result file "
                                      "('eval' object)")
    else:
        if model is not None:
            raise InputError("--model applies to JSON result files only; tables name their models", path=path)
        table = import_table(p)
    table.inputs[str(p)] = sha256_file(p)
    return table


def normalise_aggregates(benchmarks: pd.Series, values: pd.Series) -> pd.Series:
    """Vectorised :func:`normalise_aggregate` (one call per distinct benchmark)."""
    out = pd.Series(np.nan, index=values.index, dtype=float)
    for bench in pd.unique(benchmarks):
        sel = benchmarks.eq(bench).to_numpy()
        x = values[sel].astype(float)
        lo = AGGREGATE_BASELINE[bench]
        out[sel] = np.maximum(x - lo, 0.0) / (1.0 - lo) * 100.0
    return out


def apply_scale(table: BenchmarkTable, scale: str = "normalised") -> BenchmarkTable:
    """Keep the requested scale of the six leaderboard benchmarks (other benchmarks stay raw, 0-1).

    For ``normalised`` and ``both``, a raw value of one of the six without a normalised value from the same source is
    normalised where its aggregate allows it (IFEval, MATH Lvl 5, GPQA, MMLU-Pro); BBH and MuSR cannot be (their score
    needs per-subtask values) and are left out with a counted warning under ``normalised``.
    """
    if scale not in SCALE_CHOICES:
        raise InputError(f"unknown scale {scale!r}", expected=f"one of {', '.join(SCALE_CHOICES)}")
    f = table.frame
    if f.empty:
        return table
    # rows with a mode (e.g. Swallow's) are another source's tasks of the same name: never normalised or dropped here
    unmoded = f["mode"].fillna("").eq("") if "mode" in f else pd.Series(True, index=f.index)
    six = f.benchmark.isin([*SIX, AVERAGE]) & unmoded
    if scale in ("normalised", "both"):
        raw6 = f[six & f.scale.eq("raw")]
        keys = ["model", "benchmark", "source"]
        have = pd.MultiIndex.from_frame(f.loc[six & f.scale.eq("normalised"), keys].astype(str))
        todo = raw6[~pd.MultiIndex.from_frame(raw6[keys].astype(str)).isin(have)]
        exact = todo[todo.benchmark.isin(EXACT_FROM_AGGREGATE)]
        if len(exact):
            conv = exact.assign(value=normalise_aggregates(exact.benchmark, exact.value), scale="normalised")
            f = pd.concat([f, conv], ignore_index=True)
        lost = todo[~todo.benchmark.isin(EXACT_FROM_AGGREGATE)]
        if len(lost) and scale == "normalised":
            first = lost.iloc[0]
            table.warn("raw BBH/MuSR aggregate cannot be normalised (needs per-subtask values; use --scale raw)",
                       f"{first.model} {first.benchmark} from {first.source}", len(lost))
        unmoded = f["mode"].fillna("").eq("") if "mode" in f else pd.Series(True, index=f.index)
        six = f.benchmark.isin([*SIX, AVERAGE]) & unmoded
    if scale == "normalised":
        f = f[~six | f.scale.eq("normalised")]
    elif scale == "raw":
        f = f[~six | f.scale.eq("raw")]
    table.frame = f.reset_index(drop=True)
    return table


def finish_import(table: BenchmarkTable, *, scale: str = "normalised", on_conflict: str = "error"
                  ) -> BenchmarkTable:
    """The pipeline's last steps on imported rows: normalise ids, apply the scale, add leaderboard averages (unless
    raw), resolve duplicates (the recorded rule). ``rmbase benchmarks run`` ends with them too."""
    table.normalise_ids()
    table.frame = drop_repeated_sizes(table.frame)  # every lm-eval results file of a run records the size
    apply_scale(table, scale)
    if scale != "raw":
        table.add_averages()
    table.resolve_duplicates(on_conflict)
    return table


def import_files(paths: list[str | os.PathLike], *, model: str | None = None,
                 scale: str = "normalised", on_conflict: str = "error") -> BenchmarkTable:
    """Import, normalise ids, apply the scale, add leaderboard averages, resolve duplicates (the recorded rule)."""
    files = expand(paths)
    if not files:
        raise InputError("no input files given")
    swallow = [f for f in files if is_swallow_path(f) and Path(f).exists()]
    others = [f for f in files if f not in swallow]
    tables = [import_file(f, model=model) for f in others]
    if swallow:
        if model is not None:
            raise InputError("--model applies to JSON result files only; a model.yml names its models",
                             path=swallow[0])
        tables.append(swallow_table(swallow))
    table = BenchmarkTable.concat(tables)
    if table.frame.empty:
        raise InputError("no benchmark scores in the input files")
    return finish_import(table, scale=scale, on_conflict=on_conflict)
