"""Synthetic, learnable training data for the training tests (imported by the test modules)."""

from __future__ import annotations

import json
import random
from pathlib import Path

WORDS = ["apple", "river", "stone", "cloud", "green", "quick", "table", "light", "music", "paper",
         "ocean", "tiger", "house", "dream", "night", "sugar"]
GOOD, NEUTRAL, BAD = "great helpful answer", "plain short note", "awful useless reply"


def random_words(rng: random.Random, n: int) -> str:
    """``n`` words drawn from WORDS with ``rng``."""
    return " ".join(rng.choice(WORDS) for _ in range(n))


def synthetic_pairs(n: int, seed: int) -> list[dict]:
    """Learnable preferences GOOD > NEUTRAL > BAD, in all three combinations (a random head gets about half)."""
    rng = random.Random(seed)
    rows = []
    kinds = [(GOOD, BAD), (GOOD, NEUTRAL), (NEUTRAL, BAD)]
    for i in range(n):
        prompt = random_words(rng, rng.randint(3, 8))
        filler = random_words(rng, rng.randint(1, 5))
        good, bad = kinds[i % 3]
        rows.append({"prompt": prompt, "chosen": f"{filler} {good}", "rejected": f"{filler} {bad}"})
    return rows


def synthetic_good_bad_pairs(n: int, seed: int) -> list[dict]:
    """GOOD vs BAD responses after independent random fillers (a random head orders them only by chance)."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        prompt = random_words(rng, rng.randint(3, 8))
        fill = [random_words(rng, rng.randint(1, 6)) for _ in range(2)]
        rows.append({"prompt": prompt, "chosen": f"{GOOD} {fill[0]}", "rejected": f"{BAD} {fill[1]}"})
    return rows


def synthetic_attributes(n: int, seed: int) -> list[dict]:
    """HelpSteer2-like rows: helpfulness/correctness high for GOOD responses, verbosity grows with length."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        prompt = random_words(rng, rng.randint(3, 8))
        k = rng.randint(1, 6)
        good = rng.random() < 0.5
        response = (GOOD if good else BAD) + " " + random_words(rng, k)
        rows.append({"prompt": prompt, "response": response, "helpfulness": 4.0 if good else 0.0,
                     "correctness": 3.0 if good else 1.0, "coherence": 2.0, "complexity": 1.0,
                     "verbosity": min(4.0, k * 0.6)})
    return rows


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path
