"""The Swallow checks of scripts/audit_bundled.py: the bundled ``swallow`` tables against the three snapshot files
(read here with plain YAML, independently of rmbase's reader), the rule counts DATA.md states, and the rank agreement
with the bundled Open LLM Leaderboard v2 table on the pre-trained bases both score."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy.stats import spearmanr

from rmbase.benchmarks.import_swallow import task_name
from rmbase.model_ids import canonical_model_id, preferred_model_id

ROOT = Path(__file__).resolve().parents[1]
SWALLOW = ROOT / "src" / "rmbase" / "datasets" / "swallow"
LEADERBOARD = ROOT / "src" / "rmbase" / "datasets" / "leaderboard_v2" / "scores.csv"
# what DATA.md states (a rebuild that changes one of them must update DATA.md and docs/benchmarks.md too)
STATED = {"score rows": 2525, "models": 211, "removed by rule 3 (pre-trained en_basic/en_pre disagreement)": 3,
          "removed by rule 4 (post-trained far below its checkpoint)": 13,
          "older-snapshot values replaced with a different value": 186, "API entries left out": 23,
          "post-trained models with a resolved pretrained_from": 86}
# Swallow task -> its Open LLM Leaderboard v2 counterpart (rank agreement, informative)
COUNTERPARTS = {"mmlu": "mmlu_pro", "bbh": "bbh", "math": "math_lvl5"}


def _raw_values(shared: Path) -> dict[tuple[str, str, str, str], float]:
    """(snapshot stem, model id, group, task) -> value, straight from the YAML files."""
    out = {}
    for path in sorted((shared / "swallow_leaderboard").glob("model_*.yml")):
        for e in yaml.safe_load(path.read_text(encoding="utf-8")):
            mid = preferred_model_id(str(e.get("model_id") or e.get("id")))
            for group, tasks in e["results"].items():
                for task, v in tasks.items():
                    out[(path.stem, mid, group, task_name(task))] = float(v)
    return out


def swallow_checks(shared: Path, check) -> list:  # noqa: ANN001 - audit_bundled.Check (avoids a circular import)
    from build_swallow_scores import build

    scores = pd.read_csv(SWALLOW / "scores.csv", keep_default_na=False)
    models = pd.read_csv(SWALLOW / "models.csv", keep_default_na=False)
    removed = pd.read_csv(SWALLOW / "removed.csv", keep_default_na=False)
    out = []

    raw = _raw_values(shared)
    c = check("swallow values = snapshot files", 1e-9, "raw", note="every bundled value against its source file")
    for r in scores.itertuples(index=False):
        key = (r.source.split(":", 1)[1], r.model, r.mode.split("/")[0], r.benchmark)
        c.add(f"{r.model} {r.benchmark} {r.mode}", r.value, raw.get(key, np.nan))
    out.append(c)

    rebuilt, rmodels, rremoved, counts = build(shared)
    c = check("swallow bundled = rebuild", 1e-6, "raw", note="scripts/build_swallow_scores.py on ../shared/data")
    a = scores.set_index(["model", "benchmark", "mode"]).value
    b = rebuilt.set_index(["model", "benchmark", "mode"]).value
    for k in a.index.union(b.index):
        c.add(" ".join(k), a.get(k, np.nan), b.get(k, np.nan))
    c.add("models.csv rows", len(models), len(rmodels))
    c.add("removed.csv rows", len(removed), len(rremoved))
    out.append(c)

    actual = {"score rows": len(scores), "models": len(models),
              "removed by rule 3 (pre-trained en_basic/en_pre disagreement)": int(removed.rule.str.startswith(
                  "pre-trained").sum()),
              "removed by rule 4 (post-trained far below its checkpoint)": int(removed.rule.str.startswith(
                  "post-trained").sum()),
              "older-snapshot values replaced with a different value": counts.get(
                  "older-snapshot value replaced by the newest snapshot's (values differed)", 0),
              "API entries left out": counts.get("API model without a Hugging Face id skipped", 0),
              "post-trained models with a resolved pretrained_from": int(models.pretrained_from.ne("").sum())}
    c = check("swallow counts stated in DATA.md", 0, "count")
    for k, v in STATED.items():
        c.add(k, v, actual[k])
    out.append(c)

    lb = pd.read_csv(LEADERBOARD)
    lb = lb[lb.scale.eq("normalised")].assign(key=lambda d: d.model.map(canonical_model_id))
    pre = scores[scores["mode"].isin(["en_pre/pre/off", "en_basic/pre/off"])]
    pre = pre.assign(key=pre.model.map(canonical_model_id), newest=pre["mode"].eq("en_pre/pre/off"))
    pre = pre.sort_values("newest").drop_duplicates(["key", "benchmark"], keep="last")  # en_pre where both
    figures = []
    for task, oll in COUNTERPARTS.items():
        x = pre[pre.benchmark.eq(task)].set_index("key").value
        y = lb[lb.benchmark.eq(oll)].drop_duplicates("key").set_index("key").value
        both = x.index.intersection(y.index)
        rho = spearmanr(x[both], y[both]).statistic if len(both) > 2 else float("nan")
        figures.append(f"{task} vs {oll} spearman {rho:.2f} on {len(both)}")
    out.append(check("swallow rank agreement with OLL v2 (pre-trained bases in both)", float("inf"), "",
                     note="; ".join(figures)))

    study = pd.read_csv(ROOT / "src" / "rmbase" / "datasets" / "paper_2505_10775" / "models.csv")
    keys = scores.assign(key=scores.model.map(canonical_model_id)).groupby("key")["mode"].agg(set)
    have = [k for k in study.hf_id.map(canonical_model_id) if k in keys.index]
    basic = [k for k in have if any(m.startswith("en_basic/") for m in keys[k])]
    out.append(check("swallow coverage of the study's bases", float("inf"), "",
                     note=f"{len(have)} of the study's {len(study)} bases have Swallow scores, {len(basic)} in "
                          "en_basic"))
    return out
