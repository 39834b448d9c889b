"""Loading and validating training data: formats, counted drops, clear errors."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pytest

from rmbase.errors import InputError
from rmbase.training.data import load_attributes, load_pairs, parse_hh_dialogue, parse_hh_pair

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
HH = SHARED / "hh_rlhf_sample" / "harmless-base_test.jsonl.gz"


def _jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_pairs_jsonl_and_parquet_agree(tmp_path):
    rows = [{"prompt": "hi", "chosen": "hello", "rejected": "go away", "margin": 1.5},
            {"prompt": [{"role": "user", "content": "q"}], "chosen": "a", "rejected": "b", "margin": 0.5}]
    a, rep = load_pairs(_jsonl(tmp_path / "p.jsonl", rows))
    assert rep.format == "pairs" and rep.rows_kept == 2 and not rep.dropped
    assert a["prompt"][0] == [{"role": "user", "content": "hi"}]
    assert list(a["margin"]) == [1.5, 0.5]
    pd.DataFrame(rows[:1]).to_parquet(tmp_path / "p.parquet")
    b, _ = load_pairs(tmp_path / "p.parquet")
    assert b["chosen"][0] == "hello"


def test_skippable_rows_are_dropped_and_counted(tmp_path):
    rows = [{"prompt": "p", "chosen": "x", "rejected": "y"},
            {"prompt": "p", "chosen": "x", "rejected": "y"},      # duplicate
            {"prompt": "p", "chosen": "same", "rejected": "same"},  # identical
            {"prompt": "p", "chosen": "", "rejected": "y"},        # empty
            {"prompt": "", "chosen": "x", "rejected": "z"}]        # empty prompt
    df, rep = load_pairs(_jsonl(tmp_path / "p.jsonl", rows))
    assert len(df) == 1 and rep.rows_read == 5 and rep.rows_kept == 1
    assert sum(rep.dropped.values()) == 4
    assert rep.dropped["duplicate pair (same prompt, chosen and rejected)"] == 1
    assert rep.dropped["chosen identical to rejected"] == 1
    with pytest.raises(InputError, match="row 3.*chosen identical"):
        load_pairs(tmp_path / "p.jsonl", on_bad_rows="error")


def test_helpsteer2_preference_ties_dropped_and_direction(tmp_path):
    rows = [{"prompt": "p1", "response_1": "r1", "response_2": "r2", "preference_strength": -2},
            {"prompt": "p2", "response_1": "r1", "response_2": "r2", "preference_strength": 3},
            {"prompt": "p3", "response_1": "r1", "response_2": "r2", "preference_strength": 0}]
    df, rep = load_pairs(_jsonl(tmp_path / "hs.jsonl", rows))
    assert rep.format == "helpsteer2_preference"
    assert list(df["chosen"]) == ["r1", "r2"] and list(df["margin"]) == [2.0, 3.0]
    assert rep.dropped == {"tie (preference_strength 0)": 1}
    bad = _jsonl(tmp_path / "bad.jsonl", [{**rows[0], "preference_strength": 7}])
    with pytest.raises(InputError, match="row 1.*preference_strength"):
        load_pairs(bad)


def test_clear_errors(tmp_path):
    with pytest.raises(InputError, match="no preference-pair columns"):
        load_pairs(_jsonl(tmp_path / "a.jsonl", [{"question": "x", "answer": "y"}]))
    (tmp_path / "b.jsonl").write_text('{"prompt": "p", "chosen": "a", "rejected": "b"}\n{not json\n')
    with pytest.raises(InputError, match="row 2"):
        load_pairs(tmp_path / "b.jsonl")
    with pytest.raises(InputError, match="column 'chosen'.*expected text"):
        load_pairs(_jsonl(tmp_path / "c.jsonl", [{"prompt": "p", "chosen": 3, "rejected": "b"}]))
    with pytest.raises(InputError, match="file not found"):
        load_pairs(tmp_path / "missing.jsonl")
    with pytest.raises(InputError, match="no usable preference pairs"):
        load_pairs(_jsonl(tmp_path / "d.jsonl", [{"prompt": "p", "chosen": "a", "rejected": "a"}]))


def test_attributes_range_and_missing(tmp_path):
    good = {"prompt": "p", "response": "r", "helpfulness": 3, "correctness": 2, "coherence": 4,
            "complexity": 1, "verbosity": 0}
    df, rep = load_attributes(_jsonl(tmp_path / "a.jsonl", [good, {**good, "verbosity": None}]))
    assert len(df) == 1 and rep.dropped == {"missing attribute value": 1}
    with pytest.raises(InputError, match="row 1, column 'coherence'.*out of range"):
        load_attributes(_jsonl(tmp_path / "b.jsonl", [{**good, "coherence": 9}]))
    with pytest.raises(InputError, match="column 'verbosity'.*missing column"):
        load_attributes(_jsonl(tmp_path / "c.jsonl", [{k: v for k, v in good.items() if k != "verbosity"}]))
    df2, _ = load_attributes(_jsonl(tmp_path / "d.jsonl", [{**good, "coherence": 9}]), value_range=None)
    assert df2["coherence"][0] == 9


def test_hh_dialogue_parsing():
    chosen = "\n\nHuman: How do I bake bread?\n\nAssistant: Mix flour.\n\nHuman: Then?\n\nAssistant: Bake it."
    rejected = "\n\nHuman: How do I bake bread?\n\nAssistant: Mix flour.\n\nHuman: Then?\n\nAssistant: No."
    prompt, c, r = parse_hh_pair(chosen, rejected)
    assert [m["role"] for m in prompt] == ["user", "assistant", "user"]
    assert prompt[0]["content"] == "How do I bake bread?" and c == "Bake it." and r == "No."
    assert parse_hh_dialogue("no markers") is None
    other = rejected.replace("Then?", "And?")
    assert parse_hh_pair(chosen, other) is None  # different prompts


@pytest.mark.skipif(not HH.exists(), reason="../shared/data/hh_rlhf_sample is absent")
def test_real_hh_sample_parses(tmp_path):
    with gzip.open(HH, "rt", encoding="utf-8") as f:
        rows = [json.loads(x) for x in f]
    path = _jsonl(tmp_path / "hh.jsonl", rows)
    df, rep = load_pairs(path)
    assert rep.format == "hh_dialogues" and rep.rows_read == 2312
    assert rep.rows_kept + sum(rep.dropped.values()) == rep.rows_read  # nothing silently lost
    assert rep.rows_kept > 2000
    assert all(p[-1]["role"] == "user" for p in df["prompt"])


def test_empty_files_and_csv(tmp_path):
    (tmp_path / "empty.jsonl").write_text("")
    with pytest.raises(InputError, match="empty"):
        load_pairs(tmp_path / "empty.jsonl")
    pd.DataFrame({"prompt": ["p"], "chosen": ["a"], "rejected": ["b"]}).to_csv(tmp_path / "p.csv", index=False)
    df, rep = load_pairs(tmp_path / "p.csv")
    assert rep.rows_kept == 1 and len(rep.sha256) == 64
    (tmp_path / "header_only.csv").write_text("prompt,chosen,rejected\n")
    with pytest.raises(InputError, match="no rows"):
        load_pairs(tmp_path / "header_only.csv")


def test_write_seeded_splits_is_disjoint_sized_and_repeatable(tmp_path):
    import gzip
    import json

    from rmbase.training.data import write_seeded_splits

    src = tmp_path / "pairs.jsonl.gz"
    with gzip.open(src, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps({"chosen": f"c{i}", "rejected": f"r{i}"}) + "\n" for i in range(50))
    sizes = {"train": 20, "val": 10, "test": 5}
    paths = write_seeded_splits(src, sizes, tmp_path / "a", seed=3, prefix="hh_")
    rows = {k: [json.loads(x)["chosen"] for x in p.read_text().splitlines()] for k, p in paths.items()}
    assert {k: len(v) for k, v in rows.items()} == sizes and paths["val"].name == "hh_val.jsonl"
    assert len(set().union(*rows.values())) == 35                     # disjoint
    again = write_seeded_splits(src, sizes, tmp_path / "b", seed=3)
    assert again["test"].read_text() == paths["test"].read_text()      # same seed, same split
    with pytest.raises(InputError, match="ask for 60 records but the file has 50"):
        write_seeded_splits(src, {"train": 60}, tmp_path / "c")
