"""Issue 20, unclear messages: each names the right thing (a union field in words, a folder given as a config, a
missing store, a positional argument, an output that is a folder, a category that is not text, the post-training
file)."""

from __future__ import annotations

from helpers.bad_input import assert_refused
from helpers.small_study import argv, tables
from helpers.sweep import write_config


def _sweep_yaml(tmp_path, **overrides):
    base = tmp_path / "base"
    base.mkdir(exist_ok=True)
    (base / "config.json").write_text("{}")
    cfg = {"name": "t", "bases": [{"name": "b", "path": str(base)}], "recipes": ["bradley_terry"],
           "learning_rates": [1e-5], "seeds": [0], **overrides}
    return write_config(tmp_path / "s.yaml", cfg)


def test_a_union_field_is_named_in_words(tmp_path, capsys):
    err = assert_refused(["sweep", "run", _sweep_yaml(tmp_path, learning_rates="fast"), "--store", tmp_path / "st",
                          "--dry-run"], capsys, "learning_rates: 'fast' is not valid",
                         "a mapping of text to a list of numbers or a list of numbers")
    assert "dict[" not in err and "Input should be" not in err


def test_paths_are_named_for_what_they_are(tmp_path, capsys):
    folder = tmp_path / "a_folder.yaml"
    folder.mkdir()
    assert_refused(["sweep", "run", folder, "--store", tmp_path / "st", "--dry-run"], capsys, str(folder),
                   "is a folder, not a file")
    assert_refused(["sweep", "status", tmp_path / "nope"], capsys, "sweep store not found")
    assert_refused(["sweep", "collect", tmp_path / "nope", "--out", tmp_path / "r.csv"], capsys,
                   "sweep store not found")


def test_presence_positional_and_folder_outputs(tmp_path, capsys):
    assert_refused(["presence", "compare", "--out", tmp_path / "x.json"], capsys, "missing FOLDERS (argument)")
    out = tmp_path / "feats"
    out.mkdir()
    assert_refused(["presence", "features", tmp_path, "--out", out], capsys, str(out), "--out is a folder")


def test_a_category_that_is_not_text_is_refused_and_counted():
    from rmbase.presence.corpus import make_doc

    for value in (3, 2.5, {"a": 1}, ["x"], True):
        assert make_doc(0, {"text": "words here", "category": value}, "text", "category").problem == "bad_category"
    assert make_doc(0, {"text": "words here", "category": " code "}, "text", "category").category == "code"


def test_post_training_errors_name_the_file(tmp_path, capsys):
    paths = tables(tmp_path)
    post = tmp_path / "post.csv"
    post.write_text("model,stage,score\nA,base,60\nB,base,62\nC,sft,70\n")
    assert_refused(argv(paths, tmp_path / "out", "--target", "chat_hard", "--post-training", post), capsys,
                   str(post), "column 'stage'", "exactly one row with stage 'base', found 2 (rows 1, 2)")


