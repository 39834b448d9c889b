"""Class 7 of issue 11: messages that say what is wrong — a folder is a folder, a missing template file is a
missing file, an over-long text is named by its example id and file, rows are counted as every reader counts
them, a missing model folder is one message."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.bad_input import assert_refused
from rmbase.errors import InputError


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "a_folder.csv"
    d.mkdir()
    return d


def test_folder_given_as_a_table(tmp_path, capsys, folder):
    from rmbase.datasets import load_bundled

    d = load_bundled()
    results, bench = tmp_path / "r.csv", tmp_path / "b.csv"
    d.results.to_csv(results, index=False)
    d.benchmarks.to_csv(bench, index=False)
    assert_refused(["study", "--models", folder, "--results", results, "--benchmarks", bench, "--out",
                    tmp_path / "o"], capsys, str(folder), "is a folder, not a file")
    assert_refused(["evaluate", "summarize", folder], capsys, str(folder), "is a folder, not a file")
    assert_refused(["plan", "--results", folder], capsys, str(folder), "is a folder, not a file")


def test_folder_given_as_a_json(tmp_path):
    from rmbase.benchmarks.import_harness import read_json

    d = tmp_path / "results_x.json"
    d.mkdir()
    with pytest.raises(InputError, match="is a folder, not a file"):
        read_json(d)


def test_missing_template_file_is_not_an_unknown_template(tmp_path):
    from rmbase.hf_text import resolve_chat_template

    with pytest.raises(InputError, match="file not found") as e:
        resolve_chat_template(str(tmp_path / "mine.jinja"))
    assert "unknown chat template" not in str(e.value) and str(tmp_path / "mine.jinja") in str(e.value)
    with pytest.raises(InputError, match="unknown chat template 'vicuna'"):
        resolve_chat_template("vicuna")  # a name that is not shipped stays an unknown template


class _Tok:
    """Whitespace tokenizer without BOS: enough for the truncation policy."""
    bos_token_id = None

    def __call__(self, texts, add_special_tokens=False):
        return {"input_ids": [list(range(len(t.split()))) for t in texts]}


def test_truncation_error_names_example_and_file():
    from rmbase.hf_text import encode_texts_flagged

    texts = ["a b", "a b c d e f"]
    with pytest.raises(InputError) as e:
        encode_texts_flagged(_Tok(), texts, max_length=4, truncation="error",
                             labels=["data.jsonl: example id 'x1'", "data.jsonl: example id 'x2'"])
    assert "data.jsonl: example id 'x2' has 6 tokens, more than max_length=4" in str(e.value)


def test_score_examples_labels_each_completion():
    from rmbase.rm_eval.data import Example
    from rmbase.rm_eval.runner import score_examples

    seen = {}

    class Scorer:
        def render(self, prompts, responses):
            return list(responses)

        def encode(self, texts, labels=None):
            seen["labels"] = labels
            raise InputError(labels[-1])

    ex = Example(id="e7", subset="alpacaeval-easy", prompt="p", completions=["good", "bad"], num_correct=1)
    with pytest.raises(InputError, match=r"rb\.jsonl: example id 'e7' \(subset alpacaeval-easy\), completion 2"):
        score_examples(Scorer(), [ex], "rb.jsonl")


def test_summarize_counts_rows_as_the_other_readers(tmp_path, capsys):
    f = tmp_path / "s.csv"
    pd.DataFrame({"model": ["m", "m"], "subset": ["alpacaeval-easy", "mt-bench-easy"],
                  "correct": [1, 5], "total": [2, 4]}).to_csv(f, index=False)
    assert_refused(["evaluate", "summarize", f], capsys, str(f), "row 2")


def test_missing_model_folder_everywhere(tmp_path, capsys):
    for argv in (["benchmarks", "run", "--model", "./nope", "--out", tmp_path / "b"],
                 ["evaluate", "--model", "./nope", "--out", tmp_path / "e", "--data", tmp_path / "none.jsonl"]):
        err = assert_refused(argv, capsys)
        assert "./nope" in err or "none.jsonl" in err
