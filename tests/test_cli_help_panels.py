"""The help of a config-built command: its options in panels (inputs and output first, the advanced ones and the
command's own --config/--restart/--help last), and a flag's --x / --no-x in one column."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from helpers.cli import click_command, parsed
from rmbase.commands.config_options import ADVANCED, INPUTS, OTHER
from test_cli_config_options import CONVERTED

OWN = {"restart", "config", "options_file", "help"}  # the options every command has beside its config's


def _shown_options(words: tuple[str, ...]) -> list:
    """The options the help of ``rmbase WORDS`` shows (--help included), in the command's order."""
    ctx = parsed(*words, *_required(words))
    return [p for p in ctx.command.get_params(ctx) if p.param_type_name == "option" and not p.hidden]


def _required(words: tuple[str, ...]) -> list[str]:
    from test_cli_config_options import OWN_REQUIRED

    return list(CONVERTED[" ".join(words)][2]) + list(OWN_REQUIRED.get(" ".join(words), ()))


def _help(*words: str, columns: int = 110) -> str:
    from rmbase.cli import app

    result = CliRunner().invoke(app, [*words, "--help"], env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("name", sorted(CONVERTED))
def test_every_option_of_a_converted_command_is_in_a_named_panel(name):
    """Each field with an option, and each of the command's own options but --config/--restart/--help, is placed
    by the command's ``panels``; those three come last, in the 'Other options' panel."""
    words, spec, _, _ = CONVERTED[name]
    spec = spec()
    listed = [n for names in spec.panels.values() for n in names]
    assert len(listed) == len(set(listed)), "an option in two panels"
    options = [f for f in spec.fields() if f not in spec.arguments]
    assert set(options) <= set(listed), f"fields in no panel: {set(options) - set(listed)}"
    shown = _shown_options(words)
    assert set(listed) <= {p.name for p in shown}, "a panel names an option the command does not have"
    panels = [p.rich_help_panel for p in shown]
    assert all(panels), "an option without a panel"
    for p in shown:
        assert (p.rich_help_panel == OTHER) == (p.name in OWN), (p.name, p.rich_help_panel)
    if options:
        assert next(iter(spec.panels)) == INPUTS and panels[-1] == OTHER
    titles = list(dict.fromkeys(panels))  # the panels in the order shown: as listed, then Other options
    assert titles == [t for t in spec.panels if t in titles] + [OTHER]
    if ADVANCED in spec.panels:
        assert titles[-2] == ADVANCED
    order = [p.name for p in shown if p.name in listed]
    assert order == [n for n in listed if n in order], "options not in the order the panels list them"


@pytest.mark.parametrize(("words", "first", "later"), [
    (("plan",), "--results", "--prior"), (("train",), "--model", "--lr-grid"), (("recommend",), "--candidates",
                                                                                  "--method"),
    (("evaluate",), "--model", "--dtype"), (("presence", "score"), "--data", "--threads"),
])
def test_the_help_shows_the_panels_inputs_first(words, first, later):
    text = _help(*words)
    titles = [t for t in re.findall(r"╭─ (.+?) ─", text) if t != "Commands"]  # a group's subcommands come after
    assert titles[0] == INPUTS and titles[-1] == OTHER and len(titles) >= 3
    other = text.index(f"╭─ {OTHER}")
    inputs = text.index(f"╭─ {INPUTS}")  # (the command's description before it may name an option)
    assert inputs < text.index(first, inputs) < text.index(f"╭─ {ADVANCED}") < other
    assert text.index(first, inputs) < text.index(later, inputs) < other
    section = text[other:]
    assert "--help" in section and "--config" in section


def test_a_flag_shows_its_no_form_in_its_own_column():
    """train --help: '--lora / --no-lora' on one line; a long pair on two lines of the first column, so that no
    column as wide as --no-activation-checkpointing pushes the types and help to the right."""
    text = _help("train")
    assert re.search(r"│ --lora / --no-lora +Train LoRA", text)
    assert re.search(r"│ --activation-checkpointing / +Recompute", text)
    assert re.search(r"│ --no-activation-checkpointing +\S", text)
    lora = text[text.index("╭─ LoRA"):]
    assert re.search(r"│ --lora-r +INT +LoRA rank", lora)
    row = re.search(r"^│ --lora-r +INT", lora, re.MULTILINE)
    type_column = row.end() - row.start() - len("INT")
    assert type_column < len("│ --lora / --no-lora") + 12  # the types start right after the widest first column
    for line in text.splitlines():  # every --no-x is in the first column, after its --x
        for m in re.finditer(r"--no-[\w-]+", line):
            assert line[:m.start()].rstrip().endswith(("│", "/")), line


def test_the_compact_display_leaves_the_flags_as_they_are():
    """Only the help's copy of a flag changes: --no-lora still parses, and the command's option keeps both
    forms (click's parser and completion read them)."""
    from rmbase.commands.readable_help import compact_flags
    from rmbase.commands.train import TRAIN_OPTIONS

    assert TRAIN_OPTIONS.values(parsed("train", "--no-lora"))["lora"] is False
    assert TRAIN_OPTIONS.values(parsed("train", "--lora"))["lora"] is True
    lora = next(p for p in click_command("train").params if p.name == "lora")
    shown = compact_flags([lora])[0]
    assert shown is not lora and shown.opts == ["--lora / --no-lora"] and shown.secondary_opts == []
    assert lora.opts == ["--lora"] and lora.secondary_opts == ["--no-lora"]


def test_a_typer_without_the_display_hooks_keeps_its_own_help(tmp_path):
    """readable_help adjusts private typer methods; a typer that lacks them gets its own (plainer) help, not a crash."""
    import os
    import subprocess
    import sys

    code = ("from typer.core import TyperArgument\n"
            "del TyperArgument._usage_display_name\n"  # as in a typer release without the hook
            "import sys\n"
            "from rmbase.cli import main\n"
            "sys.exit(main(['train', '--help']))\n")
    env = {**os.environ, "COLUMNS": "200"}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    assert "--global-batch-size" in run.stdout and "Traceback" not in run.stderr
