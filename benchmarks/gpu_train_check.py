"""GPU check of the training room: `rmbase.training.train` (TRL RewardTrainer, Bradley-Terry) on CUDA, bf16 against
fp32 on the same GPU in the same run, then held-out pairwise accuracy scored on the GPU.

The base is a model folder; when it holds only a config and tokenizer (no weights), a random-weight model of that
architecture is built first (seeded) — the check is about the GPU path (device placement, bf16 autocast, gradient
checkpointing, saving, scoring) and its speed, not about what a random base learns.

    python benchmarks/gpu_train_check.py --model-dir SMOLLM2_CONFIG_DIR --data hh.jsonl.gz --out OUT_DIR

Prints, per dtype: seconds, training tokens/s, peak GPU memory, best validation accuracy, held-out accuracy, and the
bf16/fp32 throughput ratio. Writes the same as JSON to OUT_DIR/gpu_train_check.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def build_random_base(model_dir: Path, work: Path, seed: int) -> Path:
    """``model_dir`` itself when it has weights, else a random-weight model of its config saved under ``work``."""
    import shutil

    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    if any(model_dir.glob("*.safetensors")) or any(model_dir.glob("*.bin")):
        return model_dir
    out = work / "random_base"
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(model_dir))
    model.save_pretrained(out, safe_serialization=True)
    for f in model_dir.iterdir():
        if f.suffix in (".json", ".jinja") and f.name != "config.json":
            shutil.copy(f, out / f.name)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model-dir", type=Path, required=True)
    ap.add_argument("--data", type=Path, required=True, help="HH-RLHF style JSONL(.gz) with chosen/rejected")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--work", type=Path, default=Path("/tmp/rmbase_gpu_check"))
    ap.add_argument("--train-pairs", type=int, default=1600)
    ap.add_argument("--val-pairs", type=int, default=160)
    ap.add_argument("--test-pairs", type=int, default=400)
    ap.add_argument("--max-length", type=int, default=512)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--per-device-batch-size", type=int, default=16)
    ap.add_argument("--lr", type=float, default=3e-5)
    ap.add_argument("--dtypes", default="bfloat16,float32")
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    import torch

    from rmbase.hf_models import load_sequence_classifier
    from rmbase.hf_text import load_tokenizer
    from rmbase.training import TrainConfig, train
    from rmbase.training.data import load_pairs, write_seeded_splits
    from rmbase.training.encoding import encode_pairs, pairwise_accuracy, score_pairs

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print("skip: no CUDA device")
        return 0
    args.work.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    base = build_random_base(args.model_dir, args.work, args.seed)
    n_tr, n_va = args.train_pairs, args.val_pairs
    paths = write_seeded_splits(args.data, {"train": n_tr, "val": n_va, "test": args.test_pairs}, args.work,
                                seed=args.seed)

    tokenizer = load_tokenizer(base)
    test_items, _ = encode_pairs(tokenizer, load_pairs(paths["test"])[0], max_length=args.max_length,
                                 policy="truncate")
    results = {"device": torch.cuda.get_device_name(0) if args.device.startswith("cuda") else args.device,
               "torch": torch.__version__, "base": str(args.model_dir), "random_weights": base != args.model_dir,
               "train_pairs": n_tr, "val_pairs": n_va, "test_pairs": len(test_items), "max_length": args.max_length,
               "runs": {}}
    for dtype in args.dtypes.split(","):
        if args.device.startswith("cuda"):
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
        out = args.work / f"rm_{dtype}"
        config = TrainConfig(base=str(base), recipe="bradley_terry", train=str(paths["train"]), val=str(paths["val"]),
                             out=str(out), learning_rates=[args.lr], batch_size=args.batch_size,
                             per_device_batch_size=args.per_device_batch_size, eval_steps=10, warmup_steps=5,
                             max_length=args.max_length, long_pairs="truncate", seed=args.seed, dtype=dtype,
                             device=args.device)
        t0 = time.perf_counter()
        result = train(config, progress=lambda line: print(line, flush=True))
        seconds = time.perf_counter() - t0
        peak = torch.cuda.max_memory_allocated() / 2**30 if args.device.startswith("cuda") else float("nan")
        model = load_sequence_classifier(out, dtype=dtype, device=args.device)
        t1 = time.perf_counter()
        c, r = score_pairs(model, test_items, tokenizer.pad_token_id, batch_size=32)
        score_s = time.perf_counter() - t1
        run = {"seconds": round(seconds, 2), "train_tokens": result.best.train_tokens,
               "train_seconds": round(result.best.train_seconds, 2),
               "tokens_per_s": round(result.best.train_tokens / max(result.best.train_seconds, 1e-9), 1),
               "peak_gpu_gib": round(peak, 2), "validation_accuracy": result.best.best_accuracy,
               "best_step": result.best.best_step, "held_out_accuracy": pairwise_accuracy(c[:, 0], r[:, 0]),
               "score_pairs_per_s": round(len(test_items) / score_s, 1)}
        results["runs"][dtype] = run
        print(f"{dtype}: {json.dumps(run)}", flush=True)
        del model
    runs = results["runs"]
    if "bfloat16" in runs and "float32" in runs:
        results["bf16_over_fp32_tokens_per_s"] = round(runs["bfloat16"]["tokens_per_s"] /
                                                       runs["float32"]["tokens_per_s"], 2)
        print(f"bf16 / fp32 training throughput: {results['bf16_over_fp32_tokens_per_s']}x (same GPU, same run)")
    (args.out / "gpu_train_check.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
