"""`presence compare`: shared bins, Jensen-Shannon distances against scipy, the sharing rule, the CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import jensenshannon

from helpers.presence import fake_presence
from rmbase.cli import main as cli_main
from rmbase.errors import InputError
from rmbase.presence import compare as C


@pytest.fixture
def three(tmp_path):
    rng = np.random.default_rng(0)
    a = {"code": rng.normal(-2, 0.3, 300), "prose": rng.normal(-3, 0.3, 300)}
    b = {"code": rng.normal(-2.2, 0.3, 300), "prose": rng.normal(-3.1, 0.3, 300)}  # close to a
    r = {"code": rng.normal(-10.8, 0.05, 300), "prose": rng.normal(-10.8, 0.05, 300)}  # far from both
    return [fake_presence(tmp_path / n, n, s, family=f, params_b=p, pretrain_tokens_t=t)
            for n, s, f, p, t in (("org/A-7B", a, "A", 7.0, 2.0), ("org/B-1B", b, "B", 1.0, 2.0),
                                  ("org/R", r, None, None, None))]


def test_distances_are_scipy_jsd_on_shared_pooled_bins(three):
    scored = C.load_scored(three)
    result = C.compare(scored, bins=20)
    assert result["categories"] == ["code", "prose", "all"]
    a, b = scored[0].scores, scored[1].scores
    for scope in ("code", "all"):
        xa = a.score[a.category == scope] if scope != "all" else a.score
        xb = b.score[b.category == scope] if scope != "all" else b.score
        xr = scored[2].scores.score if scope == "all" else \
            scored[2].scores.score[scored[2].scores.category == scope]
        pooled = np.concatenate([xa, xb, xr])
        edges = np.linspace(pooled.min(), pooled.max(), 21)
        expected = jensenshannon(np.histogram(xa, edges)[0], np.histogram(xb, edges)[0], base=2)
        assert result["pairs"][0][scope] == pytest.approx(expected)
    m = C.distance_matrix(result, "all")
    assert m.loc["org/A-7B", "org/R"] > m.loc["org/A-7B", "org/B-1B"]
    assert m.loc["org/A-7B", "org/R"] == pytest.approx(1.0)  # disjoint histograms
    assert (np.diag(m) == 0).all() and np.allclose(m, m.T)


def test_js_distance_edge_cases():
    edges = np.linspace(0, 1, 5)
    x = np.array([0.1, 0.4, 0.6])
    assert C.js_distance(x, x, edges) == 0.0
    assert C.js_distance(x, np.array([]), edges) is None
    assert C.js_distance(np.array([0.05]), np.array([0.95]), edges) == pytest.approx(1.0)
    assert C.shared_edges([np.array([2.0]), np.array([2.0])], 4) is not None  # one value: still valid bins
    with pytest.raises(InputError):
        C.compare(C.load_scored([]), bins=10)


def test_sharing_rule_fills_unscored_family_members(three, tmp_path):
    models = pd.DataFrame({"model": ["org/A-7B", "org/A-1B", "org/A-3B-more-tokens", "org/B-1B", "org/B-0.5B"],
                           "family": ["A", "A", "A", "B", "B"], "params_b": [7.0, 1.0, 3.0, 1.0, 0.5],
                           "pretrain_tokens_t": [2.0, 2.0, 9.0, 2.0, 2.0]})
    models.to_csv(tmp_path / "models.csv", index=False)
    result = C.compare_folders(three, share_family=True, models_file=tmp_path / "models.csv", bins=20)
    shared = {m["model"]: m["shared_from"] for m in result["models"]}
    assert shared == {"org/A-7B": None, "org/B-1B": None, "org/R": None, "org/A-1B": "org/A-7B",
                      "org/B-0.5B": "org/B-1B"}  # A-3B saw other tokens: not shared
    pair = next(p for p in result["pairs"] if {p["model_a"], p["model_b"]} == {"org/A-7B", "org/A-1B"})
    assert pair["all"] == 0.0 and pair["shared_b"] == "org/A-7B"
    # the largest scored member is the donor when several share the token count
    fake_presence(tmp_path / "a13", "org/A-13B", {"code": np.array([-1.0, -1.1])}, family="A", params_b=13.0,
                  pretrain_tokens_t=2.0)
    scored = C.apply_models_table(C.load_scored([*three, tmp_path / "a13"]), models)
    assert C.share_sources(scored, models)["org/A-1B"] == "org/A-13B"
    with pytest.raises(InputError, match="needs --models"):
        C.compare_folders(three, share_family=True)


def test_cli_compare_writes_json_csv_and_config(three, tmp_path, capsys):
    out = tmp_path / "cmp" / "jsd.json"
    assert cli_main(["presence", "compare", *map(str, three), "--out", str(out), "--bins", "10"]) == 0
    result = json.loads(out.read_text())
    assert result["bins"] == 10 and len(result["pairs"]) == 3 and "provenance" in result
    assert "bins: 10" in (tmp_path / "cmp" / "jsd.config.yaml").read_text()
    assert "Jensen-Shannon" in capsys.readouterr().out
    assert cli_main(["presence", "compare", *map(str, three), "--out", str(tmp_path / "jsd.csv")]) == 0
    table = pd.read_csv(tmp_path / "jsd.csv")
    assert len(table) == 3 * 3 and set(table.category) == {"code", "prose", "all"}
    assert cli_main(["presence", "compare", str(three[0]), str(tmp_path / "nothing"), "--out",
                     str(tmp_path / "x.json")]) == 2
    assert cli_main(["presence", "compare", *map(str, three), "--out", str(tmp_path / "x.txt")]) == 2
    assert not (tmp_path / "x.json").exists() and not (tmp_path / "x.txt").exists()
