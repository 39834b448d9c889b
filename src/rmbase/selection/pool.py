"""Which bases belong in the default candidate pool of ``recommend`` and ``plan``: bases a user would train a reward
model from today.

The rule (stated in docs/selection.md), on a models table with an ``architecture`` column (the bundled leaderboard
models table; the harmonised feature table's models) and, where known, a ``release`` date:

- **encoder-decoder**: an architecture of the T5 / BART / Pegasus kind (``T5ForConditionalGeneration``,
  ``MT5...``, ``SwitchTransformers...``, ``Bart...``): no RM recipe here trains one, and no RM study does;
- **legacy**: an architecture of the 2019-2022 generation (GPT-2, GPT-Neo, GPT-J, GPT-NeoX, OPT, BLOOM, MPT), or a
  release before 2023: short contexts, under a trillion pre-training tokens, no instruction or chat tuning of
  today's kind, and no RM study trains from them any more;
- **reward model**: an architecture that already ends in a sequence-classification head
  (``...ForSequenceClassification``): a trained RM, not a base.

Such a base leaves the default pool (counted, with its reason, in the output); named with ``--candidates`` it stays
and carries the flag in its row. Decoder-only multimodal architectures (``Gemma3ForConditionalGeneration``,
``Llama4ForConditionalGeneration``) are not encoder-decoders and stay.
"""

from __future__ import annotations

import re

import pandas as pd

ENCODER_DECODER = re.compile(r"^(T5|MT5|UMT5|LongT5|SwitchTransformers|Bart|MBart|PLBart|Pegasus|PegasusX|Marian|"
                             r"LED|Blenderbot|BlenderbotSmall|ProphetNet|FSMT|BigBirdPegasus|M2M100|NllbMoe|"
                             r"EncoderDecoder)(For|Model)")
LEGACY = re.compile(r"^(GPT2|GPTNeo|GPTNeoX|GPTJ|OPT|Bloom|MPT|CodeGen|XGLM)(For|LMHead|Model)")
REWARD_MODEL = re.compile(r"ForSequenceClassification$")
LEGACY_BEFORE = "2023-01-01"   # a release before this date is legacy whatever its architecture

FLAG_TEXT = {
    "encoder-decoder": "encoder-decoder architecture (no RM recipe or RM study trains one)",
    "legacy": "legacy base (2019-2022 generation; no RM study trains from it today)",
    "reward model": "already a reward model (sequence-classification head), not a base",
}
RULE = ("the default pool leaves out encoder-decoder architectures (T5, mT5, BART, Switch), legacy bases (GPT-2, "
        "GPT-Neo, GPT-J, GPT-NeoX, OPT, BLOOM, MPT, or released before 2023) and trained reward models "
        "(...ForSequenceClassification); named with --candidates they stay, flagged")


def architecture_flags(architecture, release=None) -> list[str]:
    """The pool flags of one base from its architecture (a transformers class name) and release date."""
    flags = []
    arch = architecture if isinstance(architecture, str) else ""
    if ENCODER_DECODER.match(arch):
        flags.append("encoder-decoder")
    rel = str(release) if isinstance(release, str) and release else None
    if LEGACY.match(arch) or (rel is not None and rel < LEGACY_BEFORE):
        flags.append("legacy")
    if REWARD_MODEL.search(arch):
        flags.append("reward model")
    return flags


def pool_flags(models: pd.DataFrame) -> dict[str, list[str]]:
    """``{model id: flags}`` for every row of a models table (``model`` column or index; ``architecture`` and
    ``release`` columns where known) that carries at least one flag."""
    table = models.reset_index() if "model" not in models.columns else models
    arch = table["architecture"] if "architecture" in table else pd.Series(None, index=table.index)
    rel = table["release"] if "release" in table else pd.Series(None, index=table.index)
    out = {}
    for m, a, r in zip(table["model"], arch, rel, strict=True):
        flags = architecture_flags(a, r)
        if flags:
            out[str(m)] = flags
    return out


def split_pool(ids, flags: dict[str, list[str]]) -> tuple[list[str], list[dict]]:
    """The default pool: ``ids`` less the flagged bases; and the left-out ones as ``{model, flags, reason}``."""
    keep, left = [], []
    for m in ids:
        f = [x for x in flags.get(str(m), []) if x in FLAG_TEXT]  # other flags (e.g. reasoning-on) stay in
        if f:
            left.append({"model": str(m), "flags": list(f), "reason": "; ".join(FLAG_TEXT[x] for x in f)})
        else:
            keep.append(m)
    return keep, left


def count_left_out(left: list[dict]) -> dict[str, int]:
    """How many bases each flag took out of the pool (a base with two flags counts under both)."""
    counts: dict[str, int] = {}
    for entry in left:
        for f in entry["flags"]:
            counts[f] = counts.get(f, 0) + 1
    return counts
