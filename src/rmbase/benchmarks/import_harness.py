"""Importers of evaluation-harness outputs: lm-evaluation-harness ``results_*.json`` and EvalPlus result JSONs.

Each returns a :class:`BenchmarkTable`. A file that cannot be used (not JSON, not the expected structure, no model id,
no known task) is an :class:`InputError`; a task that is unknown to rmbase or lacks its metric is a counted warning.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from rmbase.benchmarks.benchmark_table import BenchmarkTable
from rmbase.benchmarks.leaderboard import LM_EVAL_TASKS, SIX
from rmbase.benchmarks.normalise import leaderboard_from_lm_eval
from rmbase.benchmarks.sizes import PARAMS_B, SIZE_SCALE
from rmbase.benchmarks.suites import EVALPLUS_BENCHMARKS, lm_eval_specs
from rmbase.errors import InputError
from rmbase.model_ids import model_id_from_folder, preferred_model_id
from rmbase.ranges import RAW, Range, check_value

LEADERBOARD_PREFIX = "leaderboard"


def read_json(path: str | Path) -> Any:
    from rmbase.io import check_input_file

    p = check_input_file(path, expected="a JSON file")
    try:
        with open(p, encoding="utf-8") as f:
            return json.load(f)
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}", path=str(p)) from exc
    except UnicodeDecodeError as exc:
        raise InputError("not a UTF-8 text file", path=str(p), expected="a JSON file") from exc


def is_lm_eval_results(obj: Any) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("results"), dict)


def is_evalplus_results(obj: Any) -> bool:
    return isinstance(obj, dict) and (isinstance(obj.get("eval"), dict) or isinstance(obj.get("pass_at_k"), dict))


# ---------------------------------------------------------------------------------------------- lm-eval
def _lm_eval_model(obj: dict[str, Any]) -> str | None:
    if isinstance(obj.get("model_name"), str) and obj["model_name"].strip():
        return obj["model_name"].strip()
    cfg = obj.get("config") or {}
    args = cfg.get("model_args")
    if isinstance(args, dict) and isinstance(args.get("pretrained"), str):
        return args["pretrained"]
    if isinstance(args, str):
        m = re.search(r"(?:^|,)\s*(?:pretrained|model|path)=([^,]+)", args)
        if m:
            return m.group(1).strip()
    model = cfg.get("model")
    if isinstance(model, str) and model not in ("hf", "hf-auto", "huggingface", "vllm", "CUSTOM") and model.strip():
        return model.strip()
    return None


def _lm_eval_precision(obj: dict[str, Any]) -> str | None:
    cfg = obj.get("config") or {}
    dtype = cfg.get("model_dtype")
    if dtype is None:
        args = cfg.get("model_args")
        if isinstance(args, dict):
            dtype = args.get("dtype")
        elif isinstance(args, str) and (m := re.search(r"dtype=([^,]+)", args)):
            dtype = m.group(1)
    return None if dtype is None else str(dtype).replace("torch.", "").strip()


def _lm_eval_date(obj: dict[str, Any]) -> str | None:
    d = obj.get("date")
    if isinstance(d, int | float):
        return dt.datetime.fromtimestamp(float(d), dt.UTC).strftime("%Y-%m-%d")
    if isinstance(d, str) and d.strip():
        return d.strip()[:10]
    return None


# the metrics of the leaderboard tasks: all accuracies, 0-1
LEADERBOARD_METRICS = ("acc", "acc_norm", "exact_match", "prompt_level_strict_acc", "inst_level_strict_acc")
NAN_METRIC = "NaN metric skipped"
_PERCENT = Range("percent score", 0.0, 100.0)


def _is_nan(v: Any) -> bool:
    return isinstance(v, float) and v != v


def _checked_leaderboard_results(results: dict[str, Any], path: str, table: BenchmarkTable) -> dict[str, Any]:
    """The leaderboard tasks' accuracy metrics checked against the raw range (0-1) before they are normalised: an
    impossible value (GPQA acc_norm 1.7, inf) is an error naming the task and metric; a NaN metric is left out and
    counted as a warning, never turned into an empty cell."""
    out: dict[str, Any] = {}
    for task, values in results.items():
        if not (task.startswith(LEADERBOARD_PREFIX) and isinstance(values, dict)):
            out[task] = values
            continue
        kept = {}
        for key, v in values.items():
            if key.split(",")[0] in LEADERBOARD_METRICS and "_stderr" not in key and not isinstance(v, str):
                if _is_nan(v):
                    table.warn(NAN_METRIC, f"{path}: task {task!r} metric {key!r} is NaN")
                    continue
                v = check_value(v, RAW, path=path, where=f"task {task!r} metric {key!r}")
            kept[key] = v
        out[task] = kept
    return out


def _metric(values: dict[str, Any], metric: str, filt: str | None, *, percent: bool = False, path: str = "",
            task: str = "", table: BenchmarkTable | None = None) -> float | None:
    """A task's metric (0-1; ``percent`` metrics are divided by 100), range-checked; NaN is skipped and counted."""
    keys = [f"{metric},{filt}"] if filt else []
    keys += sorted(k for k in values if k.startswith(f"{metric},") and "_stderr" not in k)
    for k in keys:
        v = values.get(k)
        if isinstance(v, str | bool):  # a value, but not a number: an error, not a "missing" metric
            raise InputError(f"task {task!r} metric {k!r} is {type(v).__name__} {v!r}, not a number", path=path,
                             expected="a number (the metric as lm-eval writes it)")
        if isinstance(v, int | float) and not isinstance(v, bool):
            if _is_nan(v):
                if table is not None:
                    table.warn(NAN_METRIC, f"{path}: task {task!r} metric {k!r} is NaN")
                continue
            x = check_value(v, _PERCENT if percent else RAW, path=path, where=f"task {task!r} metric {k!r}")
            return x / 100.0 if percent else x
    return None


