"""Tiny random reward models and tokenizers built in-process (no network, a second or two)."""

from __future__ import annotations

from pathlib import Path

CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "Write a poem about the sea. The sea is wide and blue and deep.",
    "What is two plus two? Two plus two is four.",
    "I cannot help with that request, sorry.",
    "Here is a short answer: yes. Here is a long answer: no, because of reasons.",
    "user assistant system <|im_start|> <|im_end|>",
]


def tiny_tokenizer(*, adds_bos: bool = True, template: str | None = "chatml", pad_is_eos: bool = True):
    """A byte-level BPE tokenizer trained on a few sentences; BOS added like Llama when ``adds_bos``."""
    from helpers.tiny_llama import train_tokenizer
    from rmbase.hf_text import resolve_chat_template

    return train_tokenizer(CORPUS * 5, vocab_size=400, adds_bos=adds_bos, pad_token="</s>" if pad_is_eos else None,
                           chat_template=None if template is None else resolve_chat_template(template))


def tiny_reward_model_dir(path: Path, *, num_labels: int = 1, seed: int = 0, adds_bos: bool = True,
                          template: str | None = "chatml", head: bool = True) -> Path:
    """Save a 2-layer random Llama sequence classifier (or causal LM when ``head`` is False) + tokenizer; the
    head's weights have sd 1 so that scores differ visibly."""
    from helpers.tiny_llama import save_tiny_llama

    return save_tiny_llama(path, tiny_tokenizer(adds_bos=adds_bos, template=template), max_positions=1024,
                           seed=seed, head=head, num_labels=num_labels, score_std=1.0)
