"""Issue 20, evaluate summarize: an accuracy below 0 and a text accuracy are errors naming the subset (item 6)."""

from __future__ import annotations

import json

from helpers.bad_input import assert_refused


def test_a_negative_accuracy_is_refused(tmp_path, capsys):
    f = tmp_path / "acc.csv"
    f.write_text("subset,accuracy\nalpacaeval-easy,0.9\nmt-bench-hard,-0.5\n")
    assert_refused(["evaluate", "summarize", f], capsys, str(f), "row 2", "'mt-bench-hard' has accuracy -0.5",
                   "[0, 1]")
    j = tmp_path / "acc.json"
    j.write_text(json.dumps({"model": "m", "alpacaeval-easy": -0.5}))
    assert_refused(["evaluate", "summarize", j], capsys, str(j), "'alpacaeval-easy' has accuracy -0.5")


def test_a_text_accuracy_is_not_metadata(tmp_path, capsys):
    j = tmp_path / "acc.json"
    j.write_text(json.dumps({"model": "m", "chat_template": "tulu", "alpacaeval-easy": "0.9",
                             "mt-bench-hard": 0.5}))
    assert_refused(["evaluate", "summarize", j, "--allow-partial"], capsys, str(j), "'alpacaeval-easy'",
                   "str value '0.9'")


def test_ties_may_be_slightly_negative():
    from rmbase.rm_eval.rules import check_accuracy

    assert check_accuracy("Ties", -0.01) == -0.01