def import_lm_eval(path: str | Path, *, model: str | None = None, obj: Any = None,
                   specs: dict[str, Any] | None = None) -> BenchmarkTable:
    """One lm-eval results JSON -> normalised leaderboard scores (+ their raw aggregates) and the raw scores of the
    other known tasks. ``model`` overrides the id recorded in the file; ``specs`` (lm-eval task -> TaskSpec) adds
    task mappings to those of rmbase's suites."""
    p = str(path)
    obj = read_json(path) if obj is None else obj
    if not is_lm_eval_results(obj):
        raise InputError("not an lm-evaluation-harness results file", path=p,
                         expected="a JSON object with a 'results' object (lm_eval --output_path writes results_*.json)")
    groups = obj.get("groups") if isinstance(obj.get("groups"), dict) else {}
    results: dict[str, Any] = {**groups, **obj["results"]}  # some versions keep group aggregates apart
    if model is not None and not model.strip():
        raise InputError("--model is empty", expected="a model id such as org/name")
    model_id = model or _lm_eval_model(obj)
    if not model_id:
        raise InputError("no model id in the file (model_name, config.model_args pretrained=...)", path=p,
                         expected="an lm-eval results file, or pass --model")
    model_id = preferred_model_id(model_id_from_folder(model_id) if "/" not in model_id else model_id)
    table = BenchmarkTable()
    attrs = {"model": model_id, "source": f"lm-eval:{Path(p).name}", "date": _lm_eval_date(obj),
             "official_provider": None, "precision": _lm_eval_precision(obj),
             "chat_template": bool(obj.get("chat_template") or obj.get("chat_template_sha"))}
    records: list[dict[str, Any]] = []
    results = _checked_leaderboard_results(results, p, table)
    normalised, raw, problems = leaderboard_from_lm_eval(results)
    for problem in problems:
        table.warn("incomplete leaderboard task", f"{p}: {problem}")
    for bench, value in normalised.items():
        records.append({**attrs, "benchmark": bench, "value": value, "scale": "normalised"})
    for bench, value in raw.items():
        records.append({**attrs, "benchmark": bench, "value": value, "scale": "raw"})
    specs = {**lm_eval_specs(), **(specs or {})}
    consumed = {task for task, _ in LM_EVAL_TASKS.values()}
    grouped: dict[str, list[float]] = {}
    for task, values in results.items():
        if task in consumed or task.startswith(LEADERBOARD_PREFIX) or not isinstance(values, dict):
            continue  # leaderboard tasks and subtasks are read by the normaliser
        spec = specs.get(task)
        if spec is None:
            if _is_subtask_of_known_group(task, results, specs):
                continue
            table.warn("unknown task skipped", f"{p}: task {task!r} is not in rmbase's suites")
            continue
        v = _metric(values, spec.metric, spec.filter, percent=spec.percent, path=p, task=task, table=table)
        if v is None:
            table.warn("missing metric", f"{p}: task {task!r} has no usable {spec.metric!r} metric")
            continue
        grouped.setdefault(spec.benchmark, []).append(v)
    for bench, vals in grouped.items():
        records.append({**attrs, "benchmark": bench, "value": sum(vals) / len(vals), "scale": "raw"})
    if not records:
        known = ", ".join(t for t, _ in LM_EVAL_TASKS.values())
        raise InputError("no usable task in the file (no known task with its metric)", path=p,
                         expected=f"results of lm-eval tasks such as {known}")
    n_params = (obj.get("config") or {}).get("model_num_parameters")
    if isinstance(n_params, int | float) and not isinstance(n_params, bool) and n_params > 0:
        # lm-eval 0.4 records the model's parameter count: the candidate's size comes with its scores
        records.append({**attrs, "benchmark": PARAMS_B, "value": float(n_params) / 1e9, "scale": SIZE_SCALE})
    table.frame = BenchmarkTable.from_records(records).frame
    return table


