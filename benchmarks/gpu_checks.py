"""The forward-pass rooms and training on one device, each against its baseline in the same run, into one JSON file.

Made for an air-gapped GPU node: nothing is downloaded. The models are built from a config with random weights (the
SmolLM2-135M architecture and the Llama-3.2-1B one, about 1.2B parameters) and the tokenizer is a BPE trained here
on generated text; the data are generated too (seeded). What is measured is speed, memory and agreement, which
random weights do not change; nothing here says what a trained model learns.

Per model:

* **scorer** -- rmbase's ``RewardScorer`` (length-sorted batches, last-token reward) against scoring one text at a
  time: texts/s, the ratio, the largest |score difference|;
* **presence** -- ``rmbase.presence.scoring.score_docs`` (token-budgeted batches, the head on real positions) against
  one document at a time: tokens/s, the ratio (the GPU target is >= 3x), the largest |score difference| (<= 1e-4 in
  float32);
* **probe vs training** -- the probe's one forward pass over both texts of each pair (hidden state + response
  log-probabilities, ``rmbase.probe.forward.feature_pass``) against one epoch of ``rmbase train`` on the same pairs:
  seconds per pair of each, and the ratio they give at the study's sizes (as ``benchmarks/bench_probe.py``);
* **training** -- ``rmbase train`` (Bradley-Terry) in float32 against bfloat16 on the same pairs: training tokens/s,
  peak device memory, the ratio.

    benchmarks/gpu_checks.sh                                  # CUDA, full sizes (under 8 minutes on one H100)
    benchmarks/gpu_checks.sh --device cpu --size small --out /tmp/gpu_checks.json      # the end-to-end CPU check
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: the architectures, as transformers ``LlamaConfig`` fields (SmolLM2-135M; Llama-3.2-1B, ~1.24B parameters)
ARCHS = {
    "smollm2_135m": dict(vocab_size=49152, hidden_size=576, intermediate_size=1536, num_hidden_layers=30,
                         num_attention_heads=9, num_key_value_heads=3, max_position_embeddings=8192,
                         rope_theta=100000.0, rms_norm_eps=1e-5, tie_word_embeddings=True),
    "llama_1b": dict(vocab_size=128256, hidden_size=2048, intermediate_size=8192, num_hidden_layers=16,
                     num_attention_heads=32, num_key_value_heads=8, max_position_embeddings=131072,
                     rope_theta=500000.0, rms_norm_eps=1e-5, tie_word_embeddings=True),
}
#: --size small: the same code paths on models a CPU runs in seconds
SMALL_ARCHS = {
    "smollm2_135m": dict(vocab_size=1024, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512,
                         tie_word_embeddings=True),
    "llama_1b": dict(vocab_size=1024, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                     num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512,
                     tie_word_embeddings=True),
}
SIZES = {  # texts, max tokens, batches
    "full": dict(score_pairs=256, docs=256, train_pairs=256, val_pairs=32, max_length=512, batch_size=32,
                 micro_batch=16, scorer_batch=32),
    "small": dict(score_pairs=6, docs=8, train_pairs=16, val_pairs=8, max_length=48, batch_size=8,
                  micro_batch=8, scorer_batch=4),
}
TOKENIZER_VOCAB = 1000


# --------------------------------------------------------------------------------------------- inputs, built here

def words(seed: int = 0, n: int = 3000) -> list[str]:
    rng = random.Random(seed)
    letters = "etaoinshrdlcumwfgypbvk"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(2, 8))) for _ in range(n)]


def sentence(rng: random.Random, vocab: list[str], lo: int, hi: int) -> str:
    return " ".join(rng.choice(vocab) for _ in range(rng.randint(lo, hi)))


def build_tokenizer(out: Path):
    """A BPE tokenizer (chatml template, ``<s>``/``</s>``) trained in-process on generated text."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    from rmbase.hf_text import resolve_chat_template

    rng, vocab = random.Random(1), words()
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.train_from_iterator([sentence(rng, vocab, 10, 30) for _ in range(3000)],
                            trainers.BpeTrainer(vocab_size=TOKENIZER_VOCAB, special_tokens=[
                                "<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"]))
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>")
    fast.chat_template = resolve_chat_template("chatml")
    fast.save_pretrained(out)
    return fast


