"""Issue 20, report DIR: study.json is checked against its schema before anything is drawn (item 12), and a clash
in DIR changes nothing (item 5)."""

from __future__ import annotations

import json
import shutil

import pytest

from helpers.bad_input import assert_refused, run
from helpers.small_study import argv, tables


@pytest.fixture(scope="module")
def small_study(tmp_path_factory):
    from rmbase.cli import main

    root = tmp_path_factory.mktemp("small_study")
    out = root / "study"
    assert main([str(a) for a in argv(tables(root), out, "--target", "chat_hard", "--no-out-of-fold")]) == 0
    return out


def _edited(small_study, tmp_path, edit):
    folder = tmp_path / "study"
    shutil.copytree(small_study, folder)
    study = json.loads((folder / "study.json").read_text())
    edit(study)
    (folder / "study.json").write_text(json.dumps(study))
    return folder


@pytest.mark.parametrize("edit, key", [
    (lambda s: s["gains"][0].update(gain_points="abc"), "gains[0].gain_points"),
    (lambda s: s.update(schema_version=99), "schema_version"),
    (lambda s: s.update(n_models="seven"), "n_models"),
    (lambda s: s["correlations"][1].update(spearman=[0.5]), "correlations[1].spearman"),
    (lambda s: s.pop("target"), "target"),
    (lambda s: s.update(gains={"a": 1}), "gains"),
])
def test_study_json_off_schema_names_the_key(small_study, tmp_path, capsys, edit, key):
    folder = _edited(small_study, tmp_path, edit)
    before = (folder / "report.html").read_bytes()
    assert_refused(["report", folder], capsys, str(folder / "study.json"), f"column '{key}'")
    assert (folder / "report.html").read_bytes() == before


def test_a_clash_in_the_folder_changes_nothing(small_study, tmp_path, capsys):
    folder = _edited(small_study, tmp_path, lambda s: None)
    shutil.rmtree(folder / "figures")
    (folder / "figures").write_text("mine")
    before = (folder / "report.html").read_bytes()
    assert_refused(["report", folder], capsys, str(folder / "figures"), "a file is in the way")
    assert (folder / "report.html").read_bytes() == before and (folder / "figures").read_text() == "mine"
    (folder / "figures").unlink()
    code, _, err = run(["report", folder], capsys)
    assert code == 0, err
