"""Helpers of the probe tests: a tiny tokenizer and synthetic preference pairs (in-process, no network)."""

from __future__ import annotations

import json
import random
from pathlib import Path

WORDS = ["apple", "river", "stone", "cloud", "music", "garden", "window", "paper", "silver", "orange", "candle",
         "forest", "bridge", "summer", "letter", "yellow", "market", "planet", "mirror", "engine"]


def corpus() -> list[str]:
    rng = random.Random(0)
    lines = [" ".join(rng.choice(WORDS) for _ in range(12)) for _ in range(200)]
    return lines + ["good answer bad answer A B user assistant system <|im_start|> <|im_end|>"] * 20


def tokenizer(template: str | None = "chatml"):
    from helpers.tiny_llama import train_tokenizer
    from rmbase.hf_text import resolve_chat_template

    return train_tokenizer(corpus(), vocab_size=600, adds_bos=True, pad_token="</s>",
                           chat_template=None if template is None else resolve_chat_template(template),
                           special_tokens=("<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"))


def synthetic_pairs(path: Path, n: int, *, seed: int = 0, marker: bool = True) -> Path:
    """Pairs whose chosen response ends in "good" and rejected in "bad" (``marker``), else both random."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        prompt = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 8)))
        body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6)))
        if marker:
            chosen, rejected = body + " good", body + " bad"
        else:
            chosen = body + " " + " ".join(rng.choice(WORDS) for _ in range(2))
            rejected = body + " " + " ".join(rng.choice(WORDS) for _ in range(2))
        rows.append({"prompt": prompt, "chosen": chosen, "rejected": rejected})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


