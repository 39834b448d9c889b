"""Audit every bundled number against an independent source where one exists (run from the repository root).

    python scripts/audit_bundled.py [--shared ../shared/data]

Each check prints its tolerance, how many values it compared, the largest disagreement, and the listed exceptions
with their reasons. A disagreement beyond tolerance that is not listed in ``EXCEPTIONS`` is a failure (exit 1);
a listed exception that no longer disagrees is printed as stale (not a failure). Exit 2 when ../shared/data is
absent. Checks:

- leaderboard snapshots: the contents snapshot (2025-02-12) against the final leaderboard (after the Math-Verify
  re-evaluation of MATH Lvl 5, 2025-02-14) for every run the bundled tables use, raw scores and params_b; a third
  source (ObsScaling's own lm-eval runs of base models) for BBH, GPQA, MuSR, MMLU-Pro and the old MATH parser;
- bundled values against their declared source row by row (five from the contents run, MATH Lvl 5 from the
  source named in ``math_lvl5_source``), the leaderboard normalisation, the average = mean of the six, and the
  study's 42 models equal in both bundled tables;
- the study's tables against the paper: Tables 1, 3, 4, 5 as transcribed, score = mean of the four sections, and
  the paper's stated figures (gains of 3 to 14 points over the default base, SFT +15.5 %, DPO/RLVR -3 to -5 %);
- the external tables against their shared sources, and against the public RewardBench leaderboards;
- the Swallow tables (scripts/audit_swallow.py): every value against its snapshot file, a rebuild, the rule counts
  stated in their DATA.md, and the rank agreement with the bundled leaderboard table.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from audit_swallow import swallow_checks
from leaderboard_final import OTHER_FIVE, ROUNDING, SIX, final_row, load_contents, load_final

from rmbase.benchmarks.normalise import normalise_aggregate
from rmbase.model_ids import canonical_model_id

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "rmbase" / "datasets"
SECTIONS = ["chat", "chat_hard", "safety", "reasoning"]

_RESCORED = ("same run (every other raw score identical); this score was re-scored between the snapshots by "
             "< 0.002 raw (0.2 points); the bundled value is the snapshot's")
_OTHER_RUN = ("the final table's row of this model and precision is another run (every score differs); its MATH "
              "Lvl 5 is not used (math_lvl5_source = contents)")
_ROUNDED = ("the leaderboard's count is a rounded figure ({lb}B); Table 3's {t3}B is the checkpoint's (the study's "
            "params_b feature; note that recommend sizes candidates with the leaderboard's)")
EXCEPTIONS: dict[str, dict[str, str]] = {  # check -> item -> why the disagreement is accepted
    "snapshots ifeval": {
        "allenai_OLMoE-1B-7B-0924-Instruct_bfloat16": _RESCORED, "HuggingFaceTB_SmolLM2-135M_bfloat16": _RESCORED,
        "NousResearch_Yarn-Solar-10b-32k_bfloat16": _RESCORED, "openchat_openchat-3.5-0106_bfloat16": _RESCORED,
        "internlm_internlm2_5-7b-chat_float16": _OTHER_RUN, "microsoft_phi-4_bfloat16": _OTHER_RUN,
        "upstage_SOLAR-10.7B-v1.0_float16": _OTHER_RUN},
    "snapshots bbh": {
        "google_gemma-2b_bfloat16": _RESCORED, "HuggingFaceH4_zephyr-7b-alpha_bfloat16": _RESCORED,
        "mistralai_Mistral-7B-v0.1_bfloat16": _RESCORED, "mistralai_Mistral-7B-v0.3_bfloat16": _RESCORED,
        "internlm_internlm2_5-7b-chat_float16": _OTHER_RUN, "microsoft_phi-4_bfloat16": _OTHER_RUN,
        "upstage_SOLAR-10.7B-v1.0_float16": _OTHER_RUN},
    **{f"snapshots {b}": {"internlm_internlm2_5-7b-chat_float16": _OTHER_RUN, "microsoft_phi-4_bfloat16": _OTHER_RUN,
                          "upstage_SOLAR-10.7B-v1.0_float16": _OTHER_RUN} for b in ("gpqa", "musr", "mmlu_pro")},
    "bundled math_lvl5 = final": {
        "meta-llama_Meta-Llama-3.1-8B-Instruct_bfloat16": "the final table has no bfloat16 (chat-template) row of "
        "Llama-3.1-8B-Instruct, only the float16 no-template run: the snapshot value is kept (pre-Math-Verify; on "
        "the float16 run the re-evaluation moved MATH Lvl 5 by +0.15 points)",
        "meta-llama_Meta-Llama-3.1-8B_bfloat16": "the final table has no bfloat16 row of Llama-3.1-8B, only float16: "
        "the snapshot value is kept (pre-Math-Verify; the float16 run moved by +1.2 points)",
        "internlm_internlm2_5-7b-chat_float16": _OTHER_RUN, "microsoft_phi-4_bfloat16": _OTHER_RUN,
        "upstage_SOLAR-10.7B-v1.0_float16": _OTHER_RUN},
    "paper params_b vs leaderboard": {
        m: _ROUNDED.format(t3=t3, lb=lb) for m, t3, lb in (
            ("gemma-2-9b-it", 9.24, 9.0), ("Qwen2.5-3B-Instruct", 3.09, 3.0), ("Qwen2.5-1.5B-Instruct", 1.54, 1.5),
            ("Qwen2.5-0.5B-Instruct", 0.49, 0.5), ("Nemotron-Mini-4B-Instruct", 4.2, 4.0))},
    "skywork RB2 self-reported vs leaderboard": {
        m: ("the Skywork-Reward-V2 README's self-reported RewardBench 2 score differs from the public results by "
            "0.08-0.17 points (their own evaluation run); the bundled table keeps the README's figures, its declared "
            "source; the seven RMs' order is the same in both")
        for m in ("Skywork-Reward-V2-Qwen3-8B", "Skywork-Reward-V2-Qwen3-1.7B", "Skywork-Reward-V2-Llama-3.2-1B")},
}


@dataclass
class Check:
    name: str
    tolerance: float
    unit: str
    diffs: dict[str, float] = field(default_factory=dict)   # item -> signed or absolute disagreement
    skipped: dict[str, str] = field(default_factory=dict)   # item -> why it could not be compared
    note: str = ""

    def add(self, item: str, a: float, b: float) -> None:
        d = float(abs(a - b)) if np.isfinite(a) and np.isfinite(b) else float("inf")
        self.diffs[item] = max(d, self.diffs.get(item, 0.0))

    def report(self) -> bool:
        if self.tolerance == float("inf"):  # informative figure, nothing to agree with
            print(f"[info] {self.name}: {self.note}")
            return True
        listed = EXCEPTIONS.get(self.name, {})
        over = {k: v for k, v in self.diffs.items() if not v <= self.tolerance}
        unlisted = {k: v for k, v in over.items() if k not in listed}
        worst = max(self.diffs.items(), key=lambda kv: kv[1], default=("-", 0.0))
        rest = [v for k, v in self.diffs.items() if k not in listed]
        status = "FAIL" if unlisted else "ok"
        print(f"[{status}] {self.name}: {len(self.diffs)} compared, tolerance {self.tolerance:g} {self.unit}; "
              f"max |disagreement| {worst[1]:.4g} ({worst[0]}); max outside the listed exceptions "
              f"{max(rest, default=0.0):.4g}" + (f"; {self.note}" if self.note else ""))
        for k, v in sorted(over.items(), key=lambda kv: -kv[1]):
            print(f"    {'listed' if k in listed else 'UNLISTED'}: {k} {v:.4g}" + (f" ({listed[k]})" if k in listed else ""))
        for k in sorted(set(listed) - set(over)):
            print(f"    stale listing (within tolerance or not compared): {k}")
        for k, why in sorted(self.skipped.items()):
            print(f"    not compared: {k} ({why})")
        return not unlisted


def _bundled_runs() -> pd.DataFrame:
    """Every (table, model, contents run, MATH source) the bundled tables use."""
    paper = pd.read_csv(DATA / "paper_2505_10775" / "benchmark_rows.csv")
    lb = pd.read_csv(DATA / "leaderboard_v2" / "models.csv", keep_default_na=False)
    ext = pd.read_csv(DATA / "external" / "base_features.csv").dropna(subset=["oll_run"])
    return pd.concat([
        pd.DataFrame({"table": "paper", "model": paper.model, "run": paper.eval_name, "src": paper.math_lvl5_source}),
        pd.DataFrame({"table": "leaderboard_v2", "model": lb.model, "run": lb.eval_name, "src": lb.math_lvl5_source}),
        pd.DataFrame({"table": "external", "model": ext.base, "run": ext.oll_run, "src": ext.math_lvl5_source}),
    ], ignore_index=True)


def _bundled_values() -> dict[str, pd.DataFrame]:
    """Table -> model x (six + oll_average), normalised 0-100."""
    paper = pd.read_csv(DATA / "paper_2505_10775" / "benchmarks.csv")
    lb = pd.read_csv(DATA / "leaderboard_v2" / "scores.csv")
    ext = pd.read_csv(DATA / "external" / "base_features.csv").dropna(subset=["oll_run"]).set_index("base")
    cols = [*SIX, "oll_average"]
    return {"paper": paper.pivot(index="model", columns="benchmark", values="value")[cols],
            "leaderboard_v2": lb.pivot(index="model", columns="benchmark", values="value")[cols],
            "external": ext[cols]}


def snapshot_checks(shared: Path, contents: pd.DataFrame, final: pd.DataFrame) -> list[Check]:
    runs = _bundled_runs().drop_duplicates("run")
    checks = {b: Check(f"snapshots {b}", ROUNDING + 1e-9, "raw (0-1)",
                       note="contents snapshot vs final table, same model and precision") for b in OTHER_FIVE}
    params = Check("snapshots params_b", 5e-4 + 1e-9, "billion", note="contents params_b vs final params_billions")
    math_old = Check("snapshots math_lvl5 (re-evaluation)", float("inf"), "raw (0-1)",
                     note="informative: how far Math-Verify moved the bundled runs' MATH Lvl 5")
    for r in runs.itertuples():
        row = contents.loc[r.run]
        f, _, why = final_row(row, final)
        if f is None:
            for c in (*checks.values(), params):
                c.skipped[r.run] = why
            continue
        for b, c in checks.items():
            c.add(r.run, float(row[f"{b}_raw"]), float(f[b]))
        if float(f["params_billions"]) > 0:
            params.add(r.run, float(row["params_b"]), float(f["params_billions"]))
        math_old.add(r.run, float(row["math_lvl5_raw"]), float(f["math_lvl5"]))
    d = np.array(list(math_old.diffs.values()))
    math_old.note += (f"; {len(d)} runs: median {np.median(d):.4f}, {int((d > 0.01).sum())} moved by more than "
                      "1 point")
    math_old.diffs = {}  # reported as a summary, not item by item
    return [*checks.values(), params, math_old, obsscaling_check(shared, contents)]


def obsscaling_check(shared: Path, contents: pd.DataFrame) -> Check:
    """A third source: ObsScaling's own lm-eval leaderboard runs of base models (mid-2024, old MATH parser)."""
    obs = pd.read_csv(shared / "obsscaling_base_llm_benchmarks" / "base_llm_leaderboard_v2_eval.csv")
    obs["key"] = obs["Model"].map(canonical_model_id)
    lb = pd.read_csv(DATA / "leaderboard_v2" / "models.csv", keep_default_na=False)
    lb["key"] = lb.model.map(canonical_model_id)
    j = lb.merge(obs, on="key")
    c = Check("third source: ObsScaling runs vs snapshot", 0.02, "raw (0-1)",
              note=f"{len(j)} base models in both; BBH, GPQA, MuSR, MMLU-Pro and MATH Lvl 5 (old parser, so "
              "against the snapshot's pre-Math-Verify value); independent runs, so 2 points; IFEval not compared "
              "(ObsScaling's column is another IFEval metric: lower by 0.04-0.07 for every model)")
    for r in j.itertuples():
        row = contents.loc[r.eval_name]
        for b, col in (("bbh", "leaderboard_bbh"), ("gpqa", "leaderboard_gpqa"), ("musr", "leaderboard_musr"),
                       ("mmlu_pro", "leaderboard_mmlu_pro"), ("math_lvl5", "leaderboard_math_hard")):
            c.add(f"{r.model} {b}", float(row[f"{b}_raw"]), float(getattr(r, col)))
    return c


