"""What a prediction of ``recommend`` rests on, said in its own row: its features (measured RM result, observed
benchmark scores, mapped scores, or size only), the studies behind it, and whether the base's family, stage or size
lies outside all RM evidence (flagged, never hidden). A prediction with weaker support that ranks above a
well-supported one says so in the same row (:func:`outranking_notes`).

Support levels, strongest first: ``measured`` (a study trained this base with this recipe), ``observed`` (benchmark
scores of the base itself, inside the evidence), ``mapped`` (scores mapped from another source), ``extrapolated``
(a flag: family, stage or size outside the RM evidence, or a feature the predictor uses outside its range),
``size only`` (no benchmark scores: a fit on size alone, with its wider interval).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SUPPORT_ORDER = ("measured", "observed", "mapped", "extrapolated", "size only")
WELL_SUPPORTED = ("measured", "observed", "mapped")


@dataclass
class EvidenceScope:
    """The bases the RM evidence covers: their families, post-training stages and size range, and the studies."""

    families: set[str] = field(default_factory=set)
    stages: set[str] = field(default_factory=set)
    params_b: tuple[float, float] = (np.nan, np.nan)
    studies: list[str] = field(default_factory=list)


def stage_kind(stage) -> str | None:
    """``pre-trained`` or ``post-trained`` from any stage label (study ``instruct``/``sft+dpo``, leaderboard type
    ``pretrained``/``chat``/``fine-tuned``, Swallow ``pre``/``post``); None when unknown."""
    from rmbase.selection.stage import STAGES, normalise_stage

    s = normalise_stage(stage)
    if s == "pretrained":
        return "pre-trained"
    return "post-trained" if s in STAGES else None


def study_scope(data) -> EvidenceScope:
    """The scope of one study's RM evidence (its models table: family, stage, params_b)."""
    models = data.models
    fams = {f for f in models.get("family", []) if isinstance(f, str)}
    stages = {stage_kind(s) for s in models.get("stage", [])} - {None}
    p = models["params_b"].astype(float)
    return EvidenceScope(families=fams, stages=stages or {"post-trained"}, params_b=(float(p.min()), float(p.max())),
                         studies=[data.name])


def scope_flags(params_b: float | None, family: str | None, stage: str | None, scope: EvidenceScope) -> list[str]:
    """The ways a base lies outside all RM evidence: its family, stage (pre- vs post-trained) or size."""
    flags = []
    if family is None or family not in scope.families:
        flags.append("family outside the RM evidence" + (f" ({family})" if family else ""))
    kind = stage_kind(stage)
    if kind is not None and kind not in scope.stages:
        flags.append(f"stage outside the RM evidence ({kind})")
    lo, hi = scope.params_b
    if params_b is not None and np.isfinite(params_b) and not lo <= params_b <= hi:
        flags.append(f"size outside the RM evidence ({params_b:.3g}B; evidence {lo:.3g}-{hi:.3g}B)")
    return flags


def support_of(status: str, flags: list[str], extrapolates: list[str]) -> str:
    """One support level per row: ``measured`` and ``size only`` as given; otherwise ``extrapolated`` when the row
    carries a size/stage flag or a used feature out of range, else the feature status (``observed``/``mapped``).
    A family outside the evidence alone does not make a prediction extrapolated: every predictor here reads
    benchmarks, not families (it is shown, as a flag)."""
    if status in ("measured", "size only"):
        return status
    if extrapolates or any(not f.startswith("family") for f in flags):
        return "extrapolated"
    return status if status in SUPPORT_ORDER else "observed"


def outranking_notes(rows: list[dict]) -> None:
    """For each row (in rank order) with weaker support than a well-supported row ranked below it, set
    ``row["outranks"]`` to a sentence naming how many such rows it is above and the best of them; else None."""
    for i, r in enumerate(rows):
        r["outranks"] = None
        if r["support"] in WELL_SUPPORTED:
            continue
        below = [b for b in rows[i + 1:] if b["support"] in WELL_SUPPORTED]
        if below:
            r["outranks"] = (f"ranked above {len(below)} better-supported base(s) (next: {below[0]['model']}, "
                             f"{below[0]['support']}) on {'an' if r['support'][0] in 'aeiou' else 'a'} "
                             f"{r['support']} prediction")


def short_flag(flag: str) -> str:
    """A few words for a terminal cell (the full sentence is in the JSON and the HTML page)."""
    if flag.startswith("family outside"):
        return "new family"
    if flag.startswith("size outside"):
        return "size outside evidence"
    if flag.startswith("stage outside"):
        return flag[flag.find("(") + 1:-1] + " stage outside evidence" if "(" in flag else "stage outside evidence"
    if flag.startswith("size only"):
        return ""
    if flag.startswith("only reasoning-on"):
        return "reasoning-on scores only"
    return flag
