"""Turn validated rows into token ids (chat template, exactly one BOS, counted length policy) and score them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from rmbase.errors import InputError


@dataclass
class LengthReport:
    """Pairs/rows longer than ``max_length``: dropped or truncated (left, keeping BOS and the response end)."""

    policy: str
    max_length: int
    dropped: int = 0
    truncated: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"policy": self.policy, "max_length": self.max_length, "dropped_too_long": self.dropped,
                "truncated": self.truncated}


def encode_pairs(tokenizer: Any, pairs: pd.DataFrame, *, max_length: int, policy: str = "drop",
                 use_margin: bool = False, name: str = "pairs") -> tuple[list[dict], LengthReport]:
    """Rows ``prompt, chosen, rejected[, margin]`` -> ``[{chosen_ids, rejected_ids[, margin]}]`` for TRL."""
    from rmbase.hf_text import encode_texts_flagged, render_conversation

    chosen = [render_conversation(tokenizer, p, c) for p, c in zip(pairs["prompt"], pairs["chosen"], strict=True)]
    rejected = [render_conversation(tokenizer, p, r)
                for p, r in zip(pairs["prompt"], pairs["rejected"], strict=True)]
    report = LengthReport(policy=policy, max_length=max_length)
    # long texts come back cut from the left (BOS and the response end kept) and flagged; under ``drop`` the
    # flagged ones are left out and their cut ids never used
    c_ids, c_long = encode_texts_flagged(tokenizer, chosen, max_length=max_length, truncation="left")
    r_ids, r_long = encode_texts_flagged(tokenizer, rejected, max_length=max_length, truncation="left")
    margins = pairs["margin"].to_numpy(dtype=float) if "margin" in pairs else np.full(len(pairs), np.nan)
    out = []
    for c, r, cl, rl, m in zip(c_ids, r_ids, c_long, r_long, margins, strict=True):
        if cl or rl:
            if policy == "drop":
                report.dropped += 1
                continue
            report.truncated += 1
            if c == r:  # identical once truncated: carries no preference any more
                report.dropped += 1
                continue
        item = {"chosen_ids": c, "rejected_ids": r}
        if use_margin:
            if np.isnan(m):
                raise InputError(f"{name}: --use-margin needs a margin on every pair", column="margin")
            item["margin"] = float(m)
        out.append(item)
    if not out:
        raise InputError(f"{name}: no pair fits max_length={max_length} ({report.dropped} too long)",
                         expected="a larger --max-length or --truncation left")
    return out, report


def encode_responses(tokenizer: Any, rows: pd.DataFrame, attributes: list[str], *, max_length: int,
                     policy: str = "drop") -> tuple[list[dict], LengthReport]:
    """Rows ``prompt, response, <attributes>`` -> ``[{input_ids, labels}]`` for the regression recipe."""
    from rmbase.hf_text import encode_texts_flagged, render_conversation

    texts = [render_conversation(tokenizer, p, r) for p, r in zip(rows["prompt"], rows["response"], strict=True)]
    report = LengthReport(policy=policy, max_length=max_length)
    ids, too_long = encode_texts_flagged(tokenizer, texts, max_length=max_length, truncation="left")
    labels = rows[attributes].to_numpy(dtype=np.float32)
    out = []
    for seq, long, lab in zip(ids, too_long, labels, strict=True):
        if long:
            if policy == "drop":
                report.dropped += 1
                continue
            report.truncated += 1
        out.append({"input_ids": seq, "labels": lab.tolist()})
    if not out:
        raise InputError(f"no training row fits max_length={max_length} ({report.dropped} too long)",
                         expected="a larger --max-length or --truncation left")
    return out, report


def score_pairs(model: Any, pairs: list[dict], pad_id: int, *, batch_size: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """(chosen scores, rejected scores), each ``(pairs, num_labels)``."""
    from rmbase.forward import model_logits

    seqs = [p["chosen_ids"] for p in pairs] + [p["rejected_ids"] for p in pairs]
    scores = model_logits(model, seqs, pad_id, batch_size=batch_size)
    return scores[: len(pairs)], scores[len(pairs):]


def pairwise_accuracy(chosen: np.ndarray, rejected: np.ndarray) -> float:
    """Share of pairs with score(chosen) > score(rejected), strictly (ties count as wrong)."""
    chosen, rejected = np.asarray(chosen).reshape(-1), np.asarray(rejected).reshape(-1)
    return float((chosen > rejected).mean()) if chosen.size else float("nan")