def bundled_checks(contents: pd.DataFrame, final: pd.DataFrame) -> list[Check]:
    runs, values = _bundled_runs(), _bundled_values()
    five = Check("bundled five = contents run", 5e-5, "points",
                 note="IFEval, BBH, GPQA, MuSR, MMLU-Pro of every bundled table vs the chosen contents row "
                 "(external table rounded to 4 decimals)")
    math = Check("bundled math_lvl5 = final", 5e-5 + 1e-9, "points",
                 note="MATH Lvl 5 vs the final table's raw x 100 (rows marked contents=final: the snapshot's "
                 "value, within the final's rounding; the external table rounds to 4 decimals)")
    norm = Check("leaderboard normalisation", 1e-6, "points",
                 note="snapshot normalised = rmbase's normalise_aggregate(snapshot raw) for IFEval, MATH Lvl 5, "
                 "GPQA, MMLU-Pro (BBH and MuSR need subtask scores: not recomputable from the tables)")
    avg = Check("oll_average = mean of the six", 1e-4, "points")
    for r in runs.itertuples():
        v = values[r.table].loc[r.model]
        row = contents.loc[r.run]
        for b in OTHER_FIVE:
            five.add(f"{r.table}:{r.model} {b}", float(v[b]), float(row[b]))
        avg.add(f"{r.table}:{r.model}", float(v["oll_average"]), float(v[list(SIX)].mean()))
        for b in ("ifeval", "math_lvl5", "gpqa", "mmlu_pro"):
            norm.add(f"{r.run} {b}", float(row[b]), normalise_aggregate(b, float(row[f"{b}_raw"])))
        f, _, _ = final_row(row, final)
        if r.src == "final":
            d = abs(float(v["math_lvl5"]) - 100 * float(f["math_lvl5"]))
        elif r.src == "contents=final":
            d = max(abs(float(v["math_lvl5"]) - float(row["math_lvl5"])),
                    abs(float(row["math_lvl5_raw"]) - float(f["math_lvl5"])) - ROUNDING)
        else:  # kept from the snapshot: counts as a disagreement unless listed with its reason
            d = abs(float(v["math_lvl5"]) - 100 * float(f["math_lvl5"])) if f is not None else float("inf")
        math.diffs[r.run] = max(d, math.diffs.get(r.run, 0.0))  # a run used by several tables: the worst
    study = Check("study models: both bundled tables agree", 1e-6, "points")
    rows = pd.read_csv(DATA / "paper_2505_10775" / "benchmark_rows.csv")
    lb_models = pd.read_csv(DATA / "leaderboard_v2" / "models.csv", keep_default_na=False)
    by_key = dict(zip(lb_models.model.map(canonical_model_id), lb_models.model, strict=True))
    for r in rows.itertuples():
        lb_row = values["leaderboard_v2"].loc[by_key[canonical_model_id(r.hf_id)]]
        for b in (*SIX, "oll_average"):
            study.add(f"{r.model} {b}", float(values["paper"].loc[r.model, b]), float(lb_row[b]))
    return [five, math, norm, avg, study]


