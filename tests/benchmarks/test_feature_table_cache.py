"""The harmonised feature table's per-user cache: the same inputs read the stored table (identical to a fresh
build), other inputs or config never do, and a broken or unwritable cache only costs the rebuild."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rmbase.benchmarks import SIX, HarmoniseConfig, build_feature_table
from rmbase.benchmarks import harmonise as H

FRAMES = ("values", "status", "origin", "sd", "models", "conflicts")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("RMBASE_CACHE_DIR", str(tmp_path))
    return tmp_path / H.CACHE_KIND


@pytest.fixture
def world():
    """60 models with two latent abilities; the six leaderboard scores of every fourth one are missing (mapped)."""
    rng = np.random.default_rng(0)
    ids = [f"org{i % 5}/model-{i}" for i in range(60)]
    scores = 30 + rng.normal(size=(60, 2)) @ rng.uniform(2, 6, size=(2, 6)) + rng.normal(size=(60, 6))
    long = pd.DataFrame([{"model": ids[i], "benchmark": b, "value": scores[i, j], "scale": "normalised",
                          "source": "open-llm-leaderboard/contents:x"} for i in range(60) if i % 4
                         for j, b in enumerate(SIX[:4] if i % 4 == 1 else SIX)])
    models = pd.DataFrame({"model": ids, "params_b": np.round(rng.uniform(0.5, 14, size=60), 2), "stage": "pre"})
    return [long[long.benchmark.isin(SIX[:3])], long[~long.benchmark.isin(SIX[:3])]], models


def counting_fill(monkeypatch) -> list[int]:
    calls = []
    real = H.fill

    def fill(obs, config):
        calls.append(1)
        return real(obs, config)

    monkeypatch.setattr(H, "fill", fill)
    return calls


def same(a, b) -> None:
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
    assert a.notes == b.notes
    assert a.fit.keys() == b.fit.keys() and a.fit["rank"] == b.fit["rank"]
    assert a.fit["calibration"] == b.fit["calibration"]


def test_the_second_build_reads_the_stored_table_identical_to_the_first(cache, world, monkeypatch):
    calls = counting_fill(monkeypatch)
    tables, models = world
    first = build_feature_table(tables, models, HarmoniseConfig(rank=2))
    assert len(calls) == 1 and len(list(cache.glob("*.pkl"))) == 1
    second = build_feature_table(tables, models, HarmoniseConfig(rank=2))
    assert len(calls) == 1  # read, not fitted again
    same(first, second)
    second.values.iloc[0, 0] = -1.0  # a caller's edit never reaches the cache
    same(first, build_feature_table(tables, models, HarmoniseConfig(rank=2)))


def test_another_value_or_config_is_another_entry(cache, world, monkeypatch):
    calls = counting_fill(monkeypatch)
    tables, models = world
    build_feature_table(tables, models, HarmoniseConfig(rank=2))
    edited = tables[0].copy()
    edited.loc[0, "value"] += 0.5
    changed = build_feature_table([edited, tables[1]], models, HarmoniseConfig(rank=2))
    assert len(calls) == 2
    assert changed.values.loc[edited.loc[0, "model"], edited.loc[0, "benchmark"]] == edited.loc[0, "value"]
    build_feature_table(tables, models, HarmoniseConfig(rank=3))
    build_feature_table(tables, models.assign(params_b=models.params_b + 1), HarmoniseConfig(rank=2))
    assert len(calls) == 4 and len(list(cache.glob("*.pkl"))) == 4


def test_a_broken_entry_is_rebuilt_and_an_unwritable_cache_is_skipped(cache, world, monkeypatch, tmp_path):
    calls = counting_fill(monkeypatch)
    tables, models = world
    first = build_feature_table(tables, models, HarmoniseConfig(rank=2))
    (entry,) = cache.glob("*.pkl")
    entry.write_bytes(b"not a pickle")
    same(first, build_feature_table(tables, models, HarmoniseConfig(rank=2)))
    assert len(calls) == 2
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("RMBASE_CACHE_DIR", str(blocker))  # its "features" folder cannot be made
    same(first, build_feature_table(tables, models, HarmoniseConfig(rank=2)))
    assert len(calls) == 3
