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
