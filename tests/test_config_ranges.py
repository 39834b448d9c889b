"""The contract of every config in the package: each float refuses nan and inf (unless it is listed below with the
reason it may hold one), and each declared bound refuses the value just outside it with one message that names the
field. The configs are found, not listed: every module of rmbase is imported and every ``Config`` subclass (and
every section of the sweep config) is checked, so that a field added later is held to the same contract."""

from __future__ import annotations

import importlib
import math
import pkgutil
import types
import typing
from typing import Annotated, Any, Literal, get_args, get_origin

import pytest
from pydantic import BaseModel, ValidationError

import rmbase
from rmbase.config import Config
from rmbase.errors import InputError

# (class name, field) -> why the field may hold nan or inf. None today: every float of rmbase is a finite figure.
ALLOWS_NON_FINITE: dict[tuple[str, str], str] = {}

# (class name, field, bound) whose value just outside is accepted by another member of the field's union, and why
UNION_OVERLAPS: dict[tuple[str, str, str], str] = {
    ("RunConfig", "limit", "lt"): "1.0 (a fraction's upper bound) is the whole number 1 for the integer member",
}

# values of required fields, so that each config can be built with one field changed
REQUIRED = {"files": ["a.json"], "folders": ["a", "b"], "models": ["m"], "config": "sweep.yaml"}
# configs that need more than their required fields (a base is an id or a path)
VALID = {"BaseSpec": {"id": "org/model"}}


def _import_everything() -> None:
    for module in pkgutil.walk_packages(rmbase.__path__, "rmbase."):
        importlib.import_module(module.name)


def _subclasses(cls: type) -> list[type]:
    out = []
    for sub in cls.__subclasses__():
        out += [sub, *_subclasses(sub)]
    return out


def _configs() -> list[type]:
    _import_everything()
    from rmbase.sweep.config import _Part

    # the package's own configs only: test modules collected before this one define toy configs of their own
    found = {c for c in _subclasses(Config) + _subclasses(_Part) if c.model_fields and c.__module__.startswith("rmbase.")}
    return sorted(found, key=lambda c: (c.__module__, c.__name__))


CONFIGS = _configs()
NUMBERS = (int, float)


def _build(cls: type, **values: Any) -> Any:
    base = {k: REQUIRED.get(k, "x") for k, f in cls.model_fields.items() if f.is_required()}
    return cls(**{**base, **VALID.get(cls.__name__, {}), **values})


def _refused(cls: type, field: str, value: Any) -> str:
    """The message of the config refusing ``field=value`` (pytest fails when it is accepted)."""
    with pytest.raises((InputError, ValidationError)) as info:
        _build(cls, **{field: value})
    return str(info.value)


def _bounds(metadata: list[Any]) -> dict[str, float]:
    return {k: getattr(m, k) for m in metadata for k in ("ge", "gt", "le", "lt") if getattr(m, k, None) is not None}


def _finite_only(metadata: list[Any]) -> bool:
    return any(getattr(m, "allow_inf_nan", None) is False for m in metadata)