def build_model(out: Path, arch: dict, tokenizer, device: str, seed: int = 0) -> int:
    """A random-weight causal LM of ``arch`` saved (bfloat16 safetensors, with the tokenizer) to ``out``; returns
    its parameter count. Built on ``device``: a 1B model initialises in seconds on a GPU."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    cfg = LlamaConfig(**{**arch, "vocab_size": max(arch["vocab_size"], len(tokenizer) + 1)},
                      bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                      architectures=["LlamaForCausalLM"])
    torch.manual_seed(seed)
    with torch.device(device):
        model = LlamaForCausalLM(cfg)
    n_params = sum(p.numel() for p in model.parameters())
    model.to(torch.bfloat16).save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    return n_params


def pairs(n: int, seed: int, max_words: int) -> list[dict]:
    rng, vocab = random.Random(seed), words()
    rows = []
    for _ in range(n):
        common = sentence(rng, vocab, 3, max(4, max_words // 4))
        rows.append({"prompt": sentence(rng, vocab, 3, max(4, max_words // 2)),
                     "chosen": common + " " + " ".join(vocab[:3]), "rejected": common + " " + " ".join(vocab[3:6])})
    return rows


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------- timing

class Clock:
    """Wall time of a block, the device's queued work included."""

    def __init__(self, device: str):
        self.cuda = device.startswith("cuda")

    def sync(self) -> None:
        if self.cuda:
            import torch

            torch.cuda.synchronize()

    def time(self, fn):
        self.sync()
        t0 = time.perf_counter()
        result = fn()
        self.sync()
        return time.perf_counter() - t0, result


