"""RewardBench data validation (bad input -> one clear InputError) and `summarize` on JSON / CSV / scores.jsonl."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import rmbase.rm_eval as R
from rmbase.errors import InputError
from rmbase.rm_eval.data import load_examples, read_records, validate_records
from rmbase.rm_eval.summary_files import read_subset_tables, summarize_file

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
LLMBAR = SHARED / "llmbar_rewardbench_chathard" / "llmbar_pairs.jsonl"


def v1_row(i=0, **kw):
    row = {"id": f"x{i}", "subset": "llmbar-natural", "prompt": "Say hi.", "chosen": "Hi!", "rejected": "No."}
    row.update(kw)
    return row


def write_jsonl(path: Path, rows) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.mark.skipif(not LLMBAR.is_file(), reason="needs ../shared/data/llmbar_rewardbench_chathard")
def test_real_llmbar_pairs_validate():
    examples, source, digest = load_examples("rewardbench", LLMBAR)
    assert len(examples) == 419 and len(digest) == 64
    counts = pd.Series([e.subset for e in examples]).value_counts().to_dict()
    assert counts == {s: R.V1_SECTIONS["Chat Hard"][s] for s in counts}  # the published subset sizes
    assert all(len(e.completions) == 2 and e.num_correct == 1 for e in examples)


@pytest.mark.parametrize("row, match", [
    ({"rejected": None}, "missing column"),
    ({"chosen": "   "}, "empty text"),
    ({"chosen": 3}, "expected a string"),
    ({"subset": "alpacaeval_easy"}, "unknown subset"),
    ({"prompt": [{"role": "user"}]}, "messages"),
    ({"id": 1.5}, "id"),
])
def test_bad_v1_rows(row, match):
    with pytest.raises(InputError, match=match) as info:
        validate_records([v1_row(0), v1_row(1, **row)], "rewardbench", source="f.jsonl")
    assert "row 2" in str(info.value)


def test_duplicate_ids_and_missing_columns(tmp_path):
    with pytest.raises(InputError, match="duplicate id 'x0' \\(first at row 1\\)"):
        validate_records([v1_row(0), v1_row(0)], "rewardbench")
    row = v1_row()
    del row["chosen"]
    with pytest.raises(InputError, match="chosen"):
        validate_records([row], "rewardbench")


def test_unparsable_files(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(v1_row()) + "\n{not json\n")
    with pytest.raises(InputError, match="row 2"):
        read_records(bad)
    (tmp_path / "bad.json").write_text("[1, 2")
    with pytest.raises(InputError, match="not valid JSON"):
        read_records(tmp_path / "bad.json")
    (tmp_path / "x.parquet").write_text("not parquet")
    with pytest.raises(InputError, match="Parquet"):
        read_records(tmp_path / "x.parquet")
    (tmp_path / "x.csv").write_text("a,b\n")
    with pytest.raises(InputError, match="unsupported"):
        read_records(tmp_path / "x.csv")
    (tmp_path / "empty.jsonl").write_text("\n")
    with pytest.raises(InputError, match="no rows"):
        read_records(tmp_path / "empty.jsonl")


def test_v2_rows_from_parquet(tmp_path):
    rows = [{"id": "1", "subset": "Math", "prompt": "2+2?", "chosen": ["4"], "rejected": ["5", "3", "22"],
             "num_correct": 1},
            {"id": "ref:1", "subset": "Ties", "prompt": "A prime?", "chosen": ["2"], "rejected": ["4"],
             "num_correct": 1},
            {"id": "tied:1", "subset": "Ties", "prompt": "A prime?", "chosen": ["2", "3"], "rejected": ["4"],
             "num_correct": 2}]
    path = tmp_path / "v2.parquet"
    pd.DataFrame(rows).to_parquet(path)
    examples, _, _ = load_examples("rewardbench2", path)
    assert [e.completions for e in examples] == [("4", "5", "3", "22"), ("2", "4"), ("2", "3", "4")]
    assert [e.num_correct for e in examples] == [1, 1, 2]
    bad = dict(rows[2], num_correct=1)
    with pytest.raises(InputError, match="num_correct"):
        validate_records([bad], "rewardbench2")
    with pytest.raises(InputError, match="ref:<n>"):
        validate_records([dict(rows[1], id="7")], "rewardbench2")
    with pytest.raises(InputError, match="non-empty list"):
        validate_records([dict(rows[0], rejected=[])], "rewardbench2")
    with pytest.raises(InputError, match="unknown subset"):
        validate_records([dict(rows[0], subset="math")], "rewardbench2")


def test_summarize_rewardbench_json(tmp_path):
    accs = {s: 0.9 for s in R.V1_SUBSETS}
    accs["math-prm"] = 0.4
    obj = {"model": "org/rm", "model_type": "Seq. Classifier", "chat_template": "tokenizer", **accs}
    path = tmp_path / "rm.json"
    path.write_text(json.dumps(obj))
    summ = summarize_file(path)["org/rm"]
    assert summ.rules == "v1"
    assert summ.sections["Reasoning"] == pytest.approx((984 * 0.4 + 984 * 0.9) / 1968)
    assert summ.score == pytest.approx((0.9 * 3 + 0.65) / 4)
    path.write_text(json.dumps({**obj, "hep-go": "high"}))
    with pytest.raises(InputError):
        summarize_file(path)


def test_summarize_counts_csv_with_two_models(tmp_path):
    rows = []
    for model, hit in (("a", 1.0), ("b", 0.5)):
        for section in R.V1_SECTIONS.values():
            for subset, n in section.items():
                total = R.V1_ROWS.get(subset, n)
                rows.append({"model": model, "subset": subset, "correct": int(total * hit), "total": total})
    path = tmp_path / "counts.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    out = summarize_file(path, "v1")
    assert out["a"].score == 1.0
    assert out["b"].sections["Reasoning"] == pytest.approx((984 * 223 / 447 + 984 * 0.5) / 1968)
    rows[3]["correct"] = rows[3]["total"] + 1
    pd.DataFrame(rows).to_csv(path, index=False)
    with pytest.raises(InputError, match="row 4"):  # 1-based data rows, as every other reader counts them
        summarize_file(path, "v1")


def test_summarize_partial_and_scores_jsonl(tmp_path):
    path = write_jsonl(tmp_path / "scores.jsonl", [
        {"id": "1", "subset": "llmbar-natural", "scores": [1.0, 0.0], "num_correct": 1},
        {"id": "2", "subset": "llmbar-natural", "scores": [0.0, 0.0], "num_correct": 1}])
    with pytest.raises(InputError, match="--allow-partial"):
        summarize_file(path)
    summ = next(iter(summarize_file(path, allow_partial=True).values()))
    assert summ.sections["Chat Hard"] == 0.5 and summ.score is None and "Chat" in summ.partial
    assert read_subset_tables(path) == {tmp_path.name: {"llmbar-natural": 0.5}}


LEADERBOARD = SHARED / "rewardbench_eee"


def _flat(section_values: dict[str, float], prior: float | None = None) -> dict[str, float]:
    """Subset accuracies that make every section equal to the given value."""
    accs = {s: section_values[sec] for sec, subsets in R.V1_SECTIONS.items() for s in subsets}
    if prior is not None:
        accs.update(dict.fromkeys(R.V1_PRIOR_SUBSETS, prior))
    return accs


@pytest.mark.skipif(not (LEADERBOARD / "rewardbench_v1_leaderboard.csv").is_file(),
                    reason="needs ../shared/data/rewardbench_eee")
def test_scores_reproduce_the_published_leaderboards():
    v1 = pd.read_csv(LEADERBOARD / "rewardbench_v1_leaderboard.csv").dropna(subset=["reasoning"])
    names = {"Chat": "chat", "Chat Hard": "chat_hard", "Safety": "safety", "Reasoning": "reasoning"}
    plain = v1[v1["prior_sets_0.5w"].isna()]
    with_prior = v1[v1["prior_sets_0.5w"] > 0]
    assert len(plain) > 50 and len(with_prior) > 50
    for _, row in plain.iterrows():
        got = R.summarize(_flat({k: row[c] for k, c in names.items()}), "v1").score
        assert got == pytest.approx(row["score"], abs=1e-4)
    errors = [abs(R.summarize(_flat({k: row[c] for k, c in names.items()}, row["prior_sets_0.5w"]),
                              "v1-prior").score - row["score"]) for _, row in with_prior.iterrows()]
    assert np.median(errors) < 1e-4 and np.mean(np.asarray(errors) < 1e-3) > 0.9
    v2 = pd.read_csv(LEADERBOARD / "rewardbench_v2_leaderboard.csv")
    cols = {"Factuality": "factuality", "Precise IF": "precise_if", "Math": "math", "Safety": "safety",
            "Focus": "focus", "Ties": "ties"}
    for _, row in v2.dropna(subset=list(cols.values())).iterrows():
        got = R.summarize({k: row[c] for k, c in cols.items()}, "v2").score
        assert got == pytest.approx(row["score"], abs=1e-4)
