"""Class 8 of issue 11: documented study paths that must work — a handful of models (the analyses that can run do,
the others say what they need), no pretrain_tokens_t column, no score column with --target chat_hard."""

from __future__ import annotations

import json

from helpers.bad_input import assert_refused, run
from helpers.small_study import KEEP, argv, tables


def test_seven_models_without_tokens_or_score(tmp_path, capsys):
    paths = tables(tmp_path)
    out = tmp_path / "out"
    code, stdout, err = run(argv(paths, out, "--target", "chat_hard", "--no-out-of-fold"), capsys)
    assert code == 0, err
    study = json.loads((out / "study.json").read_text())
    assert study["n_models"] == 7 and study["unused_features"] == ["pretrain_tokens_t"]
    assert set(study["skipped_analyses"]) == {"coverage_filter", "combination", "selection"}
    assert "needs at least 10 models" in study["skipped_analyses"]["combination"]
    assert study["gains"] and study["correlations"] and study["coverage"]
    assert "skipped combination: needs at least 10 models" in stdout
    md = (out / "summary.md").read_text()
    assert "Skipped: combination" in md and "pretrain\\_tokens\\_t" not in md  # underscores are not escaped
    assert "pretrain_tokens_t" in md


def test_score_still_needed_when_it_is_the_target(tmp_path, capsys):
    paths = tables(tmp_path)
    assert_refused(argv(paths, tmp_path / "out"), capsys, "target 'score' is not in the results table")


def test_fewer_than_five_models_says_so(tmp_path, capsys):
    """Four bases: the analyses that need only RM scores (gains) run; every feature analysis is skipped with the
    reason that it needs at least 5 bases (issue 20: a study runs what it can and says what it left out)."""
    paths = tables(tmp_path, keep=KEEP[:4])
    out = tmp_path / "out"
    code, stdout, err = run(argv(paths, out, "--target", "chat_hard"), capsys)
    assert code == 0, err
    study = json.loads((out / "study.json").read_text())
    assert study["n_models"] == 4 and study["gains"]
    skipped = study["skipped_analyses"]
    for analysis in ("correlations", "coverage", "combination", "selection", "pca"):
        assert "at least 5" in skipped[analysis], skipped
        assert f"skipped {analysis}: needs at least 5" in stdout
    assert not study["correlations"] and not study["combination"]