def _is_subtask_of_known_group(task: str, results: dict[str, Any], specs: dict[str, Any]) -> bool:
    """mmlu_*, agieval_* ... subtasks come next to their group's result: they are part of it, not unknown."""
    return any(task.startswith(group.removesuffix("_en") + "_") and group in results for group in specs)


# ---------------------------------------------------------------------------------------------- EvalPlus
def _evalplus_model(path: Path) -> str | None:
    """EvalPlus names files ``{org}--{name}_{backend}_temp_{t}_eval_results.json`` (or a folder of that name)."""
    stem = path.name.removesuffix("_eval_results.json").removesuffix(".json")
    if stem == "eval_results":
        stem = path.parent.name
    m = re.match(r"^(?P<model>.+?)_[A-Za-z0-9]+_temp_[0-9.]+(?:-.*)?$", stem)
    if not m:
        return None
    return m.group("model").replace("--", "/")


def _evalplus_dataset(obj: dict[str, Any], path: Path) -> str | None:
    ids = list((obj.get("eval") or {}).keys())
    if ids and all(str(i).startswith("HumanEval/") for i in ids):
        return "humaneval"
    if ids and all(str(i).startswith("Mbpp/") for i in ids):
        return "mbpp"
    for name in ("humaneval", "mbpp"):
        if name in str(obj.get("dataset", "")).lower() or name in (p.lower() for p in path.parts):
            return name
    return None


EVALPLUS_STATUSES = ("pass", "fail", "timeout")  # evalplus.eval: PASS, FAIL, TIMEOUT


