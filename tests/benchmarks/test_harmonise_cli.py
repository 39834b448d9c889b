"""`rmbase benchmarks show` on the harmonised table: observed values with sources, mapped values with origin and
sd, --json, conflicts listed, hostile names printed as typed, bad ids refused as before."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from rmbase.cli import main

HOSTILE = "evil/[red]X[/red]<b>"


def user_scores(path, *, conflict: bool = False):
    """40 models with the six leaderboard scores and two raw tasks; a hostile-named model with only the raw tasks
    (and its size); optionally a second file disagreeing on one model's bbh."""
    rng = np.random.default_rng(0)
    rows = []
    for i in range(40):
        f = rng.normal(size=2)
        m = f"acme/m{i}"
        for j, b in enumerate(["ifeval", "bbh", "math_lvl5", "gpqa", "musr", "mmlu_pro"]):
            rows.append((m, b, 30 + 4 * f[0] + 2 * f[1] * (j % 2) + rng.normal(), "normalised", "runs-a"))
        rows.append((m, "hellaswag", 0.5 + 0.05 * f[0] + 0.01 * rng.normal(), "raw", "runs-a"))
        rows.append((m, "arc", 0.5 + 0.04 * f[0] + 0.03 * f[1] + 0.01 * rng.normal(), "raw", "runs-a"))
    rows += [(HOSTILE, "hellaswag", 0.6, "raw", "runs-a"), (HOSTILE, "arc", 0.55, "raw", "runs-a"),
             (HOSTILE, "params_b", 7.0, "billions", "runs-a")]
    pd.DataFrame(rows, columns=["model", "benchmark", "value", "scale", "source"]).to_csv(path, index=False)
    if conflict:
        other = path.with_name("other.csv")
        other.write_text("model,benchmark,value,scale,source\nacme/m1,bbh,55.0,normalised,runs-b\n")
        return [str(path), str(other)]
    return path


def test_show_prints_mapped_values_with_origin_and_sd_and_writes_json(tmp_path, capsys):
    scores = user_scores(tmp_path / "scores.csv")
    out = tmp_path / "show.json"
    assert main(["benchmarks", "show", HOSTILE, "acme/m1", "--scores", str(scores), "--json", str(out)]) == 0
    shown = capsys.readouterr().out
    assert HOSTILE in shown  # printed as typed: rich markup in a name is not interpreted
    assert "mapped from" in shown and "1.645 sd" in shown
    doc = json.loads(out.read_text())
    hostile, m1 = doc["models"]
    assert hostile["model"] == HOSTILE and m1["model"] == "acme/m1"
    feats = {f["feature"]: f for f in hostile["features"]}
    assert feats["bbh"]["status"] == "mapped" and feats["bbh"]["sd"] > 0
    assert feats["bbh"]["lo90"] < feats["bbh"]["value"] < feats["bbh"]["hi90"]
    assert feats["bbh"]["origin"].startswith("mapped from arc_raw; hellaswag_raw")
    assert feats["hellaswag_raw"] == {"feature": "hellaswag_raw", "value": 0.6, "status": "observed", "sd": 0.0,
                                      "origin": "runs-a", "observations": [{"source": "runs-a", "value": 0.6}]}
    assert feats["params_b"]["value"] == 7.0
    assert feats["oll_average"]["status"] == "mapped"
    assert {f["status"] for f in m1["features"]} == {"observed"}
    assert doc["fit"]["rank"] >= 1 and isinstance(doc["notes"], list)


def test_show_lists_every_value_of_a_conflict(tmp_path, capsys):
    first, second = user_scores(tmp_path / "scores.csv", conflict=True)
    out = tmp_path / "show.json"
    assert main(["benchmarks", "show", "acme/m1", "--scores", first, "--scores", second, "--json", str(out)]) == 0
    shown = capsys.readouterr().out
    assert "runs-b 55.00" in shown and "observed by several sources that disagree" in shown
    bbh = next(f for f in json.loads(out.read_text())["models"][0]["features"] if f["feature"] == "bbh")
    assert sorted(o["source"] for o in bbh["observations"]) == ["runs-a", "runs-b"]
    assert bbh["sd"] > 0 and min(o["value"] for o in bbh["observations"]) < bbh["value"] < 55.0


def test_show_bad_ids_and_bad_json_path(tmp_path, capsys):
    scores = user_scores(tmp_path / "scores.csv")
    assert main(["benchmarks", "show", "nobody/nothing", "--scores", str(scores)]) == 2
    assert "no scores for nobody/nothing in the given score files" in capsys.readouterr().err
    assert main(["benchmarks", "show", "acme/m1", "--scores", str(scores), "--json", str(tmp_path / "x.txt")]) == 2
    assert not (tmp_path / "x.txt").exists()


def test_show_with_bundled_maps_a_users_model_from_every_source(tmp_path, capsys):
    """A model the user scored on two leaderboard benchmarks (and its size) gets the other four and the average
    mapped from the bundled evidence; its own values stay observed, named by the user's file."""
    f = tmp_path / "mine.csv"
    f.write_text("model,benchmark,value,scale\nacme/New-7B,bbh,35.0,normalised\nacme/New-7B,mmlu_pro,33.0,normalised\n"
                 "acme/New-7B,params_b,7.0,billions\n")
    out = tmp_path / "o.json"
    assert main(["benchmarks", "show", "acme/New-7B", "--scores", str(f), "--bundled", "--json", str(out)]) == 0
    feats = {x["feature"]: x for x in json.loads(out.read_text())["models"][0]["features"]}
    assert feats["bbh"]["status"] == "observed" and feats["bbh"]["value"] == 35.0
    assert feats["bbh"]["origin"].startswith("mine.csv")
    for b in ("ifeval", "math_lvl5", "gpqa", "musr", "oll_average"):
        assert feats[b]["status"] == "mapped" and feats[b]["sd"] > 0, b
    assert feats["gpqa"]["origin"] == "mapped from oll-v2: bbh, mmlu_pro + size"
    assert feats["params_b"]["value"] == 7.0
    assert "sw_en_pre_mmlu" in feats and feats["sw_en_pre_mmlu"]["status"] == "mapped"
    shown = capsys.readouterr().out
    assert "sw_en_pre_mmlu" not in shown and "other sources' features not shown (--all prints them" in shown
    assert "[1] mapped from oll-v2: bbh, mmlu_pro + size" in shown
    assert main(["benchmarks", "show", "acme/New-7B", "--scores", str(f), "--bundled", "--all"]) == 0
    shown = capsys.readouterr().out
    assert "sw_en_pre_mmlu" in shown and "not shown" not in shown
