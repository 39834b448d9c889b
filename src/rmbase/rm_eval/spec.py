"""An RM benchmark as one declarative spec: where its data lives, what its rows look like, its subsets and
sections with their weights, and which pure rules (:mod:`rmbase.rm_eval.rules`) score it.

Modelled on :class:`rmbase.benchmarks.suites.TaskSpec` and on lm-evaluation-harness's task configs: the spec is
data; the loader, the runner and the result writer read it and contain no per-benchmark branches. A benchmark is
made known by :func:`rmbase.rm_eval.registry.register` (see docs/evaluate.md, "Adding an RM benchmark").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rmbase.errors import InputError
from rmbase.rm_eval.rules import SubsetFigure, Summary, check_accuracy, mean_figure, weighted_sections

ExampleRule = Callable[[Sequence[float]], float]
"""Scores of one example's completions (the first ``num_correct`` chosen, the rest rejected) -> credit in [0, 1]."""
SubsetRule = Callable[[Sequence[Mapping[str, Any]]], SubsetFigure]
"""All per-example records ``{id, subset, scores, num_correct}`` of one subset -> its figure (e.g. Ties)."""
SummaryRule = Callable[[Mapping[str, float], Mapping[str, Mapping[str, float]], Mapping[str, float]],
                       tuple[dict[str, float | None], dict[str, list[str]], float | None]]
"""(subset accuracies, sections, section weights) -> (sections, missing subsets per section, score)."""


@dataclass(frozen=True)
class RMBenchmark:
    """One RM benchmark (or one rule variant of it).

    ``name``: the benchmark (``--benchmark``); ``rules``: the name of this rule set (``--rules``, written to
    results as ``rules``; defaults to ``name``). ``hub``/``split``: the Hugging Face dataset (None: local data
    only). ``pairwise``: rows carry ``chosen``/``rejected`` strings (True) or lists of strings with an optional
    ``num_correct`` (False). ``sections``: section -> {subset: weight inside the section}; ``section_weights``:
    section -> weight in the score (None: plain mean). ``example_rule`` scores a subset as the mean over its
    examples unless ``subset_rules`` has a rule for that subset; ``summary_rule`` turns subset accuracies into
    sections and the score. ``extra_subsets`` are accepted in data but not scored (listed as ignored);
    ``id_checks``: subset -> a function naming what is wrong with an example id (None when fine).
    """

    name: str
    sections: Mapping[str, Mapping[str, float]]
    example_rule: ExampleRule
    rules: str = ""
    hub: str | None = None
    split: str | None = None
    pairwise: bool = True
    section_weights: Mapping[str, float] | None = None
    subset_rules: Mapping[str, SubsetRule] = field(default_factory=dict)
    summary_rule: SummaryRule = weighted_sections
    extra_subsets: tuple[str, ...] = ()
    id_checks: Mapping[str, Callable[[str], str | None]] = field(default_factory=dict)
    description: str = ""

    def __post_init__(self) -> None:
        if not self.rules:
            object.__setattr__(self, "rules", self.name)
        if not self.sections or not all(self.sections.values()):
            raise ValueError(f"RM benchmark {self.name!r}: every section needs at least one subset")
        if self.section_weights is not None and set(self.section_weights) != set(self.sections):
            raise ValueError(f"RM benchmark {self.name!r}: section_weights must name exactly the sections")
        unknown = set(self.subset_rules) - set(self.subsets)
        if unknown:
            raise ValueError(f"RM benchmark {self.name!r}: subset rules for unknown subsets {sorted(unknown)}")

    # ------------------------------------------------------------------ names
    @property
    def subsets(self) -> tuple[str, ...]:
        """The scored subsets, in section order."""
        return tuple(dict.fromkeys(s for subsets in self.sections.values() for s in subsets))

    @property
    def accepted_subsets(self) -> tuple[str, ...]:
        """Subsets a data file may hold: the scored ones and ``extra_subsets``."""
        return (*self.subsets, *(s for s in self.extra_subsets if s not in self.subsets))

    def variant(self, rules: str, **changes: Any) -> RMBenchmark:
        """The same benchmark (data) under another rule set, e.g. RewardBench v1 with its legacy Prior Sets."""
        return dataclasses.replace(self, rules=rules, **changes)

    # ------------------------------------------------------------------ scoring
    def subset_figures(self, examples: Iterable[Mapping[str, Any]]) -> dict[str, SubsetFigure]:
        """Per-subset figures from per-example records ``{id, subset, scores, num_correct}`` (scores.jsonl rows)."""
        by_subset: dict[str, list[Mapping[str, Any]]] = {}
        for ex in examples:
            by_subset.setdefault(str(ex["subset"]), []).append(ex)
        out: dict[str, SubsetFigure] = {}
        for subset, rows in by_subset.items():
            rule = self.subset_rules.get(subset)
            out[subset] = rule(rows) if rule is not None else mean_figure(rows, self.example_rule)
        return out

    def summarize(self, subset_accuracy: Mapping[str, float], *, allow_partial: bool = False) -> Summary:
        """Sections and score from per-subset accuracies (see :func:`rmbase.rm_eval.registry.summarize`)."""
        known = set(self.subsets)
        accs = {k: check_accuracy(k, v) for k, v in subset_accuracy.items()}
        ignored = sorted(k for k in accs if k not in known)
        used = {k: v for k, v in accs.items() if k in known}
        weights = dict(self.section_weights) if self.section_weights is not None else dict.fromkeys(self.sections, 1)
        sections, missing, score = self.summary_rule(used, self.sections, weights)
        if missing and not allow_partial:
            text = "; ".join(f"{sec}: {', '.join(subs)}" for sec, subs in missing.items())
            raise InputError(f"subsets missing for a complete score ({text})",
                             expected="every subset of every section, or --allow-partial")
        return Summary(rules=self.rules, subsets=used, sections=sections, score=score, partial=missing,
                       ignored_subsets=ignored)