def _check_statuses(samples: list[Any], path: Path, task_id: str) -> None:
    """Every sample has a known base status (and a known plus status or none): an unknown one is an error, never
    a silently failed test."""
    for j, s in enumerate(samples):
        if not isinstance(s, dict):
            raise InputError(f"problem {task_id!r} sample {j}: not an object", path=str(path),
                             expected="per-sample objects with base_status (and plus_status)")
        for key in ("base_status", "plus_status"):
            status = s.get(key)
            if status is None and key == "plus_status":
                continue
            if status not in EVALPLUS_STATUSES:
                raise InputError(f"problem {task_id!r} sample {j}: unknown {key} {status!r}", path=str(path),
                                 expected=f"one of {', '.join(EVALPLUS_STATUSES)}")


def import_evalplus(path: str | Path, *, model: str | None = None, obj: Any = None) -> BenchmarkTable:
    """One EvalPlus result JSON -> ``humaneval``/``mbpp`` (base tests) and ``humaneval_plus``/``mbpp_plus`` pass@1,
    raw 0-1, computed from the per-sample statuses as EvalPlus does (pass@1 = mean over problems of c/n)."""
    p = Path(path)
    obj = read_json(p) if obj is None else obj
    if not is_evalplus_results(obj):
        raise InputError("not an EvalPlus result file", path=str(p),
                         expected="a JSON object with an 'eval' object (evalplus.evaluate writes *_eval_results.json)")
    model_id = model or obj.get("model") or _evalplus_model(p)
    if not model_id:
        raise InputError("cannot tell the model from the file name", path=str(p),
                         expected="an EvalPlus file name like org--name_hf_temp_0.0_eval_results.json, or --model")
    dataset = _evalplus_dataset(obj, p)
    if dataset is None:
        raise InputError("cannot tell HumanEval from MBPP (task ids or path)", path=str(p),
                         expected="task ids 'HumanEval/<n>' or 'Mbpp/<n>'")
    base_name, plus_name = EVALPLUS_BENCHMARKS[dataset]
    table = BenchmarkTable()
    values: dict[str, float] = {}
    if isinstance(obj.get("eval"), dict) and obj["eval"]:
        base, plus, n_plus = [], [], 0
        for task_id, samples in obj["eval"].items():
            if not isinstance(samples, list) or not samples:
                table.warn("EvalPlus problem without samples", f"{p}: {task_id}")
                continue
            _check_statuses(samples, p, task_id)
            base.append(sum(s.get("base_status") == "pass" for s in samples) / len(samples))
            if all(s.get("plus_status") is not None for s in samples):
                n_plus += 1
                plus.append(sum(s.get("base_status") == s.get("plus_status") == "pass" for s in samples)
                            / len(samples))
        if not base:
            raise InputError("no evaluated problem in the file", path=str(p))
        values[base_name] = sum(base) / len(base)
        if n_plus == len(base):
            values[plus_name] = sum(plus) / len(plus)
        else:
            table.warn("EvalPlus base-only results", f"{p}: no plus-test status for {len(base) - n_plus} problems")
    else:
        pak = obj["pass_at_k"]
        for key, name in (("base", base_name), ("plus", plus_name)):
            v = (pak.get(key) or {}).get("pass@1") if isinstance(pak.get(key) or {}, dict) else None
            if _is_nan(v):
                table.warn(NAN_METRIC, f"{p}: pass_at_k.{key}.pass@1 is NaN")
            elif v is not None:
                values[name] = check_value(v, RAW, path=str(p), where=f"pass_at_k.{key}.pass@1")
        if not values:
            raise InputError("no pass@1 in 'pass_at_k'", path=str(p), expected="pass_at_k.base/plus.pass@1")
    date = str(obj.get("date", ""))[:10] or None
    records = [{"model": preferred_model_id(model_id), "benchmark": b, "value": v, "scale": "raw",
                "source": f"evalplus:{p.name}", "date": date, "official_provider": None, "chat_template": None,
                "precision": None} for b, v in values.items()]
    table.frame = BenchmarkTable.from_records(records).frame
    return table


__all__ = ["SIX", "import_evalplus", "import_lm_eval", "is_evalplus_results", "is_lm_eval_results", "read_json"]