def paper_checks(shared: Path, contents: pd.DataFrame) -> list[Check]:
    src = shared / "paper_2505_10775"
    out = []
    for file, mine, key in (("rewardbench_results.csv", "rewardbench.csv", ["model", "recipe"]),
                            ("base_models.csv", "models.csv", ["model"]),
                            ("post_training.csv", "post_training.csv", ["model"])):
        pub, ours = pd.read_csv(src / file), pd.read_csv(DATA / "paper_2505_10775" / mine)
        c = Check(f"paper {mine} = transcribed tables", 0.0, "(exact)")
        j = pub.merge(ours, on=key, suffixes=("_pub", ""), how="outer", indicator="which")
        for r in j.itertuples():
            if r.which != "both":
                c.diffs[" ".join(str(getattr(r, k)) for k in key)] = float("inf")
        num = [k for k in ours.columns if k not in key and f"{k}_pub" in j and pd.api.types.is_numeric_dtype(ours[k])]
        for r in j[j["which"] == "both"].itertuples(index=False):
            d = r._asdict()
            c.add(" ".join(str(d[k]) for k in key), max(abs(d[k] - d[f"{k}_pub"]) for k in num) if num else 0.0, 0)
        out.append(c)
    res = pd.read_csv(DATA / "paper_2505_10775" / "rewardbench.csv")
    post = pd.read_csv(DATA / "paper_2505_10775" / "post_training.csv")
    mean4 = Check("paper score = mean of the four sections", 0.05 + 1e-9, "points",
                  note="published to one decimal: a rounded mean of four rounded sections")
    for df, name in ((res, "rewardbench"), (post, "post_training")):
        for r in df.itertuples():
            mean4.add(f"{name}:{r.model} {getattr(r, 'recipe', 'regression')}", r.score,
                      float(np.mean([getattr(r, s) for s in SECTIONS])))
    out.append(mean4)
    out += stated_figures(res, post)
    models = pd.read_csv(DATA / "paper_2505_10775" / "models.csv")
    rows = pd.read_csv(DATA / "paper_2505_10775" / "benchmark_rows.csv").set_index("model")
    params = Check("paper params_b vs leaderboard", 0.5, "% of Table 3's count",
                   note="Table 3's parameter counts vs the leaderboard's, beyond Table 3's two-decimal rounding")
    for r in models.itertuples():
        lb = float(contents.loc[rows.loc[r.model, "eval_name"], "params_b"])
        params.add(r.model, 100 * max(abs(r.params_b - lb) - 0.005, 0.0) / r.params_b, 0.0)
    out.append(params)
    return out


