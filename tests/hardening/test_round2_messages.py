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




def test_benchmarks_import_text_metric_empty_model_and_no_rows(tmp_path, capsys):
    import json

    lm = tmp_path / "results_x.json"
    lm.write_text(json.dumps({"results": {"arc_challenge": {"acc_norm,none": "0.5"}, "hellaswag": {"acc_norm,none": 0.5}},
                              "model_name": "a/b"}))
    out = tmp_path / "o.csv"
    assert_refused(["benchmarks", "import", lm, "--out", out], capsys, str(lm), "'arc_challenge'",
                   "metric 'acc_norm,none' is str '0.5', not a number", not_written=(out,))
    assert_refused(["benchmarks", "import", lm, "--model", " ", "--out", out], capsys, "--model is empty",
                   not_written=(out,))
    scores, models = tmp_path / "b.csv", tmp_path / "m.csv"
    scores.write_text("model,benchmark,value\nA/b,ifeval,50\n")
    models.write_text("model\nZ/z\n")
    assert_refused(["benchmarks", "import", scores, "--models", models, "--out", out], capsys, "0 rows",
                   str(models), not_written=(out,), quiet=False)


def test_empty_candidates_are_an_error(capsys):
    assert_refused(["recommend", "--candidates", ""], capsys, "--candidates is empty")
    assert_refused(["recommend", "--candidates", " , "], capsys, "--candidates is empty")


def test_printed_commands_are_quoted_for_the_shell():
    import shlex

    from rmbase.datasets import load_bundled
    from rmbase.selection.no_scores import guidance

    g = guidance(["my org/base $(rm -rf x)"], data=load_bundled(), recipe="regression",
                 candidates=["my org/base $(rm -rf x)"])[0]
    for command in g["commands"]:
        args = shlex.split(command)
        assert "my org/base $(rm -rf x)" in args or any("$(rm -rf x)" in a and " " in a for a in args), command


def test_config_errors_in_plain_words(tmp_path, capsys):
    """Careless-user pass: pydantic's 'Input should be ...' reached the user for bounds, lengths and types."""
    err = assert_refused(["presence", "compare", tmp_path, "--out", tmp_path / "x.json"], capsys,
                         "folders: needs at least 2 item(s), got 1")
    assert "Input should" not in err and "after validation" not in err
    assert_refused(["sweep", "run", _sweep_yaml(tmp_path, seeds="zero"), "--store", tmp_path / "st", "--dry-run"],
                   capsys, "seeds: expected a list, got 'zero'")
    assert_refused(["presence", "compare", tmp_path, tmp_path, "--out", tmp_path / "x.json", "--bins", "1"], capsys,
                   "bins: must be at least 2, got 1")
