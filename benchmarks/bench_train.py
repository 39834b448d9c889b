"""Benchmark: training throughput (tokens/s) of ``rmbase train`` (Bradley-Terry via TRL's RewardTrainer) against a
minimal plain-PyTorch Bradley-Terry loop on the same small random Llama, the same tokenised pairs, the same
micro-batches, optimiser (AdamW), learning rate and number of optimiser steps, in the same process.

    python benchmarks/bench_train.py [--pairs 256] [--hidden 256] [--layers 4] [--threads 2] [--repeats 2]

Tokens are counted as TRL counts them (non-padding tokens of chosen + rejected). The rmbase time is the
``trainer.train`` call of one run (the final validation pass and checkpoint included: that is part of the recipe);
loading, tokenising and writing the output folder are not timed in either. Target: overhead at most 20%.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

WORDS = [f"w{i}" for i in range(400)]


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


def write_pairs(path: Path, n: int, seed: int) -> Path:
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        prompt = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 60)))
        common = " ".join(rng.choice(WORDS) for _ in range(rng.randint(10, 40)))
        rows.append({"prompt": prompt, "chosen": common + " w1 w2 w3", "rejected": common + " w7 w8 w9"})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def plain_loop(model_dir: Path, items: list[dict], pad_id: int, *, lr: float, micro: int, accum: int,
               steps: int, seed: int) -> tuple[int, float]:
    """The baseline: a hand-written Bradley-Terry loop. Returns (tokens, seconds)."""
    import torch

    from rmbase.hf_models import load_sequence_classifier
    from rmbase.hf_text import load_tokenizer
    from rmbase.training.encoding import pad_batch

    tok = load_tokenizer(model_dir)
    model = load_sequence_classifier(model_dir, dtype="float32", device="cpu", num_labels=1, tokenizer=tok,
                                     head_seed=seed)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    order = list(range(len(items)))
    random.Random(seed).shuffle(order)
    tokens, pos = 0, 0
    t0 = time.perf_counter()
    for _ in range(steps):
        for _ in range(accum):
            batch = [items[order[(pos + i) % len(order)]] for i in range(micro)]
            pos += micro
            ids, mask = pad_batch([b["chosen_ids"] for b in batch] + [b["rejected_ids"] for b in batch], pad_id)
            tokens += int(mask.sum())
            rewards = model(input_ids=ids, attention_mask=mask).logits.squeeze(-1)
            rc, rr = rewards.chunk(2)
            loss = -torch.nn.functional.logsigmoid(rc - rr).mean() / accum
            loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
    return tokens, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=256)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--per-device-batch-size", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()

    import torch
    from transformers.utils import logging as hf_logging

    from rmbase.hf_text import load_tokenizer
    from rmbase.training import TrainConfig
    from rmbase.training.data import load_pairs
    from rmbase.training.encoding import encode_pairs
    from rmbase.training.runner import train

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    torch.set_num_threads(args.threads)
    root = Path(tempfile.mkdtemp(prefix="rmbase_bench_train_"))
    model_dir = build_model_dir(root, args.hidden, args.layers)
    train_file, val_file = write_pairs(root / "train.jsonl", args.pairs, 1), write_pairs(root / "val.jsonl", 32, 2)
    steps = args.pairs // args.batch_size
    accum = args.batch_size // args.per_device_batch_size
    tok = load_tokenizer(model_dir)
    items, _ = encode_pairs(tok, load_pairs(train_file)[0], max_length=512)
    print(f"model: Llama hidden={args.hidden} layers={args.layers}; pairs={args.pairs}, global batch "
          f"{args.batch_size} = {args.per_device_batch_size} x {accum}, {steps} optimiser steps, "
          f"threads={args.threads}")
    rates = {"plain": [], "rmbase": []}
    for rep in range(args.repeats):
        tokens, secs = plain_loop(model_dir, items, tok.pad_token_id, lr=1e-4, micro=args.per_device_batch_size,
                                  accum=accum, steps=steps, seed=0)
        rates["plain"].append(tokens / secs)
        print(f"  plain PyTorch loop: {tokens} tokens in {secs:.2f} s = {tokens / secs:,.0f} tokens/s")
        cfg = TrainConfig(base=str(model_dir), train=str(train_file), val=str(val_file),
                          out=str(root / f"out{rep}"), learning_rates=[1e-4], batch_size=args.batch_size,
                          per_device_batch_size=args.per_device_batch_size, eval_steps=10_000, warmup_steps=0,
                          max_length=512, seed=0, device="cpu", threads=args.threads)
        res = train(cfg).best
        rates["rmbase"].append(res.train_tokens / res.train_seconds)
        print(f"  rmbase train (TRL): {res.train_tokens} tokens in {res.train_seconds:.2f} s = "
              f"{res.train_tokens / res.train_seconds:,.0f} tokens/s")
    best_plain, best_rm = max(rates["plain"]), max(rates["rmbase"])
    print(f"best of {args.repeats}: plain {best_plain:,.0f} tokens/s, rmbase {best_rm:,.0f} tokens/s; "
          f"rmbase overhead = {100 * (best_plain / best_rm - 1):.1f}% (target <= 20%)")


if __name__ == "__main__":
    main()