def reset_peak(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()


def peak_gib(device: str) -> float | None:
    import torch

    return round(torch.cuda.max_memory_allocated() / 2**30, 3) if device.startswith("cuda") else None


# --------------------------------------------------------------------------------------------- the checks

def scorer_check(folder: Path, args, size: dict, clock: Clock) -> dict:
    """RewardScorer against one text at a time (float32, so that the scores can be compared)."""
    import numpy as np
    import torch

    from rmbase import hf_models as H
    from rmbase.hf_text import load_tokenizer
    from rmbase.rm_eval.scorer import RewardScorer, ScorerConfig

    tok = load_tokenizer(folder)
    model = H.load_sequence_classifier(folder, num_labels=1, tokenizer=tok, head_seed=0, device=args.device,
                                       dtype="float32")
    rows = pairs(size["score_pairs"], 3, size["max_length"])
    scorer = RewardScorer(model, tok, ScorerConfig(batch_size=size["scorer_batch"], max_length=size["max_length"]))
    ids, _ = scorer.encode(scorer.render([r["prompt"] for r in rows for _ in (0, 1)],
                                         [r[k] for r in rows for k in ("chosen", "rejected")]))
    device = next(model.parameters()).device

    def one_at_a_time(seqs):
        with torch.inference_mode():
            return np.array([float(model(input_ids=torch.tensor([s], device=device)).logits[0, 0]) for s in seqs])

    clock.time(lambda: (one_at_a_time(ids[:4]), scorer.score_ids(ids[:4])))  # warm-up: kernels, allocator
    t_base, base = clock.time(lambda: one_at_a_time(ids))
    t_ours, ours = clock.time(lambda: scorer.score_ids(ids))
    return {"dtype": "float32", "texts": len(ids), "tokens": sum(map(len, ids)), "batch_size": size["scorer_batch"],
            "one_at_a_time_texts_per_s": round(len(ids) / t_base, 2), "rmbase_texts_per_s": round(len(ids) / t_ours, 2),
            "ratio": round(t_base / t_ours, 3), "max_abs_score_difference": float(np.max(np.abs(ours - base)))}


def presence_check(folder: Path, args, size: dict, clock: Clock) -> dict:
    """score_docs against one document at a time (float32; the same mean log-probability per document)."""
    import numpy as np
    import torch

    from rmbase import hf_models as H
    from rmbase import hf_text as T
    from rmbase.presence.config import default_batch_tokens
    from rmbase.presence.corpus import Doc
    from rmbase.presence.scoring import score_docs

    model, tok = H.load_causal_lm(folder, device=args.device, dtype="float32"), T.load_lm_tokenizer(folder)
    rng, vocab = random.Random(4), words()
    texts = [sentence(rng, vocab, 2, size["max_length"]) for _ in range(size["docs"])]
    docs = [Doc(i, t, "x") for i, t in enumerate(texts)]
    max_tokens = size["max_length"]
    ids = T.encode_texts_flagged(tok, texts, max_length=max_tokens, truncation="right")[0]
    device = next(model.parameters()).device
    batch_tokens = default_batch_tokens(args.device)

    def one_at_a_time(seqs):
        out = []
        with torch.inference_mode():
            for seq in seqs:
                x = torch.tensor([seq], device=device)
                logp = torch.log_softmax(model(input_ids=x).logits[0, :-1].float(), dim=-1)
                out.append(float(logp.gather(-1, x[0, 1:, None]).mean()))
        return np.array(out)

    def ours(subset):
        return score_docs(model, tok, subset, max_tokens=max_tokens, batch_tokens=batch_tokens).score.to_numpy()

    clock.time(lambda: (one_at_a_time(ids[:4]), ours(docs[:4])))  # warm-up of both paths (kernels, allocator)
    t_base, base = clock.time(lambda: one_at_a_time(ids))
    t_ours, mine = clock.time(lambda: ours(docs))
    n_tokens = sum(map(len, ids))
    return {"dtype": "float32", "docs": len(texts), "tokens": n_tokens, "batch_tokens": batch_tokens,
            "one_at_a_time_tokens_per_s": round(n_tokens / t_base, 1), "rmbase_tokens_per_s": round(n_tokens / t_ours, 1),
            "ratio": round(t_base / t_ours, 3), "max_abs_score_difference": float(np.nanmax(np.abs(mine - base)))}


def train_once(folder: Path, files: dict, args, size: dict, dtype: str, work: Path):
    from rmbase.training import TrainConfig, train

    out = work / f"rm_{dtype}"
    config = TrainConfig(base=str(folder), train=str(files["train"]), val=str(files["val"]), out=str(out),
                         learning_rates=[1e-5], batch_size=size["batch_size"], per_device_batch_size=size["micro_batch"],
                         eval_steps=10_000, warmup_steps=1, epochs=1, max_length=size["max_length"],
                         long_pairs="truncate", seed=0, dtype=dtype, device=args.device)
    reset_peak(args.device)
    result = train(config)
    peak = peak_gib(args.device)
    shutil.rmtree(out, ignore_errors=True)
    return result, peak


def training_check(folder: Path, files: dict, args, size: dict, work: Path) -> dict:
    """rmbase train in float32 and in bfloat16 on the same pairs (one epoch, one learning rate)."""
    runs = {}
    for dtype in ("float32", "bfloat16"):
        result, peak = train_once(folder, files, args, size, dtype, work)
        best = result.best
        runs[dtype] = {"train_tokens": best.train_tokens, "train_seconds": round(best.train_seconds, 3),
                       "tokens_per_s": round(best.train_tokens / max(best.train_seconds, 1e-9), 1),
                       "peak_device_gib": peak, "validation_accuracy": best.best_accuracy,
                       "steps": max(p["step"] for p in best.curve)}
    return {"runs": runs, "bf16_over_fp32_tokens_per_s": round(runs["bfloat16"]["tokens_per_s"] /
                                                                runs["float32"]["tokens_per_s"], 3)}


def probe_check(folder: Path, files: dict, args, size: dict, clock: Clock, train_seconds: float) -> dict:
    """The probe's forward pass over the training pairs against training one epoch on them (rmbase's default dtype
    of the device for both)."""
    from bench_probe import study_sizes

    from rmbase.forward import pad_id_for
    from rmbase.hf_text import load_tokenizer
    from rmbase.probe.forward import feature_pass, load_base
    from rmbase.training.data import load_pairs
    from rmbase.training.encoding import encode_pairs

    dtype = "float32" if args.device == "cpu" else "bfloat16"
    tok = load_tokenizer(folder)
    items, _ = encode_pairs(tok, load_pairs(files["train"])[0], max_length=size["max_length"], policy="truncate")
    seqs = [x["chosen_ids"] for x in items] + [x["rejected_ids"] for x in items]
    model, kind = load_base(folder, dtype=dtype, device=args.device)
    starts = [max(1, len(s) // 2) for s in seqs]  # where the "response" starts: any split costs the same

    def run():
        return feature_pass(model, kind, seqs, starts, batch_size=size["micro_batch"] * 2,
                            pad_id=pad_id_for(model, tok))

    clock.time(lambda: feature_pass(model, kind, seqs[:4], starts[:4], batch_size=4, pad_id=pad_id_for(model, tok)))
    probe_s, _ = clock.time(run)
    n_train, n_lrs, n_probe = study_sizes()
    probe_pp, train_pp = probe_s / len(items), train_seconds / len(items)
    return {"dtype": dtype, "pairs": len(items), "probe_forward_seconds": round(probe_s, 3),
            "train_seconds_one_epoch": round(train_seconds, 3), "probe_seconds_per_pair": probe_pp,
            "train_seconds_per_pair": train_pp, "ratio_same_pairs": round(train_seconds / probe_s, 2),
            "study_sizes": {"train_pairs": n_train, "learning_rates": n_lrs, "probe_pairs": n_probe},
            "ratio_at_study_sizes": round(train_pp * n_train * n_lrs / (probe_pp * n_probe), 1)}


def check_model(name: str, arch: dict, tok, args, size: dict, work: Path, clock: Clock) -> dict:
    folder = work / name
    t0 = time.perf_counter()
    n_params = build_model(folder, arch, tok, args.device)
    out: dict = {"architecture": arch, "parameters": n_params, "build_seconds": round(time.perf_counter() - t0, 1)}
    files = {"train": write_jsonl(work / "train.jsonl", pairs(size["train_pairs"], 1, size["max_length"])),
             "val": write_jsonl(work / "val.jsonl", pairs(size["val_pairs"], 2, size["max_length"]))}
    for check in args.checks:
        t0 = time.perf_counter()
        if check == "scorer":
            out["scorer"] = scorer_check(folder, args, size, clock)
        elif check == "presence":
            out["presence"] = presence_check(folder, args, size, clock)
        elif check == "training":
            out["training"] = training_check(folder, files, args, size, work)
        elif check == "probe":
            default = "float32" if args.device == "cpu" else "bfloat16"
            seconds = (out["training"]["runs"][default]["train_seconds"] if "training" in out
                       else train_once(folder, files, args, size, default, work)[0].best.train_seconds)
            out["probe"] = probe_check(folder, files, args, size, clock, seconds)
        out.setdefault("seconds", {})[check] = round(time.perf_counter() - t0, 1)
        print(f"{name} {check}: {json.dumps(out[check])}", flush=True)
        _free(args.device)
    shutil.rmtree(folder, ignore_errors=True)
    return out


def _free(device: str) -> None:
    import gc

    gc.collect()
    if device.startswith("cuda"):
        import torch

        torch.cuda.empty_cache()


def device_name(device: str) -> str:
    import platform

    import torch

    if device.startswith("cuda"):
        return torch.cuda.get_device_name(torch.device(device))
    return f"CPU ({platform.processor() or platform.machine()}, {os.cpu_count()} cores)"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--size", choices=tuple(SIZES), default="full")
    ap.add_argument("--models", default=",".join(ARCHS), help=f"a comma-separated subset of {', '.join(ARCHS)}")
    ap.add_argument("--checks", default="scorer,presence,training,probe")
    ap.add_argument("--out", type=Path, default=Path("gpu_checks.json"))
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temporary one)")
    args = ap.parse_args(argv)
    args.checks = [c.strip() for c in args.checks.split(",") if c.strip()]
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = sorted(set(models) - set(ARCHS)) + sorted(set(args.checks) - {"scorer", "presence", "training", "probe"})
    if unknown:
        ap.error(f"unknown model or check: {', '.join(unknown)}")
    sys.path.insert(0, str(HERE))  # bench_probe's study sizes
    import torch
    import transformers
    from transformers.utils import logging as hf_logging

    from rmbase.errors import InputError
    from rmbase.hf_models import check_device
    from rmbase.io import atomic_write_json

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        check_device(args.device)
    except InputError as exc:  # e.g. CUDA asked for on a machine without it
        print(f"error: {exc}", file=sys.stderr)
        return 2
    t_start = time.perf_counter()
    work = args.work or Path(tempfile.mkdtemp(prefix="rmbase_gpu_checks_"))
    work.mkdir(parents=True, exist_ok=True)
    size = SIZES[args.size]
    archs = ARCHS if args.size == "full" else SMALL_ARCHS
    tok = build_tokenizer(work / "tokenizer")
    clock = Clock(args.device)
    report: dict = {"device": device_name(args.device), "device_kind": args.device, "size": args.size,
                    "sizes": size, "torch": torch.__version__, "transformers": transformers.__version__,
                    "cuda": torch.version.cuda, "random_weights": True, "models": {}}
    print(f"device: {report['device']}; sizes {args.size}: {json.dumps(size)}", flush=True)
    for name in models:
        report["models"][name] = check_model(name, archs[name], tok, args, size, work, clock)
    report["seconds"] = round(time.perf_counter() - t_start, 1)
    atomic_write_json(args.out, report)
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    print(f"wrote {args.out} ({report['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
