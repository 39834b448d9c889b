"""Model ids, shared by every room that joins tables on them or derives folder names from them.

The Open LLM Leaderboard lists Meta's Llama-3.1 models under two names (``meta-llama/Llama-3.1-8B-Instruct`` and
``meta-llama/Meta-Llama-3.1-8B-Instruct``); studies often drop the organisation. :func:`canonical_model_id` maps all
spellings of one model to one key so that joins do not silently miss; :class:`ModelIdIndex` is the one way rmbase
finds, resolves and joins an id in any spelling among the ids of a table; :func:`sanitise_model_id` is the one
way an id becomes a folder name.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from rmbase.errors import InputError

_META_PREFIX = re.compile(r"^meta-(?=llama-3\.1-)", re.IGNORECASE)


@functools.lru_cache(maxsize=1 << 16)  # tables repeat ids: computed once per distinct id
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


@functools.lru_cache(maxsize=1 << 16)
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


class ModelIdIndex:
    """The ids of one table, found in any spelling: the one rule rmbase joins model ids by.

    Two spellings name one model when their :func:`canonical_model_id` keys are equal; when nothing matches that
    way and one side has no organisation, when their names without organisation are equal
    (``Llama-3.1-8B-Instruct`` finds ``meta-llama/Meta-Llama-3.1-8B-Instruct``, and ``Qwen/Qwen2.5-7B`` finds a
    table's ``Qwen2.5-7B``). An organisation never matches another organisation's model. :meth:`find` lists the
    matches; :meth:`resolve` and :meth:`join` refuse a name that matches models of several organisations. Built
    once per table, so lookups cost a dictionary access.
    """

    def __init__(self, ids: Iterable[str]):
        self.ids = list(dict.fromkeys(str(m) for m in ids))
        self._by_key: dict[str, list[str]] = {}
        self._by_name: dict[str, list[str]] = {}
        self._orgless: dict[str, list[str]] = {}
        for m in self.ids:
            key = canonical_model_id(m)
            self._by_key.setdefault(key, []).append(m)
            self._by_name.setdefault(key.rpartition("/")[2], []).append(m)
            if "/" not in key:
                self._orgless.setdefault(key, []).append(m)

    def __contains__(self, query: object) -> bool:
        return bool(self.find(str(query)))

    def find(self, query: str) -> list[str]:
        """The table's ids that are ``query`` in another spelling (in table order; empty when none)."""
        key = canonical_model_id(str(query))
        hits = self._by_key.get(key)
        if not hits:
            org, _, name = key.rpartition("/")
            hits = self._orgless.get(name) if org else self._by_name.get(key)
        return list(hits or ())

    def resolve(self, query: str) -> str | None:
        """The one id of the table that ``query`` names (None when none). A name without organisation that names
        models of several organisations is an :class:`InputError` listing them (at most 20)."""
        hits = self.find(query)
        if len({canonical_model_id(h) for h in hits}) > 1:
            raise InputError(f"{query!r} names {len(hits)} models: {', '.join(sorted(hits)[:20])}"
                             + (f" (and {len(hits) - 20} more)" if len(hits) > 20 else ""),
                             expected="the full id (organisation/name) of one of them")
        return hits[-1] if hits else None

    def join(self, queries: Iterable[str]) -> tuple[dict[str, str], list[str]]:
        """({query: the table's id} for the queries :meth:`resolve` finds, [the queries it does not find]), in
        the queries' order; an ambiguous query is refused as in :meth:`resolve`."""
        found: dict[str, str] = {}
        unknown: list[str] = []
        for q in queries:
            hit = self.resolve(str(q))
            if hit is None:
                unknown.append(str(q))
            else:
                found[str(q)] = hit
        return found, unknown


def find_model_ids(query: str, ids: Iterable[str]) -> list[str]:
    """The ``ids`` that are ``query`` in any spelling (see :class:`ModelIdIndex`; build one for many queries)."""
    return ModelIdIndex(ids).find(query)


def sanitise_model_id(model_id: str) -> str:
    """Folder-safe form of a Hugging Face id: ``org/name`` -> ``org__name``; never joined raw into paths."""
    safe = model_id.strip().replace("/", "__")
    safe = "".join(c if (c.isalnum() or c in "-_.") else "_" for c in safe)
    if not safe or safe in {".", ".."}:
        raise InputError(f"model id {model_id!r} cannot be turned into a folder name")
    return safe


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
