"""The one config base: typed (pydantic), loads from and dumps to YAML, and turns every invalid value into one
:class:`~rmbase.errors.InputError` naming the field. Every command accepts ``--config FILE`` (options given on the
command line win) and writes its resolved config beside its output (:func:`write_resolved`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Self

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from rmbase.errors import InputError

RESOLVED_NAME = "config.yaml"


_SCALARS = {"int": "an integer", "float": "a number", "str": "a text", "bool": "true or false", "none": "nothing"}


def _is_tag(part: object) -> bool:
    """A member tag pydantic adds to the location of a union's errors (``list[float]``), not a field name."""
    return isinstance(part, str) and ("[" in part or part in _SCALARS or part.startswith(("function-", "constrained-")))


def _words(tag: str) -> str:
    """``dict[str,list[float]]`` -> 'a mapping of text to a list of numbers' (a union member in words)."""
    import re

    m = re.fullmatch(r"(\w+)\[(.*)\]", tag.replace(" ", ""))
    if m is None:
        return _SCALARS.get(tag, tag)
    kind, inner = m.groups()
    depth, parts, cur = 0, [], ""
    for ch in inner:
        depth += ch == "["
        depth -= ch == "]"
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    plural = [_words(p).removeprefix("an ").removeprefix("a ") + "s" if p in _SCALARS else _words(p) for p in parts]
    if kind == "list":
        return f"a list of {plural[0]}"
    if kind == "dict" and len(parts) == 2:
        return f"a mapping of {_words(parts[0]).removeprefix('a ')} to {_words(parts[1])}"
    if kind == "literal":
        return " or ".join(parts)
    return tag


def _union_error(errors: list[dict]) -> str | None:
    """One message for the errors of a union field (one per member): the field, the value and the members in
    words, instead of pydantic's first member's complaint."""
    first = errors[0]["loc"]
    cut = next((i for i, part in enumerate(first) if _is_tag(part)), None)
    if cut is None:
        return None
    prefix = first[:cut]
    members = [e for e in errors if tuple(e["loc"][:cut]) == tuple(prefix) and len(e["loc"]) > cut
               and _is_tag(e["loc"][cut])]
    tags = list(dict.fromkeys(str(e["loc"][cut]) for e in members))
    field = ".".join(str(x) for x in prefix) or "the config"
    value = errors[0].get("input")
    shown = repr(value) if not isinstance(value, dict | list) or len(repr(value)) < 60 else type(value).__name__
    if members and all(e["type"] == "finite_number" for e in members):
        return f"{field}: must be a finite number, got {shown}"
    expected = []
    for tag in tags:  # a constrained member (PositiveInt | OpenUnitInterval): the bound its value missed
        err = next(e for e in members if str(e["loc"][cut]) == tag)
        words = _words(tag.removeprefix("constrained-"))
        if err["type"] in _BOUNDS:
            key, bound = _BOUNDS[err["type"]]
            words += f" {bound} {_number((err.get('ctx') or {}).get(key))}"
        expected.append(words)
    return f"{field}: {shown} is not valid (expected {' or '.join(expected)})"


_BOUNDS = {"greater_than_equal": ("ge", "at least"), "greater_than": ("gt", "more than"),
           "less_than_equal": ("le", "at most"), "less_than": ("lt", "less than")}
_TYPES = {"list_type": "a list", "dict_type": "a mapping (key: value)", "int_parsing": "a whole number",
          "int_type": "a whole number", "float_parsing": "a number", "float_type": "a number",
          "bool_parsing": "true or false", "bool_type": "true or false", "string_type": "a text",
          "int_from_float": "a whole number"}


def _number(x: object) -> str:
    """A bound as written: ``1`` for the float 1.0 pydantic reports, ``0.5``, ``1e-06``."""
    return f"{x:g}" if isinstance(x, float) else str(x)


def _plain(err: dict) -> str | None:
    """pydantic's message for the common cases in plain words, with the value the user gave."""
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    shown = repr(value) if len(repr(value)) <= 60 else type(value).__name__
    if kind in _BOUNDS:
        key, words = _BOUNDS[kind]
        return f"must be {words} {_number(ctx.get(key))}, got {shown}"
    if kind == "finite_number":
        return f"must be a finite number, got {shown}"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length')} item(s), got {ctx.get('actual_length')}"
    if kind == "too_long":
        return f"takes at most {ctx.get('max_length')} item(s), got {ctx.get('actual_length')}"
    if kind in _TYPES:
        return f"expected {_TYPES[kind]}, got {shown}"
    return None


def config_error(exc: ValidationError, source: str | None = None) -> InputError:
    """The first validation error as one :class:`InputError` naming the field (and the file it came from).

    A validator that raised :class:`InputError` itself keeps its own message (and gets the file when it has none).
    """
    errors = exc.errors()
    err = errors[0]
    union = _union_error(errors)
    if union is not None:
        return InputError(union, path=source)
    field = ".".join(str(x) for x in err["loc"]) or None
    original = (err.get("ctx") or {}).get("error")
    if isinstance(original, InputError):
        if source is None or original.path is not None:
            return original
        return InputError(str(original), path=source)
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if err["type"] == "missing":
        msg = "is required"
    elif err["type"] == "extra_forbidden":
        msg = "is not an option of this config"
    else:
        msg = _plain(err) or msg
    text = f"{field}: {msg}" if field else msg
    return InputError(text, path=source)


class Config(BaseModel):
    """Base of every rmbase config. Constructing one with bad values raises :class:`InputError`, not pydantic's
    ``ValidationError``; unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", frozen=False)

    def __init__(self, /, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise config_error(exc) from None

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False)

    @classmethod
    def read_yaml(cls, path: str | os.PathLike) -> dict[str, Any]:
        """The raw mapping of a YAML config file (not yet validated; unknown keys are refused)."""
        p = Path(path)
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise InputError(f"cannot read config: {exc}", path=str(p)) from exc
        if not isinstance(data, dict):
            raise InputError("a config file holds a mapping of option: value", path=str(p))
        unknown = sorted(str(k) for k in data if k not in cls.model_fields)
        if unknown:
            raise InputError(f"unknown option(s) {', '.join(unknown)}", path=str(p),
                             expected=f"some of {', '.join(cls.model_fields)}")
        return data

    @classmethod
    def from_yaml(cls, path: str | os.PathLike, **overrides: Any) -> Self:
        """Load a YAML config; ``overrides`` (e.g. the options given on a command line) win over the file."""
        return cls.build(_source=str(path), **{**cls.read_yaml(path), **overrides})

    @classmethod
    def build(cls, _source: str | None = None, **values: Any) -> Self:
        """Construct; invalid values become one :class:`InputError` naming the field (and ``_source``)."""
        try:
            return cls(**values)
        except InputError as exc:
            if _source is None or exc.path is not None:
                raise
            raise InputError(str(exc), path=_source) from exc


def write_resolved(config: Config, path: str | os.PathLike) -> Path:
    """Write ``config`` as YAML (atomically); a folder gets ``config.yaml`` inside it."""
    from rmbase.io import atomic_write_text

    p = Path(path)
    if p.is_dir():
        p = p / RESOLVED_NAME
    atomic_write_text(p, config.to_yaml())
    return p
