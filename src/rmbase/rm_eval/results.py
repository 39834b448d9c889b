"""Result files of an evaluation: ``results.json``, ``scores.jsonl`` and reward-bench's own layout (pairwise
benchmarks write v1's per-example columns, best-of-n ones v2's)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from rmbase.io import atomic_write_json, atomic_write_text
from rmbase.model_ids import sanitise_model_id
from rmbase.provenance import DEFAULT_PACKAGES, provenance
from rmbase.rm_eval.registry import get_benchmark


def build_results(records: Sequence[Mapping[str, Any]], benchmark: str, *, config: dict[str, Any],
                  data: dict[str, str], run_info: dict[str, Any], allow_partial: bool = False,
                  packages: Sequence[str] = ()) -> dict[str, Any]:
    """The ``results.json`` object: per-subset accuracy and counts, sections, score, counts and provenance."""
    spec = get_benchmark(benchmark)
    figures = spec.subset_figures(records)
    summary = spec.summarize({k: f.accuracy for k, f in figures.items()}, allow_partial=allow_partial)
    subsets = {}
    for name in sorted(figures):
        f = figures[name]
        entry: dict[str, Any] = {"accuracy": f.accuracy, "correct": f.correct, "total": f.total}
        if f.detail:
            entry["detail"] = f.detail
        subsets[name] = entry
    n_completions = sum(len(r["scores"]) for r in records)
    truncated = sum(int(r.get("truncated", 0)) for r in records)
    return {
        "benchmark": benchmark,
        "rules": spec.rules,
        "model": run_info.get("model"),
        "score": summary.score,
        "sections": summary.sections,
        "partial": summary.partial,
        "subsets": subsets,
        "counts": {"examples": len(records), "completions": n_completions, "truncated_completions": truncated,
                   "truncated_examples": sum(1 for r in records if r.get("truncated"))},
        "provenance": provenance(config=config, data=data, seeds={"head_seed": config.get("head_seed", 0)},
                                 packages=list(packages) if packages else DEFAULT_PACKAGES, **run_info),
    }


def write_scores_jsonl(path: str | Path, records: Iterable[Mapping[str, Any]]) -> None:
    """One line per example: ``{id, subset, scores, num_correct, truncated}`` (the first ``num_correct`` scores
    are the chosen completions')."""
    atomic_write_text(path, "".join(json.dumps(dict(r)) + "\n" for r in records))


def write_rewardbench_layout(folder: str | Path, records: Sequence[Mapping[str, Any]],
                             results: Mapping[str, Any], *, model_name: str) -> list[Path]:
    """reward-bench's result files: ``eval-set/<org>/<model>.json`` ({subset: accuracy, model, model_type,
    chat_template}) and ``eval-set-scores/<org>/<model>.json`` (columns as lists, no texts).

    Folder names are sanitised parts of the model id (never the raw id)."""
    folder = Path(folder)
    org, _, name = model_name.rpartition("/")
    parts = [sanitise_model_id(org)] if org else []
    rel = Path(*parts, sanitise_model_id(name) + ".json")
    template = results["provenance"].get("chat_template", "tokenizer")
    head = {"model": model_name, "model_type": "Seq. Classifier", "chat_template": template}
    summary = dict(head)
    summary.update({k: v["accuracy"] for k, v in results["subsets"].items()})
    if not get_benchmark(results["benchmark"]).pairwise:
        per_example = {"id": [r["id"] for r in records], "subset": [r["subset"] for r in records],
                       "scores": [r["scores"] for r in records], "num_correct": [r["num_correct"] for r in records]}
    else:
        per_example = {"id": [r["id"] for r in records], "subset": [r["subset"] for r in records],
                       "scores_chosen": [r["scores"][0] for r in records],
                       "scores_rejected": [r["scores"][1] for r in records],
                       "results": [int(r["scores"][0] > r["scores"][1]) for r in records]}
    per_example.update(head)
    written = []
    for sub, obj in (("eval-set", summary), ("eval-set-scores", per_example)):
        target = folder / sub / rel
        atomic_write_json(target, obj)
        written.append(target)
    return written
