"""Rebuild the bundled table ``leaderboard_v2`` from ../shared/data (run from the repository root).

    python scripts/build_leaderboard_scores.py [--shared ../shared/data]

It selects rows of the Open LLM Leaderboard v2 contents table (Feb 2025 snapshot) — nothing is re-measured:
- the 42 models of arXiv 2505.10775 (the study's bundled ``benchmark_rows.csv``), and
- every model of about 14B parameters or fewer (params_b <= 14.8, so Qwen2.5-14B is in) published by a curated list
  of well-known organisations (the model's own publisher, see ``ORGS``), types pretrained / continuously-pretrained /
  chat / fine-tuned (merges, multimodal and "other" left out);
one row per model by the rule of the study: official provider, then chat-template run, then bfloat16, then the
latest submission (ids compared after ``canonical_model_id``). MATH Lvl 5 comes from the final leaderboard (after
the Math-Verify re-evaluation of 2025-02-14) where it has the same run, and the average is recomputed (see
scripts/leaderboard_final.py). It writes ``scores.csv`` (long, normalised 0-100:
the six scores and their average) and ``models.csv`` (one row per model: params_b, type, the chosen leaderboard row
and why) into src/rmbase/datasets/leaderboard_v2/.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from leaderboard_final import load_contents, load_final, long_rows, math_columns

from rmbase.benchmarks.duplicates import preferred_row
from rmbase.benchmarks.leaderboard import SIX as LEADERBOARD_SIX
from rmbase.model_ids import canonical_model_id, preferred_model_id

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "rmbase" / "datasets" / "leaderboard_v2"
STUDY_ROWS = ROOT / "src" / "rmbase" / "datasets" / "paper_2505_10775" / "benchmark_rows.csv"
SIX = list(LEADERBOARD_SIX)
MAX_PARAMS_B = 14.8
TYPES = {"pretrained", "continuously-pretrained", "chat", "fine-tuned"}
ORGS = {  # publishers of widely used base and instruct models (the organisation part of the HF id)
    "meta-llama", "Qwen", "google", "mistralai", "microsoft", "01-ai", "tiiuae", "allenai", "HuggingFaceTB",
    "HuggingFaceH4", "internlm", "deepseek-ai", "THUDM", "ibm-granite", "ibm", "nvidia", "stabilityai",
    "CohereForAI", "upstage", "EleutherAI", "NousResearch", "openchat", "Nexusflow", "teknium", "TinyLlama",
    "bigscience", "databricks", "togethercomputer", "Salesforce", "LGAI-EXAONE", "apple", "openbmb", "Deci", "amd",
    "mosaicml", "PrimeIntellect", "lmsys", "kyutai", "facebook", "bigcode", "openai-community", "speakleash",
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(ROOT.parent / "shared" / "data"))
    shared = Path(ap.parse_args().shared)
    oll = load_contents(shared)
    final = load_final(shared)
    oll["_org"] = oll.model.str.partition("/")[0]
    study = pd.read_csv(STUDY_ROWS)
    study_keys = dict(zip(study.hf_id.map(canonical_model_id), study.model, strict=True))
    study_rows = dict(zip(study.hf_id.map(canonical_model_id), study.eval_name, strict=True))

    wanted = oll[oll._org.isin(ORGS) & oll.params_b.between(0, MAX_PARAMS_B, inclusive="right")
                 & oll.type.isin(TYPES)]
    keys = sorted(set(wanted._key) | set(study_keys))
    model_rows, bench_rows = [], []
    for key in keys:
        cands = oll[oll._key == key]
        if cands.empty:
            raise SystemExit(f"{key} not in the leaderboard table")
        row, reason = preferred_row(cands)
        if key in study_rows and row.eval_name != study_rows[key]:
            raise SystemExit(f"{key}: chose {row.eval_name}, the study table chose {study_rows[key]}")
        mean6 = float(row[SIX].mean())
        assert abs(mean6 - row.average) < 1e-6, (key, mean6, row.average)
        model = preferred_model_id(row.model)
        rows, math = long_rows(model, row, final)
        model_rows.append({
            "model": model, "params_b": float(row.params_b), "type": row.type, "architecture": row.architecture,
            "study_name": study_keys.get(key, ""), "eval_name": row.eval_name, "precision": row.precision,
            "chat_template": bool(row.chat_template), "official_provider": bool(row.official_provider),
            "submission_date": row.submission_date, "rule": reason, **math_columns(math),
        })
        bench_rows.extend(rows)
    OUT.mkdir(parents=True, exist_ok=True)
    models = pd.DataFrame(model_rows).sort_values("model", key=lambda s: s.str.lower(), kind="stable")
    scores = pd.DataFrame(bench_rows).set_index("model").loc[models.model].reset_index()
    models.to_csv(OUT / "models.csv", index=False)
    scores.to_csv(OUT / "scores.csv", index=False)
    print(f"wrote {OUT}: {len(models)} models ({models.study_name.ne('').sum()} of the study), {len(scores)} scores; "
          f"types {models.type.value_counts().to_dict()}; MATH Lvl 5 sources "
          f"{models.math_lvl5_source.value_counts().to_dict()}")


if __name__ == "__main__":
    main()