def stated_figures(res: pd.DataFrame, post: pd.DataFrame) -> list[Check]:
    """The paper's stated figures recomputed from its own tables (independent of rmbase's analysis code)."""
    models = pd.read_csv(DATA / "paper_2505_10775" / "models.csv").set_index("model")
    gains = []
    for recipe in ("regression", "bradley_terry"):
        s = res[res.recipe == recipe].set_index("model").score
        size = models.params_b.reindex(s.index)
        for group, mask, default in (("<3B", size < 3, "Llama-3.2-1B-Instruct"),
                                     ("3-6B", (size >= 3) & (size < 6), "Llama-3.2-3B-Instruct"),
                                     (">=6B", size >= 6, "Llama-3.1-8B-Instruct")):
            gains.append((f"{recipe} {group}", float(s[mask].max() - s[default])))
    lo, hi = min(g for _, g in gains), max(g for _, g in gains)
    c = Check("paper: best base of a size group gains 3 to 14 points over the default", 0.5, "points",
              note=f"gains {', '.join(f'{k} {g:.1f}' for k, g in gains)}; compared: the smallest with 3 and the "
              "largest with 14 (stated as whole points)")
    c.add("smallest gain", lo, 3.0)
    c.add("largest gain", hi, 14.0)
    p = post.set_index("stage").score
    sft = 100 * (p["sft"] / p["base"] - 1)
    after = [100 * (p[st] / p["sft"] - 1) for st in ("sft+dpo", "sft+dpo+rlvr")]
    c2 = Check("paper: SFT +15.5 % over the base; DPO/RLVR lose 3-5 % after it", 0.05 + 1e-9, "%",
               note=f"SFT {sft:+.2f} %, after SFT {after[0]:+.2f} % and {after[1]:+.2f} %")
    c2.add("sft", sft, 15.5)
    c2.add("dpo/rlvr within -3..-5", max(0.0, max(after) - (-3.0)) + max(0.0, -5.0 - min(after)), 0.0)
    return [c, c2]


