"""Build the small derived tables of src/rmbase/datasets/external/ from ../shared/data (published figures only:
selected rows and columns, aggregated per base model). Rerun after the shared data change:

    python scripts/build_external_tables.py [--shared ../shared/data]

Tables (see src/rmbase/datasets/external/DATA.md):
- rb2_base_grid.csv: AllenAI's RewardBench 2 sweep, per base: runs (no label flipping), best and median RB2 score.
- skywork_v2.csv: Skywork-Reward-V2, per base: RewardBench v1 / v2 / 7-benchmark average of the standard (26M-pair)
  model.
- rb1_leaderboard_bases.csv: public RewardBench v1 leaderboard, sequence-classifier RMs with a high/medium-confidence
  base mapping, per root base: number of RMs, best and median RB1 score.
- base_features.csv: every base above with its six Open LLM Leaderboard v2 normalised scores, their average and
  params_b (official provider, then chat template, then bfloat16, then latest: the benchmarks room's rule), or empty
  when the leaderboard has no row for it; MATH Lvl 5 from the final leaderboard (after the Math-Verify
  re-evaluation) where it has the same run (see scripts/leaderboard_final.py), the average recomputed, and
  ``oll_run`` (the contents run, eval_name) and ``math_lvl5_source`` (final / contents=final / contents, as in
  the other bundled tables) saying where MATH Lvl 5 came from.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from rmbase.benchmarks.leaderboard import AVERAGE, SIX

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "rmbase" / "datasets" / "external"


RB2_SECTIONS = ("factuality", "precise_if", "math", "safety", "focus", "ties")
SKYWORK_BENCHMARKS = ("rewardbench_v1", "rewardbench_v2", "ppe_preference", "ppe_correctness", "rmb", "rm_bench",
                      "judgebench")
# Stage of post-training of every base of the external sets (pretrained, sft, dpo, rl, instruct, reasoning,
# encoder): the RB2 sweep's run-name tokens and the curated mapping's ``root_kind`` give most of them; the
# Tulu 3 checkpoints are named by their stage (SFT, DPO, and the final RLVR model).
STAGE_OF_ROOT_KIND = {"pretrained": "pretrained", "instruct": "instruct", "sft": "sft", "dpo": "dpo",
                      "rlvr(final)": "rl", "instruct(hybrid-think)": "reasoning", "encoder": "encoder",
                      "encoder(pairwise)": "encoder", "encoder-decoder": "encoder", "instruct?": "instruct"}


def stage_of(base: str, root_kind: str | None = None) -> str:
    name = base.rpartition("/")[2].lower()
    if name.startswith("llama-3.1-tulu-3-"):
        return "sft" if name.endswith("-sft") else "dpo" if name.endswith("-dpo") else "rl"
    if name.startswith("qwen3-") and not name.endswith("-base"):
        return "reasoning"  # Qwen3's post-trained models think by default (hybrid thinking)
    if root_kind:
        kind = str(root_kind)
        if kind.startswith("sft("):
            return "sft"
        if kind in STAGE_OF_ROOT_KIND:
            return STAGE_OF_ROOT_KIND[kind]
    if re.search(r"(instruct|-it$|-chat|chat-)", name):
        return "instruct"
    if re.search(r"(deberta|roberta|bert-)", name):
        return "encoder"
    return "pretrained"


def rb2_grid(shared: Path) -> pd.DataFrame:
    """Per base: runs without label flipping; best, median and mean RB2 score; the best run's six sections."""
    df = pd.read_csv(shared / "rb2_allenai_base_grid" / "rb2_allenai_trained_rms.csv")
    clean = df[df["flipped_pct"].isna() | df["flipped_pct"].eq(0)]
    g = clean.groupby("base_model")
    out = pd.DataFrame({
        "n_runs": g.size(),
        "rb2_best": g["rb2_score"].max().round(4),
        "rb2_median": g["rb2_score"].median().round(4),
        "mapping": g["base_evidence"].agg(lambda s: "inferred" if s.astype(str).str.startswith("INFERRED").any()
                                          else "confirmed"),
        "rb2_mean": g["rb2_score"].mean().round(4),
    })
    best = clean.loc[g["rb2_score"].idxmax()].set_index("base_model")
    out["best_rm"] = best["rm"]
    for s in RB2_SECTIONS:
        out[f"best_{s}"] = best[f"rb2_{s}"].round(4)
    out = out.reset_index().rename(columns={"base_model": "base"})
    out["stage"] = [stage_of(b) for b in out["base"]]
    return out.sort_values("rb2_best", ascending=False).reset_index(drop=True)


