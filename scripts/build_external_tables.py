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
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from rmbase.benchmarks.leaderboard import AVERAGE, SIX

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "rmbase" / "datasets" / "external"


def rb2_grid(shared: Path) -> pd.DataFrame:
    df = pd.read_csv(shared / "rb2_allenai_base_grid" / "rb2_allenai_trained_rms.csv")
    clean = df[df["flipped_pct"].isna() | df["flipped_pct"].eq(0)]
    g = clean.groupby("base_model")
    out = pd.DataFrame({
        "n_runs": g.size(),
        "rb2_best": g["rb2_score"].max().round(4),
        "rb2_median": g["rb2_score"].median().round(4),
        "mapping": g["base_evidence"].agg(lambda s: "inferred" if s.astype(str).str.startswith("INFERRED").any()
                                          else "confirmed"),
    }).reset_index().rename(columns={"base_model": "base"})
    return out.sort_values("rb2_best", ascending=False).reset_index(drop=True)


def skywork(shared: Path) -> pd.DataFrame:
    bases = pd.read_csv(shared / "skywork_reward_v2" / "skywork_v2_base_models.csv")
    scores = pd.read_csv(shared / "skywork_reward_v2" / "skywork_v2_rm_benchmarks.csv")
    df = bases.merge(scores, left_on="rm", right_on="model", how="left")
    df = df[~df["rm"].str.endswith("-40M")]  # the 40M-pair variant is a different data recipe
    out = df[["base_model", "rm", "rewardbench_v1", "rewardbench_v2", "avg"]].rename(
        columns={"base_model": "base", "avg": "avg7"})
    return out.sort_values("rewardbench_v2", ascending=False).reset_index(drop=True)


def rb1_bases(shared: Path) -> pd.DataFrame:
    j = pd.read_csv(shared / "rm_base_models" / "rm_with_base_benchmarks_joined.csv")
    keep = (j["rb1_type"].eq("Seq. Classifier") & j["map_confidence"].isin(["high", "medium"])
            & j["rb1_score"].notna() & ~j["root_base_llm"].astype(str).str.startswith("unknown"))
    g = j[keep].groupby("root_base_llm")
    out = pd.DataFrame({"n_rms": g.size(), "rb1_best": (100 * g["rb1_score"].max()).round(2),
                        "rb1_median": (100 * g["rb1_score"].median()).round(2)}).reset_index()
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
