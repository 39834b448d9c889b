"""Run a suite on one model: lm-evaluation-harness through its Python API (one benchmark at a time, resumable), then
EvalPlus (HumanEval+, MBPP+), then import everything into one long table.

Layout of ``out``::

    out/lm_eval/<benchmark>/results.json    the harness's results (lm-eval's own JSON, + model_name)
    out/evalplus/...                        EvalPlus samples and *_eval_results.json
    out/run.json                            status of each benchmark (done, skipped = already there, failed)
    out/scores.csv (+ .provenance.json)     the imported long table (scale 'normalised': the six on the
                                            leaderboard scale, other benchmarks raw 0-1)

A benchmark whose ``results.json`` is already there is not run again, so an interrupted run resumes where it stopped.
Each results file is written atomically, so a killed run never leaves a half-written one.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rmbase.benchmarks.run_config import RunConfig
from rmbase.benchmarks.suites import TaskSpec, suite
from rmbase.errors import InputError

RESULTS_NAME = "results.json"


@dataclass
class RunReport:
    out: Path
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    scores: Path | None = None


def _select(specs: tuple[TaskSpec, ...], wanted: tuple[str, ...] | None) -> tuple[TaskSpec, ...]:
    if not wanted:
        return specs
    names = {s.benchmark for s in specs}
    unknown = [w for w in wanted if w not in names]
    if unknown:
        raise InputError(f"unknown benchmark(s) {', '.join(unknown)} for this suite",
                         expected=f"some of {', '.join(sorted(names))}")
    return tuple(s for s in specs if s.benchmark in wanted)


def _has_chat_template(lm: Any) -> bool:
    tok = getattr(lm, "tokenizer", None)
    return bool(getattr(tok, "chat_template", None))


def _load_lm(cfg: RunConfig) -> Any:
    from lm_eval.models.huggingface import HFLM

    # the same loading policy as every other room: safetensors only (HFLM passes it to from_pretrained)
    return HFLM(pretrained=cfg.model, device=cfg.device, dtype=cfg.dtype, batch_size=cfg.batch_size,
                trust_remote_code=cfg.trust_remote_code, use_safetensors=True)


def _nltk_punkt_missing() -> str | None:
    """IFEval splits responses into sentences with NLTK's ``punkt_tab`` data; lm-eval downloads it when its IFEval
    module is imported, and scoring fails (after every response was generated) when that download could not happen.
    Checked, and fetched once as lm-eval would, before IFEval runs; the reason when it is still missing."""
    try:
        import nltk
    except ImportError:
        return "IFEval needs nltk (pip install -e .[bench], which installs lm-eval[ifeval])"
    try:
        nltk.data.find("tokenizers/punkt_tab")
        return None
    except LookupError:
        pass
    try:
        nltk.download("punkt_tab", quiet=True)
        nltk.data.find("tokenizers/punkt_tab")
        return None
    except Exception:  # noqa: BLE001 - offline, or a download that did not land
        return ("IFEval needs NLTK's punkt_tab data and it could not be downloaded: run `python -m nltk.downloader "
                "punkt_tab` once on a machine with network access (or copy nltk_data/tokenizers/punkt_tab to a "
                "folder on NLTK_DATA), then rerun")


# checks run before a benchmark starts: a reason it cannot run here, or None
PREFLIGHT = {"ifeval": _nltk_punkt_missing}


def run_lm_eval_task(lm: Any, spec: TaskSpec, cfg: RunConfig, task_manager: Any, chat: bool) -> dict[str, Any]:
    """One benchmark through ``lm_eval.simple_evaluate`` with its shots and the chat-template setting."""
    import lm_eval

    results = lm_eval.simple_evaluate(
        model=lm, tasks=list(spec.tasks), num_fewshot=spec.num_fewshot, limit=cfg.limit,
        apply_chat_template=chat, fewshot_as_multiturn=chat, task_manager=task_manager, log_samples=False,
        batch_size=cfg.batch_size, device=cfg.device,
    )
    if results is None:  # pragma: no cover - non-zero rank
        raise RuntimeError("lm-eval returned no results")
    results.pop("samples", None)
    results["model_name"] = cfg.model
    if chat:
        results["chat_template"] = lm.chat_template(True)
    return results


def run_evalplus(model: str, dataset: str, root: Path, cfg: RunConfig) -> Path:  # pragma: no cover - needs network
    """EvalPlus code generation (greedy, HF backend) and evaluation; returns the ``*_eval_results.json`` path."""
    from evalplus.evaluate import evaluate

    evaluate(dataset=dataset, model=model, backend="hf", greedy=True, root=str(root),
             trust_remote_code=cfg.trust_remote_code, dtype="bfloat16" if cfg.dtype == "auto" else cfg.dtype)
    found = sorted((root / dataset).glob("*_eval_results.json"))
    if not found:
        raise RuntimeError(f"EvalPlus wrote no result file under {root / dataset}")
    return found[-1]


def run_suite(model: str, suite_name: str = "leaderboard", out: str | os.PathLike = "bench_out", *,
              specs: tuple[TaskSpec, ...] | None = None, lm: Any = None, **options: Any) -> RunReport:
    """Run ``suite_name`` (or explicit ``specs``) on ``model``; see :class:`RunConfig` for ``options``.

    ``lm`` may be an already-built lm-eval model object (tests pass a tiny one); otherwise the HF model is loaded
    once, on first need. Returns what was done, skipped (already there) and failed, and the imported table's path.
    """
    cfg = RunConfig(model=model, suite=suite_name, **options)
    if lm is None:  # before any benchmark: a missing folder, pickled weights or a bad device is one message
        from rmbase.hf_models import check_device, check_model_source, check_safetensors_only

        check_safetensors_only(check_model_source(cfg.model))
        cfg.device = check_device(cfg.device) or "cpu"
    all_specs = specs if specs is not None else suite(suite_name)
    chosen = _select(all_specs, cfg.benchmarks)
    out = Path(out)
    report = RunReport(out=out)
    lm_specs = [s for s in chosen if s.runner == "lm_eval"]
    plus_specs = [s for s in chosen if s.runner == "evalplus"] if cfg.evalplus else []
    task_manager = None
    for spec in lm_specs:
        target = out / "lm_eval" / spec.benchmark / RESULTS_NAME
        if _valid_results(target):
            report.skipped.append(spec.benchmark)
            continue
        why = PREFLIGHT[spec.benchmark]() if spec.benchmark in PREFLIGHT else None
        if why is not None:
            report.failed[spec.benchmark] = why
            continue
        try:
            if lm is None:
                lm = _load_lm(cfg)
            if task_manager is None:
                from lm_eval.tasks import TaskManager

                task_manager = TaskManager(include_path=cfg.include_path, include_defaults=cfg.include_defaults)
            chat = _has_chat_template(lm) if cfg.chat_template is None else cfg.chat_template
            results = run_lm_eval_task(lm, spec, cfg, task_manager, chat)
        except InputError:
            raise
        except Exception as exc:  # one failed task must not lose the others: recorded, reported at the end
            report.failed[spec.benchmark] = f"{type(exc).__name__}: {exc}"
            continue
        _write_json(target, results)
        report.done.append(spec.benchmark)
    for spec in plus_specs:
        dataset = spec.tasks[0]
        root = out / "evalplus"
        if sorted((root / dataset).glob("*_eval_results.json")):
            report.skipped.append(spec.benchmark)
            continue
        try:
            run_evalplus(model, dataset, root, cfg)
        except Exception as exc:  # pragma: no cover - needs network / code execution sandbox
            report.failed[spec.benchmark] = f"{type(exc).__name__}: {exc}"
            continue
        report.done.append(spec.benchmark)
    _write_json(out / "run.json", {"config": cfg.as_dict(), "done": report.done, "skipped": report.skipped,
                                   "failed": report.failed})
    report.scores = _import_outputs(out, cfg, all_specs)
    return report


def _valid_results(path: Path) -> bool:
    if not path.is_file():
        return False
    try:
        return isinstance(json.loads(path.read_text(encoding="utf-8")).get("results"), dict)
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
        return False  # a broken file is run again


def _write_json(path: Path, obj: Any) -> None:
    from rmbase.io import atomic_write_text

    def default(o: Any) -> Any:
        try:
            from lm_eval.utils import handle_non_serializable

            return handle_non_serializable(o)
        except ImportError:  # pragma: no cover
            return str(o)

    atomic_write_text(path, json.dumps(obj, indent=2, default=default, ensure_ascii=False) + "\n")


def _import_outputs(out: Path, cfg: RunConfig, specs: tuple[TaskSpec, ...]) -> Path | None:
    """The run's result files through the import pipeline (scale ``normalised``, duplicates an error)."""
    from rmbase.benchmarks.benchmark_table import BenchmarkTable
    from rmbase.benchmarks.import_pipeline import finish_import, import_file

    task_specs = {t: s for s in specs if s.runner == "lm_eval" for t in s.tasks}
    files = [*sorted(out.glob(f"lm_eval/*/{RESULTS_NAME}")), *sorted(out.glob("evalplus/*/*_eval_results.json"))]
    if not files:
        return None
    table = BenchmarkTable.concat([import_file(str(f), model=cfg.model, specs=task_specs or None) for f in files])
    return finish_import(table).write(out / "scores.csv", config={"run": cfg.as_dict()})
