"""Scoring rules of RM benchmarks as pure functions over per-example results (no I/O, nothing heavy).

A benchmark's spec (:mod:`rmbase.rm_eval.spec`) names which of these it uses: a per-example rule (scores of one
example's completions, chosen first -> credit in [0, 1]), optional whole-subset rules, and a summary rule
(subset accuracies -> sections and score). RewardBench's published rules, re-implemented here from these sources:

* v1 sections and example counts: allenai/reward-bench ``rewardbench/constants.py`` (``EXAMPLE_COUNTS``,
  ``SUBSET_MAPPING``) and ``rewardbench/utils.py::calculate_scores_per_section`` (count-weighted mean of the
  subsets of a section). reward-bench silently skips a missing subset and writes 0 for an empty section; rmbase
  raises instead, or marks the section partial when asked to.
* v1 legacy score with Prior Sets: the leaderboard's older formula weights the four sections and Prior Sets
  2, 2, 2, 2, 1 (Prior Sets at half weight; checked against the published leaderboard, median |diff| 3e-5).
* v2 per-prompt rule: allenai/reward-bench ``rewardbench/utils.py::reroll_and_score_dataset`` (commit a0096928):
  the first completion is the chosen one; it earns ``1 / k`` when its score equals the maximum shared by ``k``
  completions, else 0.
* v2 Ties: allenai/reward-bench ``rewardbench/utils.py::process_single_model`` with ``_compute_prompt_stats``
  (commit a0096928). Ids are ``ref:<n>`` (one correct answer) or ``tied:<n>`` (several); for each prompt,
  accurate = worst correct > best incorrect, different-correct margin = best - worst correct (tied prompts),
  correct-incorrect margin = worst correct - best incorrect. Over prompts present as both ref and tied:
  preferred = mean(tied ci-margin > tied dc-margin), preferred_hard = mean(min(ref ci, tied ci) > dc),
  margin = mean(tanh(min(ref ci, tied ci) / dc - 1)) with 0/0 -> 0.
  Ties = 0.30 tied_acc + 0.30 ref_acc + 0.20 preferred + 0.20 preferred_hard + 0.01 margin.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rmbase.errors import InputError

# ----------------------------------------------------------------------------------------------- per example


def v1_correct(score_chosen: float, score_rejected: float) -> bool:
    """v1: correct iff chosen scores strictly higher (a tie is wrong)."""
    return bool(score_chosen > score_rejected)


def pairwise_correct(scores: Sequence[float]) -> bool:
    """The pairwise per-example rule: ``scores = [chosen, rejected]``, correct iff chosen is strictly higher."""
    return v1_correct(scores[0], scores[1])


def v2_prompt_result(scores: Sequence[float]) -> float:
    """v2 (all subsets but Ties): ``scores[0]`` is the chosen completion; ``1/k`` if it has the top score shared by
    ``k`` completions, else 0."""
    if len(scores) < 2:
        raise InputError("a v2 prompt needs a chosen and at least one rejected score")
    top = max(scores)
    if scores[0] != top:
        return 0.0
    return 1.0 / sum(1 for s in scores if s == top)


@dataclass(frozen=True)
class PromptStats:
    accurate: bool
    different_correct_margin: float | None
    correct_incorrect_margin: float


def prompt_stats(scores: Sequence[float], num_correct: int) -> PromptStats:
    """Stats of one Ties prompt: the first ``num_correct`` scores belong to correct answers."""
    correct, incorrect = list(scores[:num_correct]), list(scores[num_correct:])
    if not correct or not incorrect:
        raise InputError("a Ties prompt needs at least one correct and one incorrect completion")
    best_c, worst_c, best_i = max(correct), min(correct), max(incorrect)
    dc = best_c - worst_c if len(correct) > 1 else None
    ci = worst_c - best_i
    return PromptStats(accurate=ci > 0, different_correct_margin=dc, correct_incorrect_margin=ci)


@dataclass(frozen=True)
class TiesScore:
    score: float
    ref_accuracy: float
    tied_accuracy: float
    correctness_preferred: float
    correctness_preferred_hard: float
    margin_score: float
    n_ref: int
    n_tied: int
    n_paired: int

    def as_dict(self) -> dict[str, float | int]:
        return dict(self.__dict__)


def ties_id_problem(example_id: str) -> str | None:
    """What is wrong with a Ties id (None when it is ``ref:<n>`` or ``tied:<n>``)."""
    kind, sep, pid = str(example_id).partition(":")
    if not sep or kind not in ("ref", "tied") or not pid:
        return f"Ties id {example_id!r} is not of the form ref:<n> or tied:<n>"
    return None


def _split_ties_id(example_id: str) -> tuple[str, str]:
    problem = ties_id_problem(example_id)
    if problem:
        raise InputError(problem, column="id")
    kind, _, pid = str(example_id).partition(":")
    return kind, pid


def ties_score(records: Iterable[tuple[str, Sequence[float], int]]) -> TiesScore:
    """The RewardBench 2 Ties composite from ``(id, scores, num_correct)`` per prompt (see the module docstring)."""
    ref: dict[str, PromptStats] = {}
    tied: dict[str, PromptStats] = {}
    for example_id, scores, num_correct in records:
        kind, pid = _split_ties_id(example_id)
        (ref if kind == "ref" else tied)[pid] = prompt_stats(scores, num_correct)
    if not ref and not tied:
        raise InputError("the Ties subset has no prompts")
    ref_acc = sum(s.accurate for s in ref.values()) / len(ref) if ref else 0.0
    tied_acc = sum(s.accurate for s in tied.values()) / len(tied) if tied else 0.0
    paired = sorted(set(ref) & set(tied))
    pref, pref_hard, margins = [], [], []
    for pid in paired:
        t, r = tied[pid], ref[pid]
        dc = t.different_correct_margin
        if dc is None:  # a tied prompt with one correct answer has no spread: reward-bench would fail; skip it
            continue
        hard = min(r.correct_incorrect_margin, t.correct_incorrect_margin)
        pref.append(t.correct_incorrect_margin > dc)
        pref_hard.append(hard > dc)
        if dc != 0:
            margins.append(math.tanh(hard / dc - 1))
        elif hard != 0:  # numpy: x/0 = +-inf, tanh(+-inf) = +-1
            margins.append(math.copysign(1.0, hard))
        else:  # 0/0 = nan -> 0 (reward-bench's nan_to_num)
            margins.append(0.0)
    preferred = sum(pref) / len(pref) if pref else 0.0
    preferred_hard = sum(pref_hard) / len(pref_hard) if pref_hard else 0.0
    margin = sum(margins) / len(margins) if margins else 0.0
    score = 0.30 * tied_acc + 0.30 * ref_acc + 0.20 * preferred + 0.20 * preferred_hard + 0.01 * margin
    return TiesScore(score=score, ref_accuracy=ref_acc, tied_accuracy=tied_acc, correctness_preferred=preferred,
                     correctness_preferred_hard=preferred_hard, margin_score=margin, n_ref=len(ref),
                     n_tied=len(tied), n_paired=len(pref))


# ----------------------------------------------------------------------------------------------- per subset

@dataclass
class SubsetFigure:
    """One subset's result: ``accuracy`` in [0, 1]; ``correct``/``total`` when known (v1 counts, v2 sums of 1/k)."""

    accuracy: float
    correct: float | None = None
    total: int | None = None
    detail: dict[str, Any] | None = None


