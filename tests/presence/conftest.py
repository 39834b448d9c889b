"""Presence test helpers: tiny causal LMs (with and without BOS), small corpora, synthetic presence folders."""

from __future__ import annotations

from pathlib import Path

import pytest

TEXTS = {
    "code": ["def add(x, y):\n    return x + y\n", "import os\nprint(os.getcwd())\n",
             "for i in range(10):\n    total += i * i\n", "class Box:\n    def __init__(self):\n        self.items = []\n"],
    "prose": ["The cat sat on the mat and looked at the quiet garden.", "Rain fell over the hills all night long.",
              "She wrote a long letter to her brother about the summer.", "A river runs through the old town."],
}


@pytest.fixture(scope="session")
def tokenizer_corpus():
    return [t for texts in TEXTS.values() for t in texts] * 4


def _lm(path: Path, corpus, *, adds_bos: bool, seed: int = 0) -> Path:
    from helpers.tiny_llama import save_tiny_llama, train_tokenizer

    tok = train_tokenizer(corpus, vocab_size=300, adds_bos=adds_bos)
    return save_tiny_llama(path, tok, seed=seed, max_positions=512)


@pytest.fixture(scope="session")
def tiny_lm(tmp_path_factory, tokenizer_corpus):
    """A 2-layer random Llama causal LM whose tokenizer prepends BOS (like Llama)."""
    pytest.importorskip("transformers")
    return _lm(tmp_path_factory.mktemp("lm") / "bos", tokenizer_corpus, adds_bos=True)


@pytest.fixture(scope="session")
def tiny_lm_nobos(tmp_path_factory, tokenizer_corpus):
    """The same architecture with a tokenizer that adds no BOS (like GPT-2 / SmolLM2)."""
    pytest.importorskip("transformers")
    return _lm(tmp_path_factory.mktemp("lm") / "nobos", tokenizer_corpus, adds_bos=False, seed=1)


@pytest.fixture
def clean_rows():
    return [{"text": t, "category": c} for c, texts in TEXTS.items() for t in texts]
