"""Probe results as features: the probe table, joins by model id, the value-of-information rule of `plan`, and the
`--probes` hooks of plan, recommend and study (fake probe results; no model is run)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rmbase.cli import main as cli_main
from rmbase.errors import InputError
from rmbase.probe.table import attach_probes, join_probes, load_probe_table, probe_correlations
from rmbase.selection.probe_value import probe_value

POOL = ["Qwen/Qwen2.5-7B-Instruct", "google/gemma-2-9b-it", "meta-llama/Llama-3.1-8B-Instruct",
        "microsoft/Phi-3-mini-4k-instruct", "Qwen/Qwen2.5-1.5B-Instruct"]


def fake_result(folder, model_id, bt, lik=None, judge=None):
    folder.mkdir(parents=True, exist_ok=True)
    def rec(v):
        return {"applicable": False, "accuracy": None, "reason": "n/a"} if v is None else \
            {"applicable": True, "accuracy": v}
    res = {"model_id": model_id, "data": {"pairs_used": 200},
           "probes": {"frozen_bt": rec(bt), "likelihood": rec(lik), "judge": rec(judge)}}
    (folder / "results.json").write_text(json.dumps(res))
    return folder


@pytest.fixture
def probe_dirs(tmp_path):
    root = tmp_path / "probes"
    for i, (m, bt) in enumerate(zip(POOL[:4], (0.70, 0.66, 0.62, 0.58), strict=True)):
        fake_result(root / f"p{i}", m, bt, lik=0.5 + i / 100, judge=None if i == 3 else 0.6)
    return root


def test_probe_table_reads_a_folder_of_runs_and_marks_what_was_not_applicable(probe_dirs):
    t = load_probe_table([probe_dirs])
    assert list(t.index) == POOL[:4]
    assert t.loc[POOL[0], "probe_frozen_bt"] == 0.70 and np.isnan(t.loc[POOL[3], "probe_judge"])
    assert t.loc[POOL[1], "probe_pairs"] == 200


def test_probe_table_refuses_duplicates_and_non_results(probe_dirs, tmp_path):
    fake_result(tmp_path / "again", POOL[0], 0.5)
    with pytest.raises(InputError, match="twice"):
        load_probe_table([probe_dirs, tmp_path / "again"])
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "results.json").write_text("{}")
    with pytest.raises(InputError, match="not an rmbase probe results file"):
        load_probe_table([tmp_path / "junk"])
    with pytest.raises(InputError, match="no probe results"):
        load_probe_table([tmp_path / "empty-nothing"])


def test_join_by_model_id_in_any_spelling(probe_dirs):
    import pandas as pd

    feats = pd.DataFrame({"x": [1.0, 2.0]}, index=["qwen2.5-7b-instruct", "meta-llama/Meta-Llama-3.1-8B-Instruct"])
    joined, unmatched = join_probes(feats, load_probe_table([probe_dirs]))
    assert joined.loc["qwen2.5-7b-instruct", "probe_frozen_bt"] == 0.70
    assert joined.loc["meta-llama/Meta-Llama-3.1-8B-Instruct", "probe_frozen_bt"] == 0.62
    assert sorted(unmatched) == sorted([POOL[1], POOL[3]])
    rows = [{"model": "google/gemma-2-9b-it"}, {"model": "other/model"}]
    attach_probes(rows, load_probe_table([probe_dirs]))
    assert rows[0]["probes"]["probe_frozen_bt"] == 0.66 and rows[1]["probes"]["probe_frozen_bt"] is None


def test_probe_correlations_need_three_models(probe_dirs):
    import pandas as pd

    t = load_probe_table([probe_dirs])
    y = pd.Series([80.0, 75.0, 70.0, 60.0], index=POOL[:4])
    c = probe_correlations(t, y)
    assert c["probe_frozen_bt"] == {"n": 4, "spearman": pytest.approx(1.0), "kendall": pytest.approx(1.0)}
    assert c["probe_judge"]["n"] == 3 and c["probe_judge"]["spearman"] is None  # judge is constant: no ranking
    assert probe_correlations(t, y.iloc[:2])["probe_frozen_bt"]["spearman"] is None


def test_value_of_information_grows_with_rho_and_falls_with_cost():
    mu, sd = np.array([70.0, 69.0, 68.0, 60.0]), np.array([4.0, 4.0, 4.0, 4.0])
    none = probe_value(mu, sd, rho=0.0, probe_cost=0.01, train_cost=1.0, best=71.0)
    assert none["value_of_information"] == pytest.approx(0.0, abs=1e-9) and not none["probe_first"]
    weak = probe_value(mu, sd, rho=0.3, probe_cost=0.01, train_cost=1.0, best=71.0)
    strong = probe_value(mu, sd, rho=0.9, probe_cost=0.01, train_cost=1.0, best=71.0)
    assert 0 < weak["value_of_information"] < strong["value_of_information"]
    assert strong["probe_first"]
    dear = probe_value(mu, sd, rho=0.9, probe_cost=10.0, train_cost=1.0, best=71.0)
    assert not dear["probe_first"] and dear["value_of_information"] == pytest.approx(strong["value_of_information"])
    assert dear["break_even_probe_cost"] == pytest.approx(strong["break_even_probe_cost"])
    assert 0.01 < strong["break_even_probe_cost"] < 10.0
    with pytest.raises(InputError):
        probe_value(mu, sd, rho=1.5, probe_cost=0.1, train_cost=1.0)


def test_plan_uses_a_probe_feature_and_answers_whether_to_probe(probe_dirs, tmp_path, capsys):
    out = tmp_path / "plan.json"
    args = ["plan", "--candidates", ",".join(POOL), "--probes", str(probe_dirs), "--probe-feature",
            "probe_frozen_bt", "--json", str(out)]
    assert cli_main(args) == 0
    res = json.loads(out.read_text())
    assert res["n_pool"] == 4 and {"model": POOL[4], "reason": "no probe_frozen_bt"} in res["unscorable"]
    assert res["proposals"][0]["model"] in POOL[:4]
    assert cli_main(["plan", "--candidates", ",".join(POOL), "--probes", str(probe_dirs), "--probe-rho", "0.6",
                     "--probe-cost", "0.05", "--train-cost", "4", "--json", str(out)]) == 0
    res = json.loads(out.read_text())
    assert res["probe_value"]["n_candidates"] == 1  # only the unprobed candidate is left to probe
    assert "value of information" in capsys.readouterr().out
    assert cli_main(["plan", "--candidates", ",".join(POOL), "--probe-rho", "0.6"]) == 2
    assert cli_main(["plan", "--candidates", ",".join(POOL), "--probes", str(probe_dirs), "--probe-feature",
                     "probe_oracle"]) == 2


def test_recommend_shows_probes_beside_predictions(probe_dirs, tmp_path):
    out = tmp_path / "rec.json"
    assert cli_main(["recommend", "--candidates", ",".join(POOL), "--probes", str(probe_dirs), "--json",
                     str(out)]) == 0
    res = json.loads(out.read_text())
    by = {r["model"]: r["probes"] for r in res["ranking"]}
    assert by[POOL[0]]["probe_frozen_bt"] == 0.70 and by[POOL[4]]["probe_frozen_bt"] is None


def test_study_reports_probe_correlations(probe_dirs, tmp_path):
    out = tmp_path / "study"
    assert cli_main(["study", "--recipe", "bradley_terry", "--no-selection", "--no-out-of-fold", "--probes",
                     str(probe_dirs), "--out", str(out)]) == 0
    text = (out / "study.json").read_text()
    assert "NaN" not in text
    probes = json.loads(text)["probes"]
    # the fake probes name four of the study's bases by org/name ids (the study writes names only): all four join
    c = probes["correlations"]["probe_frozen_bt"]
    assert c["n"] == 4 and -1.0 <= c["spearman"] <= 1.0
    assert {r["model"] for r in probes["values"]} == set(POOL[:4])