def external_checks(shared: Path) -> list[Check]:
    ext = DATA / "external"
    out = []
    grid = pd.read_csv(shared / "rb2_allenai_base_grid" / "rb2_allenai_trained_rms.csv")
    v2 = pd.read_csv(shared / "rewardbench_eee" / "rewardbench_v2_leaderboard.csv").set_index("model")
    c = Check("external rb2 grid runs vs RewardBench 2 leaderboard", 5e-5, "(0-1)",
              note="every run of the AllenAI grid against the public RewardBench 2 results")
    for r in grid.itertuples():
        c.add(r.rm, r.rb2_score, float(v2.score.get(r.rm, np.nan)))
    out.append(c)
    clean = grid[grid.flipped_pct.isna() | grid.flipped_pct.eq(0)].groupby("base_model").rb2_score
    mine = pd.read_csv(ext / "rb2_base_grid.csv").set_index("base")
    c = Check("external rb2_base_grid.csv = grid (best, median)", 5e-5 + 1e-9, "(0-1)")
    for b in mine.index:
        c.add(f"{b} best", mine.loc[b, "rb2_best"], clean.max().get(b, np.nan))
        c.add(f"{b} median", mine.loc[b, "rb2_median"], clean.median().get(b, np.nan))
    out.append(c)
    sky = pd.read_csv(ext / "skywork_v2.csv")
    names = pd.read_csv(shared / "skywork_reward_v2" / "skywork_v2_base_models.csv").set_index("rm").rm_hf_id
    c = Check("skywork RB2 self-reported vs leaderboard", 0.05 + 1e-9, "points",
              note="Skywork-Reward-V2 README (self-reported, one decimal) vs the public RewardBench 2 results")
    for r in sky.itertuples():
        c.add(r.rm, r.rewardbench_v2, 100 * float(v2.score.get(names[r.rm], np.nan)))
    out.append(c)
    joined = pd.read_csv(shared / "rm_base_models" / "rm_with_base_benchmarks_joined.csv")
    v1 = pd.read_csv(shared / "rewardbench_eee" / "rewardbench_v1_leaderboard.csv")
    keep = (joined.rb1_type.eq("Seq. Classifier") & joined.map_confidence.isin(["high", "medium"])
            & joined.rb1_score.notna() & ~joined.root_base_llm.astype(str).str.startswith("unknown"))
    c = Check("external RB1 scores of the RMs used vs RewardBench v1 leaderboard", 5e-5, "(0-1)",
              note="the joined table's rb1_score of every RM that rb1_leaderboard_bases.csv aggregates")
    counts = v1.model.value_counts()
    for r in joined[keep].itertuples():
        if counts.get(r.rm, 0) != 1:
            c.skipped[r.rm] = (f"{counts.get(r.rm, 0)} leaderboard rows with this name (truncated by the "
                               "leaderboard)" if counts.get(r.rm, 0) else "not in this leaderboard export")
            continue
        c.add(r.rm, r.rb1_score, float(v1.set_index("model").score[r.rm]))
    out.append(c)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(ROOT.parent / "shared" / "data"))
    shared = Path(ap.parse_args(argv).shared)
    if not shared.is_dir():
        print(f"shared data folder not found: {shared}", file=sys.stderr)
        return 2
    contents = load_contents(shared).set_index("eval_name", drop=False)
    final = load_final(shared)
    ok = True
    for title, checks in (("Leaderboard snapshots", snapshot_checks(shared, contents, final)),
                          ("Bundled values against their declared sources", bundled_checks(contents, final)),
                          ("The study's tables against the paper", paper_checks(shared, contents)),
                          ("External tables", external_checks(shared)),
                          ("Swallow LLM Leaderboard tables", swallow_checks(shared, Check))):
        print(f"\n## {title}")
        for c in checks:
            ok &= c.report()
    print("\naudit: " + ("every disagreement beyond tolerance is listed with its reason" if ok
                         else "UNLISTED disagreements beyond tolerance (see FAIL lines)"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
