"""Score a reward model on RewardBench v1 or v2 and write ``results.json`` and ``scores.jsonl`` (resumable).

Work is done in chunks of examples; each scored chunk is saved under ``.<out>.partial/`` beside the output folder,
so an interrupted run restarts where it stopped (only when model, data, template, dtype, max length, truncation
and merge vector are the same; the batch size may differ because scores do not depend on it; with other options
the run is refused, naming them, unless ``restart``). The output folder
appears only when everything is done (staged write), and the partial folder is then removed.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rmbase.config import RESOLVED_NAME
from rmbase.io import atomic_write_json, atomic_write_text, staged_output_dir, work_folder
from rmbase.rm_eval.config import EvaluateConfig
from rmbase.rm_eval.data import Example, load_examples
from rmbase.rm_eval.results import build_results, write_rewardbench_layout, write_scores_jsonl

PACKAGES = ("rmbase", "numpy", "pandas", "torch", "transformers", "tokenizers", "accelerate", "datasets",
            "safetensors")


def _fingerprint(cfg: EvaluateConfig, data_sha: str, template_sha: str, dtype: str) -> dict[str, Any]:
    """What the saved chunks of an interrupted run depend on (the keys a refusal names)."""
    local = Path(cfg.model).expanduser()
    model = str(local.resolve()) if local.exists() else cfg.model  # one local folder, however it is spelled
    return {"model": model, "revision": cfg.revision, "benchmark": cfg.benchmark, "data_sha256": data_sha,
            "template_sha256": template_sha, "dtype": dtype, "max_length": cfg.max_length,
            "truncation": cfg.truncation, "merge_weights": cfg.merge_weights, "head_seed": cfg.head_seed,
            "limit": cfg.limit, "chunk_size": cfg.chunk_size}


def _partial_dir(out: Path) -> Path:
    return out.parent / f".{out.name}.partial"


def _load_chunk(path: Path) -> list[dict[str, Any]] | None:
    try:
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, json.JSONDecodeError):
        return None  # a damaged chunk is simply scored again


def score_examples(scorer: Any, examples: list[Example], source: str = "data", *,
                   on_batch: Callable[[int, int], None] | None = None) -> list[dict[str, Any]]:
    """Per-example records ``{id, subset, scores, num_correct, truncated}`` for a list of examples;
    ``on_batch(done, total)`` counts the forward batches done."""
    prompts, responses, owner, labels = _completions(examples, source)
    ids, flags = scorer.encode(scorer.render(prompts, responses), labels)
    rewards = scorer.score_ids(ids, on_batch=on_batch)
    records = [{"id": ex.id, "subset": ex.subset, "scores": [], "num_correct": ex.num_correct, "truncated": 0}
               for ex in examples]
    for k, reward, cut in zip(owner, rewards, flags, strict=True):
        records[k]["scores"].append(float(reward))
        records[k]["truncated"] += int(cut)
    return records


def _completions(examples: list, source: str) -> tuple[list, list, list[int], list[str]]:
    """(prompts, responses, owning example, label naming the example) of every completion of ``examples``."""
    prompts, responses, owner, labels = [], [], [], []
    for k, ex in enumerate(examples):
        for j, completion in enumerate(ex.completions):
            prompts.append(ex.prompt)
            responses.append(completion)
            owner.append(k)
            labels.append(f"{source}: example id {ex.id!r} (subset {ex.subset}), completion {j + 1}")
    return prompts, responses, owner, labels


def check_lengths(scorer: Any, examples: list, source: str, chunk_size: int) -> None:
    """With ``truncation: error``, every too-long completion is refused before any state is written (tokenizing
    only, chunk by chunk: no forward pass)."""
    for start in range(0, len(examples), chunk_size):
        prompts, responses, _, labels = _completions(examples[start:start + chunk_size], source)
        scorer.encode(scorer.render(prompts, responses), labels)


def evaluate_model(cfg: EvaluateConfig, *, progress: Callable[[str], None] | None = None,
                   restart: bool = False, on_completions: Callable[[int, int], None] | None = None
                   ) -> dict[str, Any]:
    """Run one evaluation; returns the results dict that is written to ``<out>/results.json``. The chunks of an
    interrupted run (``.<out>.partial/``) are reused when the options are the same; with other options the run is
    refused, naming the changed keys, unless ``restart`` (which discards them). ``on_completions(done, total)``
    is called after every forward batch (completions scored, resumed chunks included), for a progress bar."""
    from rmbase import hf_models, hf_text
    from rmbase.forward import process_info
    from rmbase.rm_eval.scorer import RewardScorer, ScorerConfig

    say = progress or (lambda _msg: None)
    out = Path(cfg.out)
    scorer_cfg = ScorerConfig(batch_size=cfg.batch_size, max_length=cfg.max_length, truncation=cfg.truncation)
    examples, source, data_sha = load_examples(cfg.benchmark, cfg.data, revision=cfg.data_revision)
    if cfg.limit is not None:
        examples = examples[:cfg.limit]
    say(f"{len(examples)} examples from {source}")

    if cfg.threads is not None:
        import torch

        torch.set_num_threads(cfg.threads)
    rank, world = process_info()
    device = cfg.device or hf_models.default_device()
    if world > 1 and device.startswith("cuda"):
        from accelerate import PartialState

        device = str(PartialState().device)
    tokenizer = hf_text.load_tokenizer(cfg.model, chat_template=cfg.chat_template, revision=cfg.revision,
                                         trust_remote_code=cfg.trust_remote_code)
    model = hf_models.load_sequence_classifier(
        cfg.model, dtype=cfg.dtype, device=device, revision=cfg.revision, trust_remote_code=cfg.trust_remote_code,
        tokenizer=tokenizer, allow_new_head=cfg.allow_new_head, head_seed=cfg.head_seed)
    merge = cfg.merge_weights
    if merge is None and int(getattr(model.config, "num_labels", 1)) > 1:
        from rmbase.merge_weights import read_merge_weights

        merge = read_merge_weights(cfg.model) if Path(cfg.model).is_dir() else None
    scorer = RewardScorer(model, tokenizer, scorer_cfg, merge_weights=merge)
    dtype = str(next(model.parameters()).dtype).replace("torch.", "")
    template_sha = hf_text.template_sha256(tokenizer)

    if cfg.truncation == "error":
        check_lengths(scorer, examples, source, cfg.chunk_size)
    partial = _partial_dir(out)
    if rank == 0:
        work_folder(partial, _fingerprint(cfg, data_sha, template_sha, dtype), restart=restart, what="evaluation")
    if world > 1:
        from accelerate import PartialState

        PartialState().wait_for_everyone()  # the other processes read the chunks rank 0 kept

    records: list[dict[str, Any]] = []
    n_chunks = (len(examples) + cfg.chunk_size - 1) // cfg.chunk_size
    resumed = 0
    total = sum(len(ex.completions) for ex in examples)
    scored = 0
    tick = on_completions or (lambda _done, _total: None)
    tick(0, total)
    for c in range(n_chunks):
        chunk = examples[c * cfg.chunk_size:(c + 1) * cfg.chunk_size]
        path = partial / f"chunk-{c:05d}.jsonl"
        done = _load_chunk(path) if path.exists() else None
        in_chunk = sum(len(ex.completions) for ex in chunk)
        if done is not None and [r["id"] for r in done] == [ex.id for ex in chunk]:
            records.extend(done)
            resumed += 1
            scored += in_chunk
            tick(scored, total)
            continue
        chunk_records = score_examples(scorer, chunk, source,
                                       on_batch=lambda d, t, base=scored, n=in_chunk: tick(base + n * d // t, total))
        scored += in_chunk
        if rank == 0:
            atomic_write_text(path, "".join(json.dumps(r) + "\n" for r in chunk_records))
        records.extend(chunk_records)
        say(f"chunk {c + 1}/{n_chunks} scored ({len(records)}/{len(examples)} examples)")
    if resumed:
        say(f"{resumed} chunk(s) reused from an interrupted run")

    run_info = {"model": cfg.model, "revision": cfg.revision, "template_sha256": template_sha,
                "chat_template": cfg.chat_template or "tokenizer", "dtype": dtype, "device": device,
                "processes": world, "max_length": cfg.max_length, "truncation": cfg.truncation,
                "padding_side": "right", "batch_size": cfg.batch_size, "merge_weights": merge,
                "num_labels": int(getattr(model.config, "num_labels", 1)), "data_source": source,
                "resumed_chunks": resumed}
    results = build_results(records, cfg.benchmark, config=cfg.to_dict(), data={source: data_sha},
                            run_info=run_info, allow_partial=cfg.allow_partial, packages=PACKAGES)
    if rank == 0:
        with staged_output_dir(out) as stage:
            atomic_write_json(stage / "results.json", results)
            atomic_write_text(stage / RESOLVED_NAME, cfg.to_yaml())  # loadable again: rmbase evaluate --config
            write_scores_jsonl(stage / "scores.jsonl", records)
            if cfg.rewardbench_format:
                write_rewardbench_layout(stage / "rewardbench", records, results, model_name=_model_name(cfg.model))
        shutil.rmtree(partial, ignore_errors=True)
    return results


def _model_name(model: str) -> str:
    p = Path(model)
    return p.resolve().name if p.exists() else model
