"""Fixtures for the training tests: a tiny random Llama with an in-process BPE tokenizer, and synthetic data."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

WORDS = ["apple", "river", "stone", "cloud", "green", "quick", "table", "light", "music", "paper",
         "ocean", "tiger", "house", "dream", "night", "sugar"]
GOOD, BAD = "great helpful answer", "awful useless reply"


def _corpus() -> list[str]:
    rng = random.Random(0)
    lines = [" ".join(rng.choice(WORDS) for _ in range(12)) for _ in range(300)]
    return lines + [GOOD, BAD, "user assistant system", "<|im_start|> <|im_end|>"] * 20


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """A 2-layer Llama (hidden 32) with a word-level-ish BPE tokenizer and the chatml template, in safetensors."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    from rmbase.hf_models import resolve_chat_template

    out = tmp_path_factory.mktemp("tiny_llama")
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=["<unk>", "<s>", "</s>", "<|im_start|>",
                                                                  "<|im_end|>"])
    tok.train_from_iterator(_corpus(), trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>")
    fast.chat_template = resolve_chat_template("chatml")
    fast.save_pretrained(out)
    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=len(fast), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
                      bos_token_id=fast.bos_token_id, eos_token_id=fast.eos_token_id, tie_word_embeddings=False)
    LlamaForCausalLM(cfg).save_pretrained(out, safe_serialization=True)
    return out


def synthetic_pairs(n: int, seed: int) -> list[dict]:
    """Learnable preferences: the chosen response contains the GOOD phrase, the rejected one the BAD phrase."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        prompt = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 8)))
        filler = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 5)))
        rows.append({"prompt": prompt, "chosen": f"{filler} {GOOD}", "rejected": f"{filler} {BAD}"})
    return rows


def synthetic_attributes(n: int, seed: int) -> list[dict]:
    """HelpSteer2-like rows: helpfulness/correctness high for GOOD responses, verbosity grows with length."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        prompt = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 8)))
        k = rng.randint(1, 6)
        good = rng.random() < 0.5
        response = " ".join(rng.choice(WORDS) for _ in range(k)) + " " + (GOOD if good else BAD)
        rows.append({"prompt": prompt, "response": response, "helpfulness": 4.0 if good else 0.0,
                     "correctness": 3.0 if good else 1.0, "coherence": 2.0, "complexity": 1.0,
                     "verbosity": min(4.0, k * 0.6)})
    return rows


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path
