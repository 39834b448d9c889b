"""The leaderboard contents table in its Hub column names (local raw CSV, or `open-llm-leaderboard/contents`)."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.lm_eval_samples import shared_data
from rmbase.benchmarks import import_files
from rmbase.errors import InputError


@pytest.fixture(scope="module")
def raw_sample(tmp_path_factory):
    src = pd.read_csv(shared_data("open_llm_leaderboard_v2_contents", "open_llm_leaderboard_v2_contents_raw.csv"))
    sample = src[src.fullname.str.startswith(("meta-llama/", "Qwen/Qwen2.5-7B", "google/gemma-2-2b"))]
    path = tmp_path_factory.mktemp("raw") / "contents_raw.csv"
    sample.to_csv(path, index=False)
    return sample, path


def test_hub_column_names_match_the_clean_table(raw_sample, tmp_path):
    sample, path = raw_sample
    clean_src = pd.read_csv(shared_data("open_llm_leaderboard_v2_contents", "open_llm_leaderboard_v2_contents_clean.csv"))
    clean_path = tmp_path / "clean.csv"
    clean_src[clean_src.eval_name.isin(sample.eval_name)].to_csv(clean_path, index=False)
    a = import_files([path], scale="both").public().sort_values(["model", "benchmark", "scale"]).reset_index(drop=True)
    b = import_files([clean_path], scale="both").public().sort_values(["model", "benchmark", "scale"]).reset_index(
        drop=True)
    assert len(a) > 50
    pd.testing.assert_frame_equal(a, b)


def test_hub_dataset_path(raw_sample, monkeypatch):
    """`open-llm-leaderboard/contents` goes through datasets.load_dataset (replaced here: the Hub is offline)."""
    datasets = pytest.importorskip("datasets")
    sample, _ = raw_sample
    calls = []

    def fake_load_dataset(name, split=None, **kw):
        calls.append((name, split))
        return datasets.Dataset.from_pandas(sample.reset_index(drop=True))

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    table = import_files(["open-llm-leaderboard/contents"])
    assert calls == [("open-llm-leaderboard/contents", "train")]
    llama = table.for_model("meta-llama/Meta-Llama-3.1-8B-Instruct").set_index("benchmark")
    chosen = sample[(sample.fullname == "meta-llama/Meta-Llama-3.1-8B-Instruct")].iloc[0]
    assert chosen["Chat Template"]
    assert llama.loc["ifeval", "value"] == pytest.approx(chosen["IFEval"])
    assert llama.loc["ifeval", "source"].endswith(chosen.eval_name)

    def offline(name, split=None, **kw):
        raise ConnectionError("no network")

    monkeypatch.setattr(datasets, "load_dataset", offline)
    with pytest.raises(InputError, match="cannot load the Hub dataset.*local CSV/Parquet copy"):
        import_files(["hf://open-llm-leaderboard/contents"])
