"""RM results from where training and evaluation leave them, turned into the study's tables, with the source of
every value recorded.

Inputs: the long RM result table (``rmbase sweep collect``; ../shared/DESIGN.md), ``rmbase evaluate`` output folders
(``results.json``; the model folder's ``train_config.json`` tells the base and the recipe), and the study's wide
results table. Values are converted to the study's percent; section names (``Chat Hard``) to its columns
(``chat_hard``). The models and benchmark tables may be left out: bases the bundled tables know take their rows
from them (the study's own table first, then the leaderboard's), and an unknown base takes ``params_b`` from its
checkpoint (the safetensors headers; nothing is filled in for what is not known).
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rmbase.datasets import schema as S
from rmbase.errors import InputError
from rmbase.hf_models import params_b

SECTION_COLUMNS = {"Chat": "chat", "Chat Hard": "chat_hard", "Safety": "safety", "Reasoning": "reasoning",
                   "score": "score"}
LONG_REQUIRED = ("base", "recipe", "eval_set", "name", "value")


def is_long_table(df: pd.DataFrame) -> bool:
    return set(LONG_REQUIRED) <= {str(c) for c in df.columns}


def wide_from_long(long: pd.DataFrame, label: str) -> tuple[pd.DataFrame, dict[str, dict[str, Any]]]:
    """(model, recipe, sections..., score) in percent from a long table of chosen rows; one eval set per base and
    recipe (RewardBench v1 first, then by name); several seeds are averaged."""
    missing = [c for c in LONG_REQUIRED if c not in long.columns]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)} in the RM result table", path=label)
    if "chosen" in long.columns:
        long = long[long["chosen"].astype(bool)]
    long = long[long["name"].isin(SECTION_COLUMNS)]
    rows, sources = [], {}
    for (base, recipe), group in long.groupby(["base", "recipe"], sort=False):
        sets = sorted(group["eval_set"].unique(),
                      key=lambda s: (0 if "benchmark" in group and (group.loc[group.eval_set == s, "benchmark"]
                                                                    == "rewardbench").any() else 1, str(s)))
        pick = group[group["eval_set"] == sets[0]]
        values = pick.groupby("name")["value"].mean()
        bad = values[(values < 0) | (values > 1)]
        if len(bad):
            raise InputError(f"value {bad.iloc[0]!r} of {bad.index[0]} for {base} is not in 0-1", path=label,
                             column="value", expected="accuracies between 0 and 1")
        row = {"model": str(base), "recipe": str(recipe)}
        row.update({SECTION_COLUMNS[n]: 100 * float(v) for n, v in values.items()})
        rows.append(row)
        partial = sorted({SECTION_COLUMNS[n] for n in pick.loc[pick.get("partial", False) == True, "name"]}  # noqa: E712
                         ) if "partial" in pick else []
        info = {"results": label, "eval_set": str(sets[0]), "partial": partial,
                "covers": sorted(SECTION_COLUMNS[n] for n in values.index)}
        for col in ("learning_rate", "seed", "cell", "checkpoint", "val_accuracy", "params_b", "source"):
            if col in pick and pick[col].notna().any():
                vals = sorted({v for v in pick[col].dropna().tolist()}, key=str)
                info[col] = vals[0] if len(vals) == 1 else vals
        sources[_key(base, recipe)] = info
    cols = ["model", "recipe", *S.SECTIONS, "score"]
    return pd.DataFrame(rows).reindex(columns=cols), sources


def _key(model: str, recipe: str) -> str:
    return f"{model} / {recipe}"


def find_evaluate_folders(path: Path) -> list[Path]:
    if (path / "results.json").is_file():
        return [path]
    return sorted(p.parent for p in path.glob("*/results.json"))


def long_from_evaluate(folder: Path) -> pd.DataFrame:
    """Long rows of one ``rmbase evaluate`` output folder; base and recipe from the model's train_config.json."""
    try:
        results = json.loads((folder / "results.json").read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read results.json: {exc}", path=str(folder)) from exc
    model = results.get("model") or results.get("provenance", {}).get("model")
    model_dir = Path(str(model))
    train_cfg = model_dir / "train_config.json"
    if not train_cfg.is_file():
        raise InputError("the evaluated model has no train_config.json (not trained by `rmbase train`), so its "
                         "base and recipe are unknown", path=str(folder / "results.json"), column="model",
                         expected="a model folder written by `rmbase train`, or a results table")
    tc = json.loads(train_cfg.read_text())
    base = tc["base"]
    name = Path(base).name if Path(base).expanduser().exists() else base
    rows = []
    common = {"base": name, "recipe": tc["recipe"], "eval_set": folder.name, "benchmark": results["benchmark"],
              "seed": tc.get("seed"), "checkpoint": str(model_dir), "source": base,
              "params_b": params_b(model_dir), "cell": str(folder)}
    lrs = tc.get("learning_rates") or []
    if len(lrs) == 1:
        common["learning_rate"] = lrs[0]
    search = model_dir / "lr_search.csv"
    if search.is_file():  # the training room's record: the chosen learning rate and its validation accuracy
        runs = pd.read_csv(search)
        pick = runs[runs["chosen"].astype(str).str.lower() == "true"] if "chosen" in runs else runs.iloc[:0]
        if len(pick):
            common["learning_rate"] = float(pick["learning_rate"].iloc[0])
            common["val_accuracy"] = float(pick["best_accuracy"].iloc[0])
    for sec, value in (results.get("sections") or {}).items():
        if value is not None:
            rows.append({**common, "name": sec, "value": value, "partial": sec in results.get("partial", [])})
    if results.get("score") is not None:
        rows.append({**common, "name": "score", "value": results["score"], "partial": bool(results.get("partial"))})
    return pd.DataFrame(rows)


def _best_validation(long: pd.DataFrame) -> pd.Series:
    """Several trained models of one base and recipe (a learning-rate grid run as separate `rmbase train`s): keep
    the one with the best validation accuracy, as the study chose (ties: the smaller learning rate)."""
    chosen = pd.Series(False, index=long.index)
    acc = long["val_accuracy"] if "val_accuracy" in long else pd.Series(np.nan, index=long.index)
    lr = long["learning_rate"] if "learning_rate" in long else pd.Series(np.nan, index=long.index)
    for _, group in long.groupby(["base", "recipe"]):
        runs = pd.DataFrame({"cell": group["cell"], "acc": acc[group.index].fillna(-1.0),
                             "lr": lr[group.index].fillna(0.0)}).drop_duplicates("cell")
        best = runs.sort_values(["acc", "lr"], ascending=[False, True])["cell"].iloc[0]
        chosen[group.index[group["cell"] == best]] = True
    return chosen


def _bundled(name: str) -> pd.DataFrame:
    return pd.read_csv(str(resources.files("rmbase.datasets") / name))


BUNDLED_MODEL_TABLES = ("paper_2505_10775/models.csv", "leaderboard_v2/models.csv")


def bundled_model(model: str) -> tuple[dict[str, Any], str] | None:
    """(the bundled models-table row, which table) of a model id in any spelling (the study's table first, then
    the leaderboard's; ``hf_id`` before ``model``, each by :class:`rmbase.model_ids.ModelIdIndex`), or None."""
    from rmbase.model_ids import ModelIdIndex

    for table in BUNDLED_MODEL_TABLES:
        df = _bundled(table)
        for col in ("hf_id", "model"):
            if col in df:
                hit = ModelIdIndex(df[col].dropna().astype(str)).resolve(model)
                if hit is not None:
                    return df[df[col].astype(str) == hit].iloc[0].to_dict(), table
    return None


def match_bundled(model: str) -> tuple[str, str] | None:
    """(name in the bundled tables, which table) for a model id in any spelling, or None."""
    found = bundled_model(model)
    return None if found is None else (str(found[0]["model"]), found[1])


def assemble(results: pd.DataFrame, sources: dict[str, dict[str, Any]], *, models: pd.DataFrame | None,
             benchmarks: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict]:
    """Results renamed to the bundled tables' names where they match, and the models and benchmark tables
    completed from the bundled tables (user rows first); returns (models, results, benchmarks, per-model
    sources)."""
    results = results.copy()
    per_model: dict[str, dict[str, Any]] = {}
    user_models = set(models["model"]) if models is not None else set()
    user_bench = set(benchmarks["model"]) if benchmarks is not None else set()
    renamed = {}
    for m in results["model"].unique():
        if m in user_models:
            continue
        hit = match_bundled(m)
        if hit is not None and hit[0] != m:
            renamed[m] = hit[0]
    results["model"] = results["model"].replace(renamed)
    paper_models, lb_models = _bundled("paper_2505_10775/models.csv"), _bundled("leaderboard_v2/models.csv")
    paper_bench, lb_bench = _bundled("paper_2505_10775/benchmarks.csv"), _bundled("leaderboard_v2/scores.csv")
    model_rows, bench_rows = [], []
    for m in results["model"].unique():
        src: dict[str, Any] = {"name": m}
        original = next((k for k, v in renamed.items() if v == m), m)
        if original != m:
            src["renamed_from"] = original
        src["results"] = [sources[k] for k in sources if k.split(" / ")[0] in (m, original)]
        if m in user_models:
            src["models"] = "user table"
        elif (paper_models["model"] == m).any():
            model_rows.append(paper_models[paper_models["model"] == m].iloc[[0]])
            src["models"] = "bundled paper_2505_10775/models.csv"
        else:
            params, where = None, None
            if (lb_models["model"] == m).any():
                params, where = float(lb_models.loc[lb_models["model"] == m, "params_b"].iloc[0]), \
                    "bundled leaderboard_v2/models.csv"
            else:
                hints = [s.get("params_b") for s in src["results"] if isinstance(s.get("params_b"), (int, float))]
                if hints:
                    params, where = float(hints[0]), "checkpoint (safetensors headers)"
            model_rows.append(pd.DataFrame([{"model": m, "params_b": np.nan if params is None else params,
                                             "pretrain_tokens_t": np.nan}]))
            src["models"] = f"params_b: {where or 'unknown'}; pretrain_tokens_t: unknown"
        if m in user_bench:
            src["benchmarks"] = "user table"
        elif (paper_bench["model"] == m).any():
            bench_rows.append(paper_bench[paper_bench["model"] == m])
            src["benchmarks"] = "bundled paper_2505_10775/benchmarks.csv"
        elif (lb_bench["model"] == m).any():
            bench_rows.append(lb_bench[lb_bench["model"] == m])
            src["benchmarks"] = "bundled leaderboard_v2/scores.csv"
        else:
            src["benchmarks"] = "unknown (give --benchmarks)"
        per_model[m] = src
    m_table = pd.concat([models, *model_rows] if models is not None else model_rows, ignore_index=True) \
        if (model_rows or models is not None) else pd.DataFrame(columns=["model", *S.MODEL_FEATURES])
    b_table = pd.concat([benchmarks, *bench_rows] if benchmarks is not None else bench_rows, ignore_index=True) \
        if (bench_rows or benchmarks is not None) else pd.DataFrame(columns=["model", "benchmark", "value"])
    b_table = b_table[b_table["benchmark"].isin((*S.BENCHMARK_FEATURES, S.OLL_AVERAGE))]
    return m_table.reset_index(drop=True), results, b_table.reset_index(drop=True), per_model


def read_results_path(path: Path) -> tuple[pd.DataFrame, dict[str, dict[str, Any]], str]:
    """(wide results, sources, sha256) of a results table (wide or long) or of ``rmbase evaluate`` folders."""
    from rmbase.io import read_table, sha256_file, sha256_frame

    path = Path(path)
    if path.is_dir():
        folders = find_evaluate_folders(path)
        if not folders:
            raise InputError("no results.json here or one folder down, and not a sweep store", path=str(path),
                             expected="a sweep store, an `rmbase evaluate` output folder, or a results table")
        long = pd.concat([long_from_evaluate(f) for f in folders], ignore_index=True)
        if long.empty:
            raise InputError("the evaluate results hold no section or score", path=str(path))
        long["chosen"] = _best_validation(long)
        wide, sources = wide_from_long(long, str(path))
        return wide, sources, sha256_frame(long.astype(str))
    df = read_table(path)
    if is_long_table(df):
        wide, sources = wide_from_long(df, str(path))
        return wide, sources, sha256_file(path)
    wide = S.validate(df, S.RESULTS, str(path))
    return wide, {_key(m, r): {"results": str(path)} for m, r in zip(wide.model, wide.recipe, strict=True)}, \
        sha256_file(path)