def _leaves(annotation: Any, metadata: list[Any]) -> list[tuple[type, list[Any], Any]]:
    """The numbers a field holds: (int or float, its metadata, a function that puts a value in the field's shape)."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        inner = [x for m in args[1:] for x in (getattr(m, "metadata", None) or [m])]
        return _leaves(args[0], metadata + inner)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in args if a is not type(None)]
        return [leaf for m in members for leaf in _leaves(m, metadata if len(members) == 1 else [])]
    if annotation in NUMBERS:
        return [(annotation, metadata, lambda v: v)]
    if origin is list or (origin is tuple and args[1:] == (Ellipsis,)):
        return [(k, m, lambda v, put=put: [put(v)]) for k, m, put in _leaves(args[0], [])]
    if origin is tuple:
        return [(k, m, lambda v, put=put, i=i: tuple(put(v) if j == i else 0.0 for j in range(len(args))))
                for i, a in enumerate(args) for k, m, put in _leaves(a, [])]
    if origin is dict:
        return [(k, m, lambda v, put=put: {"key": put(v)}) for k, m, put in _leaves(args[1], [])]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) or origin is Literal:
        return []  # a section: checked as its own class
    return []


def _numeric_fields() -> list[tuple[type, str, type, list[Any], Any]]:
    out = []
    for cls in CONFIGS:
        for name, info in cls.model_fields.items():
            for kind, metadata, put in _leaves(info.annotation, list(info.metadata)):
                out.append((cls, name, kind, metadata, put))
    return out


FIELDS = _numeric_fields()
FLOATS = [f for f in FIELDS if f[2] is float]
BOUNDED = [(cls, name, kind, key, bound, put) for cls, name, kind, metadata, put in FIELDS
           for key, bound in _bounds(metadata).items()]


def _id(item: tuple) -> str:
    return f"{item[0].__name__}.{item[1]}" + (f".{item[3]}" if len(item) > 5 else "")


def test_the_configs_are_found():
    names = {c.__name__ for c in CONFIGS}
    assert {"TrainConfig", "RecommendConfig", "PlanConfig", "EvaluateConfig", "ProbeConfig", "PresenceConfig",
            "StudyConfig", "HarmoniseConfig", "ScorerConfig", "SweepConfig", "Resources"} <= names
    assert len(FLOATS) > 20 and len(BOUNDED) > 40


@pytest.mark.parametrize("cls", CONFIGS, ids=lambda c: c.__name__)
def test_each_config_builds_from_its_defaults(cls):
    _build(cls)


@pytest.mark.parametrize("item", FLOATS, ids=_id)
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf], ids=["nan", "inf", "-inf"])
def test_a_float_refuses_nan_and_inf(item, value):
    cls, name, _, _, put = item
    if (cls.__name__, name) in ALLOWS_NON_FINITE:
        _build(cls, **{name: put(value)})
        return
    message = _refused(cls, name, put(value))
    assert name in message and "Traceback" not in message


def _outside(kind: type, key: str, bound: float) -> float:
    if key in ("gt", "lt"):
        return kind(bound)
    step = -1 if key == "ge" else 1
    return bound + step if kind is int else math.nextafter(bound, step * math.inf)


@pytest.mark.parametrize("item", BOUNDED, ids=_id)
def test_a_value_just_outside_a_bound_is_refused_naming_the_field(item):
    cls, name, kind, key, bound, put = item
    if (cls.__name__, name, key) in UNION_OVERLAPS:
        _build(cls, **{name: put(_outside(kind, key, bound))})
        return
    message = _refused(cls, name, put(_outside(kind, key, bound)))
    assert name in message
    if issubclass(cls, Config):  # one line (a sweep section's error is named with its full key by SweepConfig)
        assert "\n" not in message.strip()


def test_the_messages_read_as_words():
    from rmbase.selection.configs import PlanConfig, RecommendConfig
    from rmbase.training.config import TrainConfig

    train = {"base": "b", "train": "t", "val": "v", "out": "o"}
    with pytest.raises(InputError, match=r"^lora_dropout: must be less than 1, got 1\.5$"):
        TrainConfig.build(**train, lora_dropout=1.5)
    with pytest.raises(InputError, match=r"^epochs: must be a finite number, got nan$"):
        TrainConfig.build(**train, epochs=math.nan)
    with pytest.raises(InputError, match=r"^attribute_signs: each sign is \+1 or -1, got 2$"):
        TrainConfig.build(**train, attribute_signs=[1, 2, 1, 1, 1])
    with pytest.raises(InputError, match=r"^attribute_range: the minimum must be below the maximum, got 4,0$"):
        TrainConfig.build(**train, attribute_range=(4.0, 0.0))
    with pytest.raises(InputError, match=r"^seed: must be at least 0, got -1$"):
        RecommendConfig.build(seed=-1)
    with pytest.raises(InputError, match=r"^today_since: expected a date YYYY-MM-DD, got 'garbage'$"):
        RecommendConfig.build(today_since="garbage")
    with pytest.raises(InputError, match="today_since: expected a date"):
        RecommendConfig.build(today_since="2025-02-30")  # not a day of the calendar
    assert RecommendConfig.build(today_since="2024-02-29").today_since == "2024-02-29"
    with pytest.raises(InputError, match=r"^tau: must be more than 0, got 0$"):
        PlanConfig.build(tau=0)


@pytest.mark.parametrize("cls, field", [("rmbase.rm_eval.config:EvaluateConfig", "data_revision"),
                                        ("rmbase.rm_eval.config:EvaluateConfig", "revision"),
                                        ("rmbase.training.config:TrainConfig", "revision"),
                                        ("rmbase.presence.config:PresenceConfig", "split"),
                                        ("rmbase.probe.config:ProbeConfig", "model_id")])
def test_an_empty_revision_split_or_id_is_refused(cls, field):
    module, _, name = cls.partition(":")
    config = getattr(importlib.import_module(module), name)
    with pytest.raises(InputError, match=rf"^{field}: must not be empty, got ''$"):
        _build(config, **{field: ""})
