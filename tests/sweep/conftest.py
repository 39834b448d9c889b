"""Fixtures of the sweep tests: two tiny random Llama bases (one with untrained embedding rows, one without a pad
token), synthetic preference and attribute data, a RewardBench-format eval set, and a config writer."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from helpers.sweep import sweep_config, write_config
from helpers.training_data import (
    BAD,
    GOOD,
    NEUTRAL,
    random_words,
    synthetic_attributes,
    synthetic_pairs,
    write_jsonl,
)

HERE = Path(__file__).resolve().parent


def _corpus() -> list[str]:
    rng = random.Random(0)
    lines = [random_words(rng, 12) for _ in range(300)]
    return lines + [GOOD, NEUTRAL, BAD, "user assistant system", "<|im_start|> <|im_end|>"] * 20


@pytest.fixture(scope="session")
def tiny_bases(tmp_path_factory) -> dict[str, Path]:
    """Two 2-layer Llamas: ``alpha`` (no pad token: the training room adds one) and ``beta`` (seed 1, and the
    '<|im_start|>' embedding row zeroed: the training room resets it to the mean row)."""
    import torch
    from safetensors.torch import load_file, save_file

    from helpers.tiny_llama import save_tiny_llama, train_tokenizer
    from rmbase.hf_text import resolve_chat_template

    tok = train_tokenizer(_corpus(), vocab_size=300, byte_level=False,
                          special_tokens=("<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"),
                          chat_template=resolve_chat_template("chatml"))
    root = tmp_path_factory.mktemp("bases")
    alpha = save_tiny_llama(root / "alpha", tok, tie_word_embeddings=False, pad_token_id=None, seed=0)
    beta = save_tiny_llama(root / "beta", tok, tie_word_embeddings=False, pad_token_id=None, seed=1)
    weights = load_file(beta / "model.safetensors")
    key = next(k for k in weights if k.endswith("embed_tokens.weight"))
    weights[key][tok.convert_tokens_to_ids("<|im_start|>")] = torch.zeros(weights[key].shape[1])
    save_file(weights, beta / "model.safetensors", metadata={"format": "pt"})
    return {"alpha": alpha, "beta": beta}


@pytest.fixture(scope="session")
def sweep_data(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("sweep_data")
    paths = {"train": write_jsonl(root / "train.jsonl", synthetic_pairs(48, 1)),
             "val": write_jsonl(root / "val.jsonl", synthetic_pairs(24, 2)),
             "attributes": write_jsonl(root / "attributes.jsonl", synthetic_attributes(48, 3))}
    # the validation pairs again, in RewardBench's columns (one Chat Hard subset): the seam test compares them
    rows = [{"id": f"v{i}", "subset": "llmbar-natural", **r} for i, r in enumerate(synthetic_pairs(24, 2))]
    paths["eval"] = write_jsonl(root / "eval.jsonl", rows)
    return paths


@pytest.fixture
def make_config(tiny_bases, sweep_data, tmp_path):
    def make(name: str = "sweep.yaml", **overrides) -> Path:
        return write_config(tmp_path / name, sweep_config(tiny_bases, sweep_data, **overrides))

    return make
