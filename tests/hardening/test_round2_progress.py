"""Issue 20, signs of life: a study says which stage it is in and, off a terminal, repeats it while a stage lasts;
counted work (evaluate) reports plain lines off a terminal."""

from __future__ import annotations

import io
import time

from rich.console import Console

from helpers.bad_input import run
from helpers.small_study import argv, tables
from rmbase.commands.progress import CountProgress, Stages


def test_stages_repeat_while_a_stage_lasts():
    out = io.StringIO()
    with Stages("study", Console(file=out, width=200), every=0.05) as stages:
        stages.set("combination")
        time.sleep(2.3)
        stages.set("report")
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("study: combination (")
    assert sum("combination" in x and "still running" in x for x in lines) >= 1
    assert lines[-1].startswith("study: report (2 s)")


def test_count_progress_plain_lines_off_a_terminal():
    out = io.StringIO()
    bar = CountProgress("scoring", Console(file=out, width=200), every=1000.0)
    for done in range(0, 11):
        bar(done, 10)
    bar.close()
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("scoring: 0/10") and lines[-1].startswith("scoring: 10/10") and len(lines) == 2


def test_the_study_command_names_its_stages(tmp_path, capsys):
    code, _, err = run(argv(tables(tmp_path), tmp_path / "out", "--target", "chat_hard", "--no-out-of-fold"), capsys)
    assert code == 0, err
    for stage in ("study: load", "study: gains", "study: correlations", "study: writing study.json"):
        assert stage in err, err