def mean_figure(rows: Sequence[Mapping[str, Any]], example_rule: Callable[[Sequence[float]], float]) -> SubsetFigure:
    """A subset scored as the mean of a per-example rule over its rows' ``scores`` (chosen first)."""
    earned = sum(example_rule(r["scores"]) for r in rows)
    return SubsetFigure(accuracy=earned / len(rows), correct=earned, total=len(rows))


def ties_figure(rows: Sequence[Mapping[str, Any]]) -> SubsetFigure:
    """RewardBench 2's Ties subset scored as a whole (:func:`ties_score`), with its parts as ``detail``."""
    ts = ties_score((r["id"], r["scores"], int(r.get("num_correct", 1))) for r in rows)
    return SubsetFigure(accuracy=ts.score, total=len(rows), detail=ts.as_dict())


# ----------------------------------------------------------------------------------------------- sections

@dataclass
class Summary:
    """Sections and score of one model under one rule set. ``partial`` names sections with missing subsets."""

    rules: str
    subsets: dict[str, float]
    sections: dict[str, float | None]
    score: float | None
    partial: dict[str, list[str]] = field(default_factory=dict)
    ignored_subsets: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"rules": self.rules, "score": self.score, "sections": self.sections, "subsets": self.subsets,
                "partial": self.partial, "ignored_subsets": self.ignored_subsets}


SIGNED_SUBSETS = frozenset({"Ties"})  # RewardBench 2's Ties composite can be slightly negative


def check_accuracy(name: str, value: float, *, path: str | None = None, row: int | None = None) -> float:
    """``value`` as a float in [0, 1] ([-1, 1] for a subset of :data:`SIGNED_SUBSETS`); else an InputError naming
    the subset (and the file and row when given)."""
    low = -1.0 if name in SIGNED_SUBSETS else 0.0
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = math.nan
    if isinstance(value, bool) or not math.isfinite(v) or not low <= v <= 1.0:
        raise InputError(f"subset {name!r} has accuracy {value!r}", path=path, row=row,
                         expected=f"a number in [{low:g}, 1]")
    return v


def weighted_sections(subset_accuracy: Mapping[str, float], sections: Mapping[str, Mapping[str, float]],
                      section_weights: Mapping[str, float]
                      ) -> tuple[dict[str, float | None], dict[str, list[str]], float | None]:
    """The summary rule of RewardBench v1, v1-prior and v2: each section is the weighted mean of the subsets of it
    that are present (None when none is), the score the weighted mean of the sections (None when a section is
    None). Returns ``(sections, missing subsets per section, score)``."""
    values: dict[str, float | None] = {}
    missing: dict[str, list[str]] = {}
    for section, weights in sections.items():
        present = {s: n for s, n in weights.items() if s in subset_accuracy}
        absent = [s for s in weights if s not in subset_accuracy]
        if absent:
            missing[section] = absent
        total = sum(present.values())
        values[section] = (sum(subset_accuracy[s] * n for s, n in present.items()) / total) if total else None
    if any(v is None for v in values.values()):
        score = None
    else:
        score = sum(values[s] * w for s, w in section_weights.items()) / sum(section_weights.values())
    return values, missing, score
