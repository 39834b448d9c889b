"""Rebuild the bundled dataset ``paper-2505.10775`` from ../shared/data (run from the repository root).

    python scripts/build_paper_dataset.py [--shared ../shared/data]

It derives small tables of published figures (no raw file is copied):
- models.csv         Table 3 of arXiv 2505.10775 (40 bases) + family and stage columns added here;
- rewardbench.csv    Tables 4 and 5 (RewardBench v1 sections and score per base, recipes regression / bradley_terry);
- post_training.csv  Table 1 (Llama-3.1-8B post-training stages, regression recipe);
- benchmarks.csv     the six Open LLM Leaderboard v2 normalised scores of the 42 study models (long format): the
                     contents snapshot's row, with MATH Lvl 5 from the final leaderboard (after the Math-Verify
                     re-evaluation) where the final table has the same run, and the average recomputed;
- benchmark_rows.csv which leaderboard row each model's scores come from, which source its MATH Lvl 5 is from, and why.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from leaderboard_final import load_contents, load_final, long_rows, math_columns

from rmbase.benchmarks.duplicates import preferred_row
from rmbase.benchmarks.leaderboard import SIX
from rmbase.model_ids import canonical_model_id

OUT = Path(__file__).resolve().parents[1] / "src" / "rmbase" / "datasets" / "paper_2505_10775"
BENCHES = list(SIX)

FAMILY = {  # generation series; post-trained variants belong to the family of the model they start from
    "Phi-3": "Phi-3", "gemma-2-": "Gemma-2", "gemma-": "Gemma", "Llama-3": "Llama-3", "Meta-Llama-3": "Llama-3",
    "Yi-1.5": "Yi-1.5", "Yi-": "Yi", "Qwen2.5": "Qwen2.5", "Qwen2-": "Qwen2", "Qwen1.5": "Qwen1.5",
    "Mistral-7B": "Mistral", "stablelm-2": "StableLM-2", "Mistral-NeMo-Minitron": "Minitron",
    "Nemotron-Mini": "Nemotron", "Falcon3": "Falcon3", "Hermes-3-Llama-3.1": "Llama-3",
}
STAGE = {"Llama-3.1-Tulu-3-8B-SFT": "sft", "Llama-3.1-Tulu-3-8B-DPO": "sft+dpo", "Llama-3.1-Tulu-3-8B": "sft+dpo+rlvr"}
EXTRA_HF_IDS = {"Llama-3.1-8B": "meta-llama/Llama-3.1-8B", "Hermes-3-Llama-3.1-8B": "NousResearch/Hermes-3-Llama-3.1-8B"}


def family_of(name: str) -> str:
    for prefix, fam in sorted(FAMILY.items(), key=lambda kv: -len(kv[0])):
        if name.startswith(prefix) or f"-{prefix}" in name:
            return fam
    raise SystemExit(f"no family for {name}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default="../shared/data")
    shared = Path(ap.parse_args().shared)
    paper = shared / "paper_2505_10775"
    OUT.mkdir(parents=True, exist_ok=True)

    models = pd.read_csv(paper / "base_models.csv")
    models["release"] = pd.to_datetime(models.release, format="%m/%Y").dt.strftime("%Y-%m")
    models["family"] = models.model.map(family_of)
    models["stage"] = models.model.map(STAGE).fillna("instruct")
    models = models[["model", "hf_id", "publisher", "release", "params_b", "pretrain_tokens_t", "family", "stage",
                     "downloads_feb2025", "likes"]]
    models.to_csv(OUT / "models.csv", index=False)

    results = pd.read_csv(paper / "rewardbench_results.csv")
    results = results[["model", "recipe", "chat", "chat_hard", "safety", "reasoning", "score"]]
    results.to_csv(OUT / "rewardbench.csv", index=False)
    post = pd.read_csv(paper / "post_training.csv")
    post.to_csv(OUT / "post_training.csv", index=False)

    oll = load_contents(shared)
    final = load_final(shared)
    ids = dict(zip(models.model, models.hf_id, strict=True)) | EXTRA_HF_IDS
    bench_rows, choice_rows = [], []
    for name, hf_id in ids.items():
        cands = oll[oll._key == canonical_model_id(hf_id)]
        if cands.empty:
            raise SystemExit(f"{hf_id} not in the leaderboard table")
        row, reason = preferred_row(cands)
        mean6 = float(row[BENCHES].mean())
        assert abs(mean6 - row.average) < 1e-6, (hf_id, mean6, row.average)
        rows, math = long_rows(name, row, final)
        choice_rows.append({"model": name, "hf_id": hf_id, "leaderboard_model": row.model,
                            "eval_name": row.eval_name, "precision": row.precision,
                            "chat_template": bool(row.chat_template), "official_provider": bool(row.official_provider),
                            "submission_date": row.submission_date, "rule": reason} | math_columns(math))
        bench_rows.extend(rows)
    pd.DataFrame(bench_rows).to_csv(OUT / "benchmarks.csv", index=False)
    pd.DataFrame(choice_rows).to_csv(OUT / "benchmark_rows.csv", index=False)
    kept = [r["model"] for r in choice_rows if r["math_lvl5_source"] == "contents"]
    changed = sum(r["math_lvl5_source"] == "final" for r in choice_rows)
    print(f"wrote {OUT}: {len(models)} models, {len(results)} results, {len(choice_rows)} benchmark rows; "
          f"MATH Lvl 5 re-evaluated (final table) for {changed}, unchanged for {len(choice_rows) - changed - len(kept)}, "
          f"not in the final table for {len(kept)} ({', '.join(kept)})")


if __name__ == "__main__":
    main()