def skywork(shared: Path) -> pd.DataFrame:
    bases = pd.read_csv(shared / "skywork_reward_v2" / "skywork_v2_base_models.csv")
    scores = pd.read_csv(shared / "skywork_reward_v2" / "skywork_v2_rm_benchmarks.csv")
    df = bases.merge(scores, left_on="rm", right_on="model", how="left")
    df = df[~df["rm"].str.endswith("-40M")]  # the 40M-pair variant is a different data recipe
    out = df[["base_model", "rm", "rewardbench_v1", "rewardbench_v2", "avg",
              *SKYWORK_BENCHMARKS[2:]]].rename(columns={"base_model": "base", "avg": "avg7"})
    out["stage"] = [stage_of(b) for b in out["base"]]
    return out.sort_values("rewardbench_v2", ascending=False).reset_index(drop=True)


def rb1_bases(shared: Path) -> pd.DataFrame:
    j = pd.read_csv(shared / "rm_base_models" / "rm_with_base_benchmarks_joined.csv")
    keep = (j["rb1_type"].eq("Seq. Classifier") & j["map_confidence"].isin(["high", "medium"])
            & j["rb1_score"].notna() & ~j["root_base_llm"].astype(str).str.startswith("unknown"))
    g = j[keep].groupby("root_base_llm")
    out = pd.DataFrame({"n_rms": g.size(), "rb1_best": (100 * g["rb1_score"].max()).round(2),
                        "rb1_median": (100 * g["rb1_score"].median()).round(2)})
    best = j[keep].loc[g["rb1_score"].idxmax()].set_index("root_base_llm")
    out["best_rm"] = best["rm"]
    for s in ("chat", "chat_hard", "safety", "reasoning"):
        out[f"best_{s}"] = (100 * best[f"rb1_{s}"]).round(2)
    curated = pd.read_csv(shared / "rm_base_models" / "rm_base_models_curated.csv")
    kinds = curated.dropna(subset=["root_base_llm"]).groupby("root_base_llm")["root_kind"].first()
    out["stage"] = [stage_of(b, kinds.get(b)) for b in out.index]
    out = out.reset_index()
    return out.rename(columns={"root_base_llm": "base"}).sort_values("rb1_best", ascending=False).reset_index(drop=True)


def features(shared: Path, bases: list[str]) -> pd.DataFrame:
    from leaderboard_final import load_contents, load_final, six_scores

    from rmbase.benchmarks import import_files
    from rmbase.model_ids import canonical_model_id

    contents_file = shared / "open_llm_leaderboard_v2_contents" / "open_llm_leaderboard_v2_contents_clean.csv"
    table = import_files([contents_file])  # the benchmarks room's duplicate rule chooses one run per model
    wide = table.wide().reindex(columns=[*SIX, AVERAGE])
    runs = table.frame[table.frame.benchmark.eq("ifeval")].set_index("model")["source"].str.partition(":")[2]
    contents = load_contents(shared).set_index("eval_name")
    final = load_final(shared)
    raw = contents.reset_index()[["model", "params_b"]]
    raw["key"] = raw["model"].map(canonical_model_id)
    params = raw.groupby("key")["params_b"].median()
    keys = {canonical_model_id(m): m for m in wide.index}
    rows = []
    for b in sorted(set(bases)):
        k = canonical_model_id(b)
        row = {"base": b, "oll_model": keys.get(k, ""), "params_b": params.get(k, np.nan)}
        if k in keys:
            run = contents.loc[runs[keys[k]]].copy()
            run["eval_name"] = runs[keys[k]]
            scores, math = six_scores(run, final)
            for c in (*SIX, AVERAGE):  # the run's other five are the imported values
                assert c in ("math_lvl5", AVERAGE) or abs(scores[c] - wide.loc[keys[k], c]) < 1e-6, (b, c)
            row.update({c: round(scores[c], 4) for c in (*SIX, AVERAGE)})
            row.update(oll_run=runs[keys[k]], math_lvl5_source=math["math_lvl5_source"])
        rows.append(row)
    return pd.DataFrame(rows).reindex(columns=["base", "oll_model", "params_b", *SIX, AVERAGE,
                                               "oll_run", "math_lvl5_source"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--out", default=str(OUT), help="output folder (default: the package's datasets/external)")
    args = ap.parse_args(argv)
    shared, out = Path(args.shared), Path(args.out)
    if not shared.is_dir():
        print(f"shared data folder not found: {shared}", file=sys.stderr)
        return 2
    tables = {"rb2_base_grid.csv": rb2_grid(shared), "skywork_v2.csv": skywork(shared),
              "rb1_leaderboard_bases.csv": rb1_bases(shared)}
    bases = [b for t in tables.values() for b in t["base"]]
    tables["base_features.csv"] = features(shared, bases)
    out.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        df.to_csv(out / name, index=False)
        print(f"{name}: {len(df)} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
