"""Preference pairs for probes: read with the training loader (same formats and bad-row rules as ``rmbase train``),
a seeded sample of at most ``n_pairs``, and the token-level facts the probes need (where each response starts).

Rows a run can go on without (empty response, chosen identical to rejected, duplicate pairs, HH dialogues that do
not parse) are dropped and counted by :func:`rmbase.training.data.load_pairs`; texts longer than the limit are
truncated by :func:`rmbase.hf_text.encode_texts_flagged` (the rule ``rmbase evaluate`` uses) and counted here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rmbase.errors import InputError


@dataclass
class ProbePairs:
    """The pairs a probe run uses, in a fixed order, with what was dropped and why."""

    prompts: list[list[dict]]
    chosen: list[str]
    rejected: list[str]
    rows: list[int]                       # 1-based rows of the source file
    source: str
    sha256: str
    report: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.rows)


def load_probe_pairs(source: str, *, n_pairs: int, seed: int, min_pairs: int) -> ProbePairs:
    """Pairs from ``source``; a seeded random sample of ``n_pairs`` when there are more (kept in file order).

    Fewer than ``min_pairs`` usable pairs is an :class:`InputError` (before any model is loaded)."""
    from rmbase.training.data import load_pairs

    df, report = load_pairs(source, on_bad_rows="drop")
    info = report.as_dict()
    available = len(df)
    if available > n_pairs:
        keep = np.sort(np.random.default_rng(seed).choice(available, size=n_pairs, replace=False))
        df = df.iloc[keep].reset_index(drop=True)
    info.update(pairs_available=available, pairs_used=len(df), sampled=available > n_pairs, sample_seed=seed)
    if len(df) < min_pairs:
        raise InputError(f"only {len(df)} usable preference pair(s) (dropped: {dict(report.dropped) or 'none'}); "
                         f"the frozen BT probe's nested cross-validation needs at least {min_pairs}",
                         path=str(source), expected=f"at least {min_pairs} pairs, or fewer --folds")
    return ProbePairs(prompts=list(df["prompt"]), chosen=list(df["chosen"]), rejected=list(df["rejected"]),
                      rows=[int(r) for r in df["row"]], source=str(source), sha256=report.sha256, report=info)


def encode_with_response_start(tokenizer: Any, prompts: list, responses: list[str], *, max_length: int,
                               truncation: str) -> tuple[list[list[int]], list[int], list[bool]]:
    """Token ids of each rendered prompt+response (chat template, one BOS, truncation as ``rmbase evaluate``),
    the index of the first response token in those ids, and whether the text was truncated.

    The response starts after the longest common token prefix of the full text and the prompt rendered with the
    generation prompt, so it includes the template's end-of-turn marker. With left truncation the response keeps
    its end; a response longer than the limit keeps only its last tokens (counted as truncated)."""
    from rmbase.hf_text import encode_texts_flagged, render_conversation

    full = [render_conversation(tokenizer, p, r) for p, r in zip(prompts, responses, strict=True)]
    prefix = [_render_prompt(tokenizer, p) for p in prompts]
    big = 1 << 30
    whole, _ = encode_texts_flagged(tokenizer, full, max_length=big, truncation="right")
    heads, _ = encode_texts_flagged(tokenizer, prefix, max_length=big, truncation="right")
    ids, flags = encode_texts_flagged(tokenizer, full, max_length=max_length, truncation=truncation)
    starts = []
    for w, h, cut in zip(whole, heads, ids, strict=True):
        common = 0
        for a, b in zip(w, h, strict=False):
            if a != b:
                break
            common += 1
        n_resp = len(w) - min(common, len(w) - 1)  # at least one response token
        if truncation == "left":  # the end survives: the response is the last n_resp tokens (position 0 has no
            starts.append(max(len(cut) - n_resp, 1))  # prediction, so at most len - 1 of them)
        else:  # right: the response may be cut short or gone (start == len: no response token left)
            starts.append(min(max(len(w) - n_resp, 1), len(cut)))
    return ids, starts, flags


def _render_prompt(tokenizer: Any, prompt: Any) -> str:
    from rmbase.hf_text import _messages

    return tokenizer.apply_chat_template(_messages(prompt), tokenize=False, add_generation_prompt=True)


JUDGE_INSTRUCTION = (
    "Below is a conversation between a user and an AI assistant, then two candidate replies for the assistant's "
    "next turn.\n\n[Conversation]\n{conversation}\n\n[Response A]\n{a}\n\n[Response B]\n{b}\n\n"
    "Which response is better (more helpful, honest and harmless)? Answer with a single letter: A or B.")
JUDGE_VERSION = 1  # bump when the instruction changes (it enters the cache fingerprint)


def conversation_text(prompt: list[dict]) -> str:
    return "\n".join(f"{m['role'].capitalize()}: {m['content']}" for m in prompt)


def judge_texts(tokenizer: Any, prompts: list, first: list[str], second: list[str]) -> list[str]:
    """The judge question (the conversation, response A, response B, the instruction last so that left truncation
    cuts the conversation first) rendered with the chat template and the generation prompt."""
    out = []
    for p, a, b in zip(prompts, first, second, strict=True):
        text = JUDGE_INSTRUCTION.format(conversation=conversation_text(p), a=a, b=b)
        out.append(tokenizer.apply_chat_template([{"role": "user", "content": text}], tokenize=False,
                                                 add_generation_prompt=True))
    return out


def answer_token_ids(tokenizer: Any) -> tuple[int, int] | None:
    """Ids of the single tokens ``A`` and ``B`` (None when either is not one token, or both are the same)."""
    a = tokenizer("A", add_special_tokens=False)["input_ids"]
    b = tokenizer("B", add_special_tokens=False)["input_ids"]
    if len(a) != 1 or len(b) != 1 or a == b:
        return None
    return int(a[0]), int(b[0])
