"""Tiny random bases (a Llama causal LM with a chat template, one without, a BERT-style encoder) and synthetic
preference pairs for the probe tests; all built in-process in a second or two."""

from __future__ import annotations

import pytest

from helpers.probe_models import synthetic_pairs, tokenizer


@pytest.fixture(scope="session")
def llama_dir(tmp_path_factory):
    from helpers.tiny_llama import save_tiny_llama

    return save_tiny_llama(tmp_path_factory.mktemp("probe") / "llama", tokenizer(), hidden_size=32,
                           max_positions=1024, seed=0)


@pytest.fixture(scope="session")
def llama_no_template_dir(tmp_path_factory):
    from helpers.tiny_llama import save_tiny_llama

    return save_tiny_llama(tmp_path_factory.mktemp("probe") / "llama_nt", tokenizer(None), hidden_size=32,
                           max_positions=1024, seed=1)


@pytest.fixture(scope="session")
def encoder_dir(tmp_path_factory):
    import torch
    from transformers import BertConfig, BertModel

    tok = tokenizer(None)
    path = tmp_path_factory.mktemp("probe") / "encoder"
    cfg = BertConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                     intermediate_size=64, max_position_embeddings=1024, architectures=["BertModel"])
    torch.manual_seed(0)
    BertModel(cfg).save_pretrained(path, safe_serialization=True)
    tok.save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def marker_pairs(tmp_path_factory):
    return synthetic_pairs(tmp_path_factory.mktemp("pairs") / "marker.jsonl", 60)
