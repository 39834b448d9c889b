"""External validation on the bundled derived tables (and their rebuild from ../shared/data)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from rmbase.selection import external_validation
from rmbase.selection.external import SETS, load_external

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def ext(study):
    return external_validation(study, methods=("oll_average", "sparse_ridge"))


def test_external_validation_covers_every_set_honestly(ext):
    assert [s["set"] for s in ext["sets"]] == list(SETS)
    by = {s["set"]: s for s in ext["sets"]}
    sky = by["skywork_reward_v2"]
    assert sky["n_scorable"] < 5 and sky["verdict"].startswith("cannot judge")
    assert {u["base"] for u in sky["unscorable"]} >= {"Qwen/Qwen3-8B", "Qwen/Qwen3-0.6B"}
    for s in ext["sets"]:
        for m in s["methods"]:
            a = m["all"]
            assert a["n"] == s["n_scorable"]
            if a["spearman"] is not None:
                assert -1 <= a["spearman"] <= 1 and a["regret_at_1"] >= 0
            assert m["study_size_range"]["n"] <= a["n"]


def test_oll_average_agreement_is_recomputable(ext):
    from scipy import stats

    df, target = load_external("rb2_allenai_base_grid")
    df = df.dropna(subset=["oll_average"])
    expected = stats.spearmanr(df["oll_average"], df[target]).statistic
    row = next(m for m in ext["sets"][0]["methods"] if m["method"] == "oll_average")
    assert row["all"]["spearman"] == pytest.approx(expected)


def test_bundled_tables_rebuild_from_shared_data(shared, tmp_path):
    shared("rb2_allenai_base_grid")
    root = shared("rb2_allenai_base_grid").parent
    subprocess.run([sys.executable, str(REPO / "scripts" / "build_external_tables.py"), "--shared", str(root),
                    "--out", str(tmp_path)], check=True, capture_output=True)
    bundled = REPO / "src" / "rmbase" / "datasets" / "external"
    for name in ("rb2_base_grid.csv", "skywork_v2.csv", "rb1_leaderboard_bases.csv", "base_features.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / name), pd.read_csv(bundled / name))
