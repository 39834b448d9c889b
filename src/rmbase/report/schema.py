"""The schema of study.json as the report reads it: checked before a page is drawn (``rmbase report DIR``), so
that a hand-edited or foreign study.json is one message naming the key, not a traceback from a figure.

What is checked: ``schema_version`` (the version this rmbase writes), the keys the report cannot do without and the
type of every top-level key it reads, and that the numeric fields of the tables it draws hold numbers (or null).
"""

from __future__ import annotations

from typing import Any

from rmbase.errors import InputError

STUDY_SCHEMA_VERSION = 1

REQUIRED: dict[str, tuple[type, ...]] = {
    "schema_version": (int,), "recipe": (str,), "target": (str,), "n_models": (int,),
    "gains": (list,), "correlations": (list,), "combination": (dict,),
}
OPTIONAL: dict[str, tuple[type, ...]] = {
    "dataset": (str,), "models": (list,), "dropped_models": (list,), "ignored_benchmarks": (list,),
    "unused_features": (list,), "skipped_analyses": (dict,), "gains_per_model": (list,), "critical_r": (float, int),
    "coverage": (list,), "coverage_filter": (list,), "post_training": (list,), "pca": (dict,), "recipes": (dict,),
    "selection": (list,), "selection_influence": (list,), "external_validation": (dict,), "sources": (dict,),
    "design": (dict,), "selection_predictions": (list,), "selection_coverage": (list,), "provenance": (dict,),
}
# the numeric fields of the tables (lists of records) the report draws and prints
NUMERIC_FIELDS: dict[str, tuple[str, ...]] = {
    "gains": ("n_models", "default_score", "best_score", "gain_points", "gain_percent"),
    "gains_per_model": ("score", "gain_points", "gain_percent"),
    "correlations": ("n", "pearson", "pearson_p", "spearman", "spearman_p", "kendall", "kendall_p", "ci_low",
                     "ci_high", "q_value"),
    "coverage": ("k", "coverage"),
    "coverage_filter": ("coverage_at_5", "coverage_at_10", "coverage_mean_5_10"),
    "post_training": ("score", "delta_percent"),
    "selection": ("spearman", "mae", "coverage_mean_5_10", "regret_at_1", "regret_at_3"),
    "selection_influence": ("coverage_mean_5_10", "regret_at_3"),
}
NUMERIC_IN_DICTS: dict[str, tuple[str, ...]] = {
    "pca": ("n_models", "first5_cumulative"),
    "recipes": ("n_models", "mean_difference", "pearson", "spearman"),
}
_NAMES = {int: "an integer", float: "a number", str: "a string", list: "a list", dict: "an object"}


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _type_ok(v: Any, types: tuple[type, ...]) -> bool:
    if isinstance(v, bool):
        return False
    if float in types and _is_number(v):
        return True
    return isinstance(v, types)


def check_study(study: Any, path: str) -> None:
    """InputError naming the key (``gains[2].gain_points``) when ``study`` is not a study.json this report can
    draw."""
    if not isinstance(study, dict):
        raise InputError("not a study (expected a JSON object)", path=path)
    version = study.get("schema_version")
    if version != STUDY_SCHEMA_VERSION:
        raise InputError(f"schema_version {version!r} is not the version this rmbase reads", path=path,
                         column="schema_version",
                         expected=f"{STUDY_SCHEMA_VERSION} (rerun `rmbase study` with this version)")
    for key in REQUIRED:
        if key not in study:
            raise InputError("missing key", path=path, column=key, expected="the output of rmbase study")
    for key, types in {**REQUIRED, **OPTIONAL}.items():
        value = study.get(key)
        if value is not None and not _type_ok(value, types):
            raise InputError(f"{type(value).__name__} {_short(value)} where the report reads "
                             f"{_NAMES[types[0]]}", path=path, column=key, expected=_NAMES[types[0]])
    for key, fields in NUMERIC_FIELDS.items():
        for i, row in enumerate(study.get(key) or []):
            if not isinstance(row, dict):
                raise InputError(f"{type(row).__name__} {_short(row)} where a table row belongs", path=path,
                                 column=f"{key}[{i}]", expected="an object")
            for field in fields:
                _number(row.get(field), f"{key}[{i}].{field}", path)
    for key, fields in NUMERIC_IN_DICTS.items():
        block = study.get(key) or {}
        for field in fields:
            _number(block.get(field), f"{key}.{field}", path)
    _number(study.get("n_models"), "n_models", path)


def _number(value: Any, key: str, path: str) -> None:
    if value is not None and not _is_number(value):
        raise InputError(f"{type(value).__name__} {_short(value)} where a number belongs", path=path, column=key,
                         expected="a number or null")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
