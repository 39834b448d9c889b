"""Stage of post-training and family of a base, as the pooled RM evidence uses them.

Stage (one of :data:`STAGES`): what the checkpoint an RM starts from went through. ``pretrained`` (no
post-training), ``sft``, ``dpo`` (SFT then preference tuning), ``rl`` (SFT, DPO then RL, e.g. Tulu 3's RLVR),
``instruct`` (a publisher's full post-training: the ``-Instruct`` / ``-it`` / ``-Chat`` models), ``reasoning`` (a
post-trained model that thinks before answering by default: Qwen3's post-trained models, R1 distills, QwQ). Every
grid shows that it matters (Llama-3.1-8B 72.9 -> Instruct 83.2 in the study; 0.649 -> 0.729 in AllenAI's RB2
grid). ``encoder`` marks encoder (or encoder-decoder) models; ``unknown`` is kept as such, never guessed.

Family: the study's family where :func:`rmbase.model_ids.model_family` knows one (``Llama-3``, ``Qwen2.5``, ...), else
the name up to its size (``Qwen3-8B`` -> ``Qwen3``, ``gemma-3-12b-it`` -> ``gemma-3``).
"""

from __future__ import annotations

import re

from rmbase.model_ids import model_family, short_name

STAGES = ("pretrained", "sft", "dpo", "rl", "instruct", "reasoning")
OTHER_STAGES = ("encoder", "unknown")
REFERENCE_STAGE = "instruct"  # the stage effects are relative to it (the study's 37 instruct bases)

_ALIASES = {"base": "pretrained", "pre": "pretrained", "pretrained": "pretrained", "pre-trained": "pretrained",
            "continuously-pretrained": "pretrained", "sft": "sft", "sft+dpo": "dpo", "dpo": "dpo",
            "sft+dpo+rlvr": "rl", "rlvr": "rl", "rl": "rl", "rlhf": "rl", "instruct": "instruct", "chat": "instruct",
            "post": "instruct", "fine-tuned": "sft", "third_party": "dpo", "reasoning": "reasoning",
            "encoder": "encoder", "unknown": "unknown", "": "unknown"}

_REASONING = re.compile(r"(^qwen3-(?!.*-base$)|r1-distill|^qwq-|-thinking|deepseek-r1|-reasoning)")
_TULU3 = re.compile(r"^llama-3\.1-tulu-3-\d+b(-sft|-dpo)?$")
_POST = re.compile(r"(instruct|-it$|-it-|chat|-sft|-dpo|hermes|tulu|zephyr|openchat|starling)")
_ENCODER = re.compile(r"(deberta|roberta|^bert-|electra|^t5-|^mt5-|flan-t5|^bart-)")
_SIZE = re.compile(r"[-_](?:\d+(?:\.\d+)?[bm]|\d+x\d+b|e\d+b)(?:[-_]|$)", re.IGNORECASE)


def normalise_stage(stage: object) -> str:
    """A stage as written in a table (``base``, ``sft+dpo``, ``sft+dpo+rlvr``, Swallow's ``pre`` / ``post``, ...) in
    the vocabulary of :data:`STAGES` (or ``encoder`` / ``unknown``)."""
    s = "" if stage is None or (isinstance(stage, float) and stage != stage) else str(stage).strip().lower()
    if s in _ALIASES:
        return _ALIASES[s]
    if s.startswith("sft("):
        return "sft"
    if "hybrid-think" in s or "reasoning" in s:
        return "reasoning"
    if s.startswith("instruct"):
        return "instruct"
    if s.startswith("encoder"):
        return "encoder"
    return "unknown"


def infer_stage(model_id: str, *, reasoning: bool | None = None) -> str:
    """The stage a model id's name states (``unknown`` is never returned: a name without a post-training marker is
    a pre-trained checkpoint). ``reasoning=True`` (e.g. Swallow's reasoning-on rows) makes a post-trained model
    ``reasoning``."""
    name = short_name(model_id)
    if _ENCODER.search(name):
        return "encoder"
    m = _TULU3.match(name)
    if m:
        return {"-sft": "sft", "-dpo": "dpo"}.get(m.group(1) or "", "rl")
    if _REASONING.search(name):
        return "reasoning"
    if name.endswith("-base") or "-base-" in name:
        return "pretrained"
    if _POST.search(name):
        return "reasoning" if reasoning else "instruct"
    return "pretrained"


def resolve_stage(model_id: str, table_stage: object = None) -> str:
    """A base's stage when a feature table also states one: a post-training marker in the name wins (``-SFT``,
    ``-DPO``, ``-Instruct``, ``-it``, ``-Chat``, ``-Base``, Qwen3's post-trained models, ...; the leaderboards'
    model types mislabel some, e.g. ``gemma-2-2b-it`` as fine-tuned, ``Llama-2-7b-chat-hf`` as pre-trained); without
    one, the table's stage; without that, ``pretrained``."""
    by_name = infer_stage(model_id)
    if by_name != "pretrained" or short_name(model_id).endswith("-base"):
        return by_name
    table = normalise_stage(table_stage)
    return table if table != "unknown" else by_name


def base_family(model_id: str) -> str:
    """The study's family of a model id when it has one, else the name up to its size token (lower case)."""
    fam = model_family(model_id)
    if fam is not None:
        return fam
    name = short_name(model_id)
    m = _SIZE.search(name)
    head = name[:m.start()] if m and m.start() > 0 else name
    return head.rstrip("-_.") or name
