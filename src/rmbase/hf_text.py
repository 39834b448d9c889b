"""Tokenizers, chat templates and encoding shared by training, evaluation, probes and presence.

The usual ways reward-model numbers go wrong live here, so every room gets them right the same way:

* a chat template is always explicit: the tokenizer's own, or a named/path/raw template; none at all is an error;
* a pad token that differs from EOS (``<|pad|>`` is added when it is missing or equal to EOS), so the last real
  token of a right-padded sequence is never confused with padding;
* exactly one BOS per encoded text (templates that already write BOS do not get a second one);
* an explicit truncation policy with a count of what was truncated.

Models are loaded by :mod:`rmbase.hf_models`. transformers is imported inside the functions.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from rmbase.errors import InputError
from rmbase.hf_models import check_model_folder, check_model_source, hub_options

PAD_TOKEN = "<|pad|>"


TRUNCATION_POLICIES = ("left", "right", "error")


def named_templates() -> list[str]:
    """Names of the chat templates shipped with rmbase (``src/rmbase/templates/*.jinja``)."""
    folder = resources.files("rmbase") / "templates"
    return sorted(p.name[: -len(".jinja")] for p in folder.iterdir() if p.name.endswith(".jinja"))


def resolve_chat_template(chat_template: str) -> str:
    """A template given as a shipped name, a path to a jinja file, or a raw jinja string -> the template text."""
    if chat_template in named_templates():
        return (resources.files("rmbase") / "templates" / f"{chat_template}.jinja").read_text(encoding="utf-8")
    if "{{" in chat_template or "{%" in chat_template:
        return chat_template
    path = Path(chat_template)
    if path.is_file():
        text = path.read_text(encoding="utf-8")
        if not text.strip():
            raise InputError("the chat template file is empty", path=str(path))
        return text
    if path.suffix.lower() in (".jinja", ".j2", ".jinja2", ".txt") or "/" in chat_template or path.is_dir():
        from rmbase.io import check_input_file

        check_input_file(path, expected="a chat template file (.jinja)")  # says: not found, or a folder
    raise InputError(f"unknown chat template {chat_template!r}", expected=f"one of {', '.join(named_templates())}, "
                     "a path to a .jinja file or a jinja template string")


def load_tokenizer(name_or_path: str | os.PathLike, *, chat_template: str | None = None, revision: str | None = None,
                   trust_remote_code: bool = False, gguf_file: str | None = None) -> Any:
    """Load an AutoTokenizer with a chat template and a pad token that differs from EOS.

    ``chat_template`` (a shipped name such as ``chatml``/``llama3``/``zephyr``, a path or a raw template) replaces
    the tokenizer's own; without one the tokenizer's own is used, and a tokenizer without any is an InputError.
    A pad token ``<|pad|>`` is added when the tokenizer has none or its pad equals EOS (the model's embeddings must
    then grow: :func:`load_sequence_classifier` does that). Padding side is set to ``right``.
    """
    from transformers import AutoTokenizer

    name_or_path = check_model_source(name_or_path)
    check_model_folder(name_or_path, gguf_file)
    kwargs = hub_options(revision=revision, trust_remote_code=trust_remote_code, gguf_file=gguf_file)
    try:
        tok = AutoTokenizer.from_pretrained(str(name_or_path), **kwargs)
    except ValueError as exc:
        if "trust_remote_code" in str(exc):
            raise InputError("this tokenizer needs remote code; pass --trust-remote-code if you trust it",
                             path=str(name_or_path)) from exc
        raise InputError(f"cannot load a tokenizer: {exc}", path=str(name_or_path)) from exc
    except OSError as exc:
        raise InputError(f"cannot load a tokenizer: {exc}", path=str(name_or_path)) from exc
    if chat_template is not None:
        tok.chat_template = resolve_chat_template(chat_template)
    if not getattr(tok, "chat_template", None):
        raise InputError("the tokenizer has no chat template", path=str(name_or_path),
                         expected=f"--chat-template with one of {', '.join(named_templates())}, a .jinja path "
                         "or a template string")
    if tok.pad_token is None or tok.pad_token_id == tok.eos_token_id:
        tok.add_special_tokens({"pad_token": PAD_TOKEN})
    tok.padding_side = "right"
    return tok


def template_sha256(tokenizer: Any) -> str:
    """sha256 of the chat template text the tokenizer renders with (recorded in every result's provenance)."""
    template = tokenizer.chat_template
    if isinstance(template, dict):  # several named templates: hash them in a stable order
        template = "\x1f".join(f"{k}\x1e{template[k]}" for k in sorted(template))
    return hashlib.sha256((template or "").encode("utf-8")).hexdigest()


def _messages(prompt: str | list[dict]) -> list[dict]:
    if isinstance(prompt, str):
        return [{"role": "user", "content": prompt}]
    if isinstance(prompt, list) and prompt and all(
            isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str)
            for m in prompt):
        return [{"role": m["role"], "content": m["content"]} for m in prompt]
    raise InputError("a prompt must be a string or a non-empty list of {role, content} messages",
                     expected="str or list[{'role': str, 'content': str}]")


def render_conversation(tokenizer: Any, prompt: str | list[dict], response: str) -> str:
    """The chat-template text of one prompt (a string or a list of messages) followed by the assistant response."""
    if not isinstance(response, str):
        raise InputError(f"a response must be a string, got {type(response).__name__}")
    messages = _messages(prompt) + [{"role": "assistant", "content": response}]
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=False)


def tokenizer_adds_bos(tokenizer: Any) -> bool:
    """True when the tokenizer puts BOS in front of a text by itself (``add_special_tokens=True``)."""
    bos = tokenizer.bos_token_id
    if bos is None:
        return False
    with_special = tokenizer("a", add_special_tokens=True)["input_ids"]
    without = tokenizer("a", add_special_tokens=False)["input_ids"]
    return len(with_special) > len(without) and with_special[0] == bos


def encode_texts(tokenizer: Any, texts: Sequence[str], *, max_length: int,
                 truncation: str = "left") -> tuple[list[list[int]], int]:
    """Token ids of each text with exactly one BOS and the number of texts truncated (see
    :func:`encode_texts_flagged`, which also says which texts were truncated)."""
    ids, flags = encode_texts_flagged(tokenizer, texts, max_length=max_length, truncation=truncation)
    return ids, sum(flags)


def encode_texts_flagged(tokenizer: Any, texts: Sequence[str], *, max_length: int, truncation: str = "left",
                         labels: Sequence[str] | None = None) -> tuple[list[list[int]], list[bool]]:
    """Token ids of each text with exactly one BOS (when the tokenizer uses BOS), and per text whether it was cut.

    Texts are tokenized without special tokens; BOS is prepended only when the tokenizer would add it and the
    rendered text does not already start with it, so templates that write ``{{ bos_token }}`` do not get a
    second one. A text that still starts with two BOS is an InputError. Longer than ``max_length``:
    ``left`` drops tokens after BOS from the start (the prompt side), ``right`` drops them from the end,
    ``error`` raises an InputError naming the text by ``labels[i]`` (e.g. the example id and its file) when given.
    """
    if truncation not in TRUNCATION_POLICIES:
        raise InputError(f"unknown truncation policy {truncation!r}", expected=" | ".join(TRUNCATION_POLICIES))
    if max_length < 2:
        raise InputError(f"max_length must be at least 2, got {max_length}")
    bos = tokenizer.bos_token_id
    adds_bos = tokenizer_adds_bos(tokenizer)
    encoded = tokenizer(list(texts), add_special_tokens=False)["input_ids"]
    out: list[list[int]] = []
    flags: list[bool] = []

    def name(i: int) -> str:
        return labels[i] if labels is not None else f"text {i}"

    for i, ids in enumerate(encoded):
        ids = list(ids)
        cut = len(ids) + (1 if adds_bos and ids[:1] != [bos] else 0) > max_length
        if adds_bos:
            if not ids or ids[0] != bos:
                ids.insert(0, bos)
            if len(ids) > 1 and ids[1] == bos:
                raise InputError(f"{name(i)} starts with two BOS tokens ({tokenizer.bos_token!r})",
                                 expected="a chat template that writes BOS at most once")
        if len(ids) > max_length:
            if truncation == "error":
                raise InputError(f"{name(i)} has {len(ids)} tokens, more than max_length={max_length}",
                                 expected="a larger --max-length or --truncation left|right")
            keep_bos = 1 if adds_bos else 0
            ids = ids[:keep_bos] + ids[len(ids) - (max_length - keep_bos):] if truncation == "left" else ids[:max_length]
        flags.append(cut)
        out.append(ids)
    return out, flags


def load_lm_tokenizer(name_or_path: str | os.PathLike, *, revision: str | None = None,
                      trust_remote_code: bool = False, gguf_file: str | None = None) -> Any:
    """The tokenizer of a language model as it ships (no chat template required, no token added): for scoring
    raw text with a causal LM, where padding is masked and never read, so the pad id may be any token."""
    from transformers import AutoTokenizer

    where = check_model_source(name_or_path)
    check_model_folder(where, gguf_file)
    kwargs = hub_options(revision=revision, trust_remote_code=trust_remote_code, gguf_file=gguf_file)
    try:
        return AutoTokenizer.from_pretrained(where, **kwargs)
    except (OSError, ValueError) as exc:
        if "trust_remote_code" in str(exc):
            raise InputError("this tokenizer needs remote code; pass --trust-remote-code if you trust it",
                             path=where) from exc
        raise InputError(f"cannot load a tokenizer: {exc}", path=where) from exc
