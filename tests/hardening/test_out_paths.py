"""Class 4 of issue 11: every output path is validated before any work starts (rmbase.io.check_output_path), and
OS errors a user can cause end in exit code 2 with one message. Each command x each bad form of --out / --json."""

from __future__ import annotations

import pytest

from helpers.bad_input import assert_refused

# (command argv before the output option, output option, what kind of path the command writes)
COMMANDS = {
    "study": (["study", "--no-selection", "--no-out-of-fold"], "--out", "dir"),
    "train": (["train", "--model", "nobase", "--data", "no.jsonl", "--val-data", "no.jsonl"], "--out", "dir"),
    "evaluate": (["evaluate", "--model", "nomodel"], "--out", "dir"),
    "benchmarks import": (["benchmarks", "import", "nofile.json"], "--out", "file"),
    "benchmarks run": (["benchmarks", "run", "--model", "nomodel"], "--out", "dir"),
    "recommend": (["recommend"], "--json", "file"),
    "plan": (["plan", "--simulate", "--starts", "1"], "--json", "file"),
}


def _summarize_input(tmp_path):
    f = tmp_path / "subsets.csv"
    f.write_text("model,subset,correct,total\nm,alpacaeval-easy,1,2\n", encoding="utf-8")
    return f


def bad_forms(tmp_path, kind):
    a_file = tmp_path / "a_file.csv"
    a_file.write_text("x\n")
    a_dir = tmp_path / "a_dir"
    a_dir.mkdir()
    forms = {
        "child of a file": (str(a_file / "sub" / ("x.csv" if kind == "file" else "out")), "is a file"),
        "unwritable": ("/proc/rmbase-cannot-write-here/" + ("x.csv" if kind == "file" else "out"), "cannot write"),
        "empty": ("", "is empty"),
    }
    if kind == "dir":
        forms["existing file"] = (str(a_file), "is an existing file, not a folder")
    else:
        forms["existing folder"] = (str(a_dir), "is a folder, not a file")
    return forms


@pytest.mark.parametrize("form", ["child of a file", "unwritable", "empty", "file/folder mix-up"])
@pytest.mark.parametrize("command", [*COMMANDS, "evaluate summarize"])
def test_bad_output_path_refused_before_work(tmp_path, capsys, command, form):
    if command == "evaluate summarize":
        argv, opt, kind = ["evaluate", "summarize", str(_summarize_input(tmp_path))], "--out", "file"
    else:
        argv, opt, kind = COMMANDS[command]
    forms = bad_forms(tmp_path, kind)
    path, message = forms["existing file" if kind == "dir" else "existing folder"] if form == "file/folder mix-up" \
        else forms[form]
    before = sorted(p.name for p in tmp_path.iterdir())
    assert_refused([*argv, opt, path], capsys, message, opt)
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written (no FILE.work/, no staging)


def test_equals_form_of_empty_out(capsys):
    assert_refused(["study", "--out="], capsys, "--out is empty")


def test_wrong_table_type_refused_before_import(tmp_path, capsys):
    src = tmp_path / "results_a.json"
    src.write_text("{}")  # would be refused too, but later: the --out check must come first
    assert_refused(["benchmarks", "import", str(src), "--out", str(tmp_path / "scores.txt")], capsys,
                   "unsupported output type '.txt'")


def test_os_error_a_user_can_cause_is_exit_2(tmp_path, capsys):
    from rmbase.io import user_os_error

    err = user_os_error(PermissionError(13, "Permission denied", str(tmp_path / "x")))
    assert err is not None and str(tmp_path / "x") in str(err) and "Permission denied" in str(err)
    assert user_os_error(OSError(5, "Input/output error")) is None  # not the user's: let it show
