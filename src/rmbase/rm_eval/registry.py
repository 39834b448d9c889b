"""The registry of RM benchmarks: benchmark name -> spec, rule-set name -> spec, and scoring by rule-set name.

Built in: ``rewardbench`` (rules ``v1``, variant ``v1-prior``) and ``rewardbench2`` (rules ``v2``). Adding a
benchmark is one module with its spec and one :func:`register` call here (or in your own code, before use).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rmbase.errors import InputError
from rmbase.rm_eval.rules import SubsetFigure, Summary
from rmbase.rm_eval.spec import RMBenchmark

_BENCHMARKS: dict[str, RMBenchmark] = {}
_RULES: dict[str, RMBenchmark] = {}
_GROUPS: dict[str, list[str]] = {}  # benchmark -> its rule-set names, the default first


def register(spec: RMBenchmark, *variants: RMBenchmark) -> RMBenchmark:
    """Make ``spec`` (and rule variants of it) known under ``spec.name`` and each one's ``rules``; a name that is
    already taken is an error (unregister it first)."""
    if any(v.name != spec.name for v in variants):
        raise ValueError(f"variants of {spec.name!r} must keep its name")
    if spec.name in _BENCHMARKS:
        raise ValueError(f"RM benchmark {spec.name!r} is already registered")
    names = [s.rules for s in (spec, *variants)]
    taken = [r for r in names if r in _RULES] + [r for r in set(names) if names.count(r) > 1]
    if taken:
        raise ValueError(f"rule set name(s) {', '.join(sorted(set(taken)))} already registered")
    _BENCHMARKS[spec.name] = spec
    for s in (spec, *variants):
        _RULES[s.rules] = s
    _GROUPS[spec.name] = names
    return spec


def unregister(name: str) -> None:
    """Forget a benchmark and its rule variants (tests and notebooks that register their own)."""
    _BENCHMARKS.pop(name, None)
    for rules in _GROUPS.pop(name, []):
        _RULES.pop(rules, None)


def benchmark_names() -> tuple[str, ...]:
    return tuple(_BENCHMARKS)


def rule_names() -> tuple[str, ...]:
    return tuple(_RULES)


def get_benchmark(name: str) -> RMBenchmark:
    """The spec of a benchmark (its default rules); an unknown name is an :class:`InputError`."""
    if name not in _BENCHMARKS:
        raise InputError(f"unknown benchmark {name!r}", expected=" | ".join(_BENCHMARKS))
    return _BENCHMARKS[name]


def get_rules(rules: str) -> RMBenchmark:
    """The spec of a rule set (``v1``, ``v1-prior``, ``v2``, or a registered benchmark's)."""
    if rules not in _RULES:
        raise InputError(f"unknown rules {rules!r}", expected=" | ".join(_RULES))
    return _RULES[rules]


def known_subsets(rules: str) -> tuple[str, ...]:
    return get_rules(rules).subsets


def subset_figures(examples: Iterable[Mapping[str, Any]], rules: str) -> dict[str, SubsetFigure]:
    """Per-subset figures from per-example records ``{id, subset, scores, num_correct}`` (scores.jsonl rows).

    v1: ``scores = [chosen, rejected]``, strict comparison. v2: the 1/k rule, and the Ties composite for Ties.
    """
    return get_rules(rules).subset_figures(examples)


def summarize(subset_accuracy: Mapping[str, float], rules: str = "v1", *, allow_partial: bool = False) -> Summary:
    """Sections and overall score from per-subset accuracies.

    v1: count-weighted section means, score = mean of the four sections. v1-prior: plus Prior Sets (mean of its
    four subsets), score weighted 2, 2, 2, 2, 1. v2: each subset is a section, score = mean of six.
    Subsets outside the rule set are ignored and listed. A missing subset is an InputError unless
    ``allow_partial``: then the section is computed from the subsets present (or is None when none is) and
    listed under ``partial``; the score is None when any section is None.
    """
    return get_rules(rules).summarize(subset_accuracy, allow_partial=allow_partial)


def detect_rules(subsets: Iterable[str]) -> str:
    """The rule set whose benchmark's subset names these are: the benchmark's default rules, or the first of its
    variants that scores every given name (v1 with Prior Sets names -> ``v1-prior``); else an InputError."""
    names = set(subsets)
    hits = []
    for bench, group in _GROUPS.items():
        accepted = {s for r in group for s in _RULES[r].accepted_subsets}
        if names & accepted:
            hits.append((bench, group, names & accepted))
    if len(hits) == 1:
        _, group, mine = hits[0]
        return next((r for r in group if mine <= set(_RULES[r].subsets)), group[0])
    several = f" (names of {' and '.join(b for b, _, _ in hits)})" if hits else ""
    raise InputError("cannot tell the rules from the subset names" + several,
                     expected="--rules " + " | ".join(_RULES))


# ------------------------------------------------------------------------------------------------- built in
def _register_builtins() -> None:
    from rmbase.rm_eval import rewardbench

    register(rewardbench.REWARDBENCH, rewardbench.REWARDBENCH_V1_PRIOR)
    register(rewardbench.REWARDBENCH2)


_register_builtins()
