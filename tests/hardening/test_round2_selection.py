"""Issue 20, recommend: two outputs on one path (item 4), a benchmark file none of whose models can be scored
(item 9)."""

from __future__ import annotations

from helpers.bad_input import assert_refused


def test_json_and_html_on_the_same_path_are_refused(tmp_path, capsys):
    same = tmp_path / "rec.out"
    assert_refused(["recommend", "--json", same, "--html", same], capsys, "--json and --html name the same file",
                   not_written=(same,))
    cfg = tmp_path / "rec.config.yaml"
    assert_refused(["recommend", "--json", tmp_path / "rec.json", "--html", cfg], capsys, "the same file",
                   not_written=(cfg, tmp_path / "rec.json"))


def test_a_benchmark_file_with_no_scorable_model_is_an_error(tmp_path, capsys):
    f = tmp_path / "scores.csv"
    f.write_text("model,benchmark,value\nmy-org/new-base,ifeval,70.0\nmy-org/new-base,bbh,30.0\n")
    assert_refused(["recommend", "--benchmarks", f], capsys, str(f), "no model of the file can be scored",
                   "my-org/new-base: missing", quiet=False)
