"""Model-id normalisation shared by every room that joins tables on model ids.

The Open LLM Leaderboard lists Meta's Llama-3.1 models under two names (``meta-llama/Llama-3.1-8B-Instruct`` and
``meta-llama/Meta-Llama-3.1-8B-Instruct``); studies often drop the organisation. :func:`canonical_model_id` maps all
spellings of one model to one key so that joins do not silently miss.
"""

from __future__ import annotations

import re

_META_PREFIX = re.compile(r"^meta-(?=llama-3\.1-)", re.IGNORECASE)


def canonical_model_id(model_id: str) -> str:
    """Lower-cased key with the organisation kept when present and the ``Meta-`` prefix of Llama-3.1 ids removed."""
    mid = str(model_id).strip().strip("/")
    org, _, name = mid.rpartition("/")
    name = _META_PREFIX.sub("", name.lower().replace(" ", "-"))
    return f"{org.lower()}/{name}" if org else name


def short_name(model_id: str) -> str:
    """The name part of an id, normalised (no organisation): used to join tables that omit organisations."""
    return canonical_model_id(model_id).rpartition("/")[2]


_HUB_URL = re.compile(r"^(?:https?://)?(?:www\.)?huggingface\.co/", re.IGNORECASE)
_META_31 = re.compile(r"^Meta-(?=Llama-3\.1-)", re.IGNORECASE)


def preferred_model_id(model_id: str) -> str:
    """The spelling rmbase shows for a model: stripped of a Hub URL prefix and trailing slashes, and
    ``Meta-Llama-3.1-*`` written as ``Llama-3.1-*`` (Meta's current repository name); case is kept.

    ``canonical_model_id(preferred_model_id(x)) == canonical_model_id(x)`` for every id without a URL prefix.
    A local path keeps its leading ``/``.
    """
    mid = str(model_id).strip()
    mid = _HUB_URL.sub("", mid).strip("/") if _HUB_URL.match(mid) else mid.rstrip("/")
    org, sep, name = mid.rpartition("/")
    return f"{org}{sep}{_META_31.sub('', name)}"


def model_id_from_folder(name: str) -> str:
    """Undo the ``org__name`` folder form (lm-eval and rmbase both write it) into ``org/name``."""
    org, sep, rest = str(name).partition("__")
    return f"{org}/{rest}" if sep and org and rest else str(name)


# Model families of the bundled study (its ``family`` column), recognised from a model id's name part. Order
# matters: the first match wins (Minitron before Mistral; Qwen2.5 before Qwen2; Gemma-2 before Gemma).
_FAMILY_PATTERNS = (
    ("Minitron", r"minitron-\d"),
    ("Nemotron", r"nemotron-mini"),
    ("Qwen2.5", r"qwen2\.5-"),
    ("Qwen2", r"qwen2-"),
    ("Qwen1.5", r"qwen1\.5-"),
    ("Llama-3", r"llama-3(?:\.\d)?-"),
    ("Gemma-2", r"gemma-2-(?!b-|b$)"),
    ("Gemma", r"gemma-(?:1\.1-)?\d+b(?:-|$)"),
    ("Phi-3", r"phi-3(?:\.5)?-"),
    ("Yi-1.5", r"yi-1\.5-"),
    ("Yi", r"(?:^|/)yi-\d+b(?:-|$)"),
    ("Mistral", r"mistral-7b-"),
    ("StableLM-2", r"stablelm-2-"),
    ("Falcon3", r"falcon3-"),
)
_FAMILY_RES = tuple((f, re.compile(p)) for f, p in _FAMILY_PATTERNS)


def model_family(model_id: str) -> str | None:
    """The study family a model id belongs to (e.g. ``Qwen/Qwen2.5-14B-Instruct`` -> ``Qwen2.5``, a fine-tune
    ``allenai/Llama-3.1-Tulu-3-8B`` -> ``Llama-3``), or None when no family of the bundled study matches."""
    name = short_name(model_id)
    for family, pattern in _FAMILY_RES:
        if pattern.search(name):
            return family
    return None
