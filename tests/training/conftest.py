"""Fixtures for the training tests: a tiny random Llama with an in-process BPE tokenizer, and synthetic data."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from helpers.training_data import BAD, GOOD, NEUTRAL, random_words


def _corpus() -> list[str]:
    rng = random.Random(0)
    lines = [random_words(rng, 12) for _ in range(300)]
    return lines + [GOOD, NEUTRAL, BAD, "user assistant system", "<|im_start|> <|im_end|>"] * 20


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """A 2-layer Llama (hidden 32) with a word-level-ish BPE tokenizer and the chatml template, in safetensors."""
    from helpers.tiny_llama import save_tiny_llama, train_tokenizer
    from rmbase.hf_text import resolve_chat_template

    tok = train_tokenizer(_corpus(), vocab_size=300, byte_level=False,
                          special_tokens=("<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"),
                          chat_template=resolve_chat_template("chatml"))
    return save_tiny_llama(tmp_path_factory.mktemp("tiny_llama"), tok, tie_word_embeddings=False, pad_token_id=None)
