"""RM evidence pooled across the published multi-base studies (and a user's own results), as one long table.

Studies (each a set of bases trained with one recipe family and evaluated the same way):

- ``paper-2505.10775``: the bundled study, 40 bases x recipes ``regression`` / ``bradley_terry``, RewardBench v1
  score and its four sections (percent), plus the two post-training variants of its Table 1 that are not among the
  40 (Llama-3.1-8B pre-trained, Hermes-3-Llama-3.1-8B; regression recipe).
- ``rb2-allenai-grid``: AllenAI's RewardBench 2 sweep, 10 bases. Runs per base are summarised by the **best** run
  without label flipping (the study also reports each base at its best learning rate, chosen per base; AllenAI's
  released RB2 models are their best configurations). The mean of runs is kept in ``rm_evidence(summary="mean")``
  for comparison: it mixes data ablations that were run for some bases only (Tulu-3-8B-SFT: 35 runs, most of them
  ablations of the data mix), so it measures the ablation plan as much as the base.
- ``skywork-reward-v2``: Skywork-Reward-V2, 7 bases trained on the same 26M pairs, seven RM benchmarks
  (RewardBench v1, RewardBench 2, PPE preference / correctness, RMB, RM-Bench, JudgeBench) and their average
  (``skywork7`` / ``avg7``).
- ``rewardbench-v1-leaderboard``: the best sequence-classifier RM per base on the public RewardBench v1
  leaderboard (31 bases). **Validation only** (``role == "validation"``): its RMs come from many recipes, data sets
  and years, and the best of n RMs per base rises with n (1 to 5 RMs per base), so a base's value says as much about
  who trained on it, how often and when as about the base. It is never pooled into a fit unless asked for by name.
- ``user:<label>``: results a user passes (a sweep store, ``rmbase evaluate`` folders or a results table, read as
  ``rmbase study --results`` reads them).

Columns: ``study, base`` (Hugging Face id), ``recipe``, ``rm_benchmark`` (``rewardbench``, ``rewardbench2``,
``skywork7``), ``target`` (``score``, a section, ``avg7`` or one of Skywork's benchmarks), ``value`` (0-100),
``stage`` (:mod:`rmbase.selection.stage`), ``n_runs``, ``source``, ``role`` (``train`` or ``validation``).
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

import pandas as pd

from rmbase.datasets.schema import SECTIONS
from rmbase.errors import InputError
from rmbase.selection.stage import infer_stage, normalise_stage

COLUMNS = ("study", "base", "recipe", "rm_benchmark", "target", "value", "stage", "n_runs", "source", "role")
STUDY = "paper-2505.10775"
RB2_GRID = "rb2-allenai-grid"
SKYWORK = "skywork-reward-v2"
RB1_LEADERBOARD = "rewardbench-v1-leaderboard"
VALIDATION_ONLY = (RB1_LEADERBOARD,)
RB1_SECTIONS = SECTIONS  # RewardBench v1's sections, as the study's tables name them
RB2_SECTIONS = ("factuality", "precise_if", "math", "safety", "focus", "ties")
SKYWORK7 = ("ppe_preference", "ppe_correctness", "rmb", "rm_bench", "judgebench")
# what a user may ask for: name -> (rm_benchmark, target)
TARGETS = {"rewardbench": ("rewardbench", "score"), "rewardbench2": ("rewardbench2", "score"),
           "skywork7": ("skywork7", "avg7"),
           **{f"rewardbench:{s}": ("rewardbench", s) for s in RB1_SECTIONS},
           **{f"rewardbench2:{s}": ("rewardbench2", s) for s in RB2_SECTIONS},
           **{f"skywork7:{s}": ("skywork7", s) for s in SKYWORK7}}
_ALIASES = {"score": "rewardbench", "rewardbench_v1": "rewardbench", "rb1": "rewardbench", "rewardbench_v2":
            "rewardbench2", "rb2": "rewardbench2", "avg7": "skywork7", "skywork_avg7": "skywork7",
            **{s: f"rewardbench:{s}" for s in RB1_SECTIONS}}


def parse_target(target: str) -> tuple[str, str]:
    """(rm_benchmark, target) of a target name (``rewardbench``, ``rewardbench:chat_hard``, ``rewardbench2``,
    ``skywork7``, ...)."""
    name = _ALIASES.get(str(target).strip().lower(), str(target).strip().lower())
    if name not in TARGETS:
        raise InputError(f"unknown RM target {target!r}", expected=f"one of {', '.join(TARGETS)}")
    return TARGETS[name]


def target_name(rm_benchmark: str, target: str) -> str:
    return next(k for k, v in TARGETS.items() if v == (rm_benchmark, target))


def _pkg(path: str) -> Path:
    return Path(str(resources.files("rmbase.datasets") / path))


def _rows(df: pd.DataFrame, study: str, recipe: str, bench: str, columns: dict[str, str], *, scale: float,
          source: str, role: str = "train", n_runs: str | None = None) -> list[dict]:
    out = []
    for _, r in df.iterrows():
        for col, target in columns.items():
            v = r[col]
            if pd.isna(v):
                continue
            out.append({"study": study, "base": str(r["base"]), "recipe": recipe, "rm_benchmark": bench,
                        "target": target, "value": float(v) * scale, "stage": normalise_stage(r["stage"]),
                        "n_runs": int(r[n_runs]) if n_runs else 1, "source": source, "role": role})
    return out


def _study_rows() -> list[dict]:
    models = pd.read_csv(_pkg("paper_2505_10775/models.csv"))
    ids = models.set_index("model")["hf_id"]
    stages = models.set_index("model")["stage"]
    res = pd.read_csv(_pkg("paper_2505_10775/rewardbench.csv"))
    res = res.assign(base=res["model"].map(ids), stage=res["model"].map(stages))
    cols = {"score": "score", **{s: s for s in RB1_SECTIONS}}
    out = []
    for recipe, g in res.groupby("recipe", sort=False):
        out += _rows(g, STUDY, str(recipe), "rewardbench", cols, scale=1.0,
                     source="bundled paper_2505_10775/rewardbench.csv (Tables 4-5)")
    post = pd.read_csv(_pkg("paper_2505_10775/post_training.csv"))
    extra = {"Llama-3.1-8B": "meta-llama/Llama-3.1-8B", "Hermes-3-Llama-3.1-8B": "NousResearch/Hermes-3-Llama-3.1-8B"}
    post = post[post["model"].isin(extra)].assign(base=lambda d: d["model"].map(extra))
    out += _rows(post, STUDY, "regression", "rewardbench", cols, scale=1.0,
                 source="bundled paper_2505_10775/post_training.csv (Table 1)")
    return out


def _external_rows(summary: str) -> list[dict]:
    if summary not in ("best", "mean"):
        raise InputError(f"unknown summary {summary!r} of the RB2 grid's runs", expected="best or mean")
    rb2 = pd.read_csv(_pkg("external/rb2_base_grid.csv"))
    src = "bundled external/rb2_base_grid.csv (AllenAI reward-bench-2-results, ODC-BY)"
    cols = {f"rb2_{summary}": "score"}
    if summary == "best":
        cols.update({f"best_{s}": s for s in RB2_SECTIONS})
    out = _rows(rb2, RB2_GRID, "bradley_terry", "rewardbench2", cols, scale=100.0, source=src, n_runs="n_runs")
    sky = pd.read_csv(_pkg("external/skywork_v2.csv"))
    src = "bundled external/skywork_v2.csv (Skywork-Reward-V2 README, self-reported)"
    out += _rows(sky, SKYWORK, "bradley_terry", "rewardbench", {"rewardbench_v1": "score"}, scale=1.0, source=src)
    out += _rows(sky, SKYWORK, "bradley_terry", "rewardbench2", {"rewardbench_v2": "score"}, scale=1.0, source=src)
    out += _rows(sky, SKYWORK, "bradley_terry", "skywork7", {"avg7": "avg7", **{s: s for s in SKYWORK7}},
                 scale=1.0, source=src)
    rb1 = pd.read_csv(_pkg("external/rb1_leaderboard_bases.csv"))
    out += _rows(rb1, RB1_LEADERBOARD, "mixed", "rewardbench",
                 {"rb1_best": "score", **{f"best_{s}": s for s in RB1_SECTIONS}}, scale=1.0,
                 source="bundled external/rb1_leaderboard_bases.csv (RewardBench v1 leaderboard, best RM per base)",
                 role="validation", n_runs="n_rms")
    return out


@functools.lru_cache(maxsize=4)
def _bundled(summary: str) -> pd.DataFrame:
    return pd.DataFrame(_study_rows() + _external_rows(summary), columns=list(COLUMNS))


def user_rows(extra_results) -> tuple[list[dict], list[str]]:
    """Evidence rows of a user's results: a path (``rmbase evaluate`` folder(s), a results table wide or long, e.g.
    ``rmbase sweep collect``'s), a wide results frame (``model, recipe, score`` and sections, percent), a
    ``(label, frame)`` pair, or a list of them. A sweep store is read by the caller (``rmbase.study`` reads stores;
    the selection room sits below the sweep room) and passed as its wide frame. Returns (rows, notes)."""
    from rmbase.datasets.rm_results import match_bundled, read_results_path

    pair = isinstance(extra_results, tuple) and len(extra_results) == 2 and isinstance(extra_results[1], pd.DataFrame)
    items = list(extra_results) if isinstance(extra_results, (list, tuple)) and not pair else [extra_results]
    rows, notes = [], []
    paper = pd.read_csv(_pkg("paper_2505_10775/models.csv")).set_index("model")
    for i, item in enumerate(items):
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], pd.DataFrame):
            label, item = str(item[0]), item[1]
        else:
            label = f"frame{i}" if len(items) > 1 else "results"
        if isinstance(item, pd.DataFrame):
            wide = item
            missing = [c for c in ("model", "recipe", "score") if c not in wide.columns]
            if missing:
                raise InputError(f"the results frame lacks column(s) {', '.join(missing)}",
                                 expected="model, recipe, score (and sections), percent")
        else:
            wide, _, _ = read_results_path(Path(item))
            label = Path(item).name
        study = f"user:{label}"
        for _, r in wide.iterrows():
            model = str(r["model"])
            hit = match_bundled(model)
            base = str(paper.loc[hit[0], "hf_id"]) if hit and hit[1].startswith("paper") else (hit[0] if hit else model)
            stage = normalise_stage(paper.loc[hit[0], "stage"]) if hit and hit[1].startswith("paper") \
                else infer_stage(base)
            for t in ("score", *RB1_SECTIONS):
                if t in wide.columns and pd.notna(r.get(t)):
                    rows.append({"study": study, "base": base, "recipe": str(r["recipe"]),
                                 "rm_benchmark": "rewardbench", "target": t, "value": float(r[t]), "stage": stage,
                                 "n_runs": 1, "source": f"user results {label}", "role": "train"})
        n_bases = len({r["base"] for r in rows if r["study"] == study})
        if n_bases < 2:
            notes.append(f"{study}: {n_bases} base(s) - a grid needs at least 2 bases for its study effect (level "
                         "and scale) to be estimated; it is listed in the evidence but left out of every fit")
    return rows, notes


def rm_evidence(extra_results=None, *, summary: str = "best") -> pd.DataFrame:
    """The long RM evidence table (see the module docstring). ``summary`` chooses how the RB2 grid's runs per base
    are summarised (``best`` or ``mean`` of the runs without label flipping). The frame's ``attrs['notes']`` holds
    counted notes (e.g. a user grid with a single base)."""
    df = _bundled(summary).copy()
    notes: list[str] = []
    if extra_results is not None:
        rows, notes = user_rows(extra_results)
        df = pd.concat([df, pd.DataFrame(rows, columns=list(COLUMNS))], ignore_index=True)
    df.attrs["notes"] = notes
    return df


def grids(evidence: pd.DataFrame) -> pd.DataFrame:
    """One row per grid (study, recipe, rm_benchmark, target) with its number of bases and its role."""
    g = evidence.groupby(["study", "recipe", "rm_benchmark", "target"], sort=False)
    return g.agg(n_bases=("base", "nunique"), role=("role", "first")).reset_index()
