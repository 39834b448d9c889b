"""The options of a command built from its library config (rmbase.commands.config_options): each feature of the
builder on a toy config, run through typer as the CLI runs it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import pytest
import typer
from pydantic import Field
from typer.testing import CliRunner

from rmbase.commands.config_options import Alias, ConfigOptions, Parsed
from rmbase.commands.options import ConfigFile
from rmbase.config import Config
from rmbase.errors import InputError


class Toy(Config):
    model: str = Field(description="The model [a folder].")
    data: Path = Field(description="The data.")
    steps: int = Field(7, description="Steps.")
    rate: float = Field(0.5, description="A rate.")
    mode: Literal["drop", "left"] = Field("drop", description="What to do.")
    fast: bool = Field(False, description="Go fast.")
    slow: bool = Field(True, description="Go slow.")
    tags: list[str] = Field(default_factory=lambda: ["a", "b"], description="Tags.")
    sizes: list[int] = Field(default_factory=list, description="Sizes.")
    files: list[Path] = Field(default_factory=list, description="Files.")
    span: tuple[float, float] | None = Field((0.0, 4.0), description="A span.")
    note: str | None = Field(None, description="A note.")
    secret: int = 3


def _span(text: str, option: str) -> tuple[float, float] | None:
    if text == "none":
        return None
    lo, hi = text.split(",")
    return float(lo), float(hi)


TOY = ConfigOptions(Toy, names={"model": "--base-model"}, exclude=("secret",), hidden=("note",),
                    aliases={"model": Alias("--old-model"), "mode": Alias("--policy", {"truncate": "left"})},
                    parsed={"span": Parsed(_span, "MIN,MAX|none", "0,4")})


def _app(seen: list) -> typer.Typer:
    from rmbase.commands.readable_help import readable_help

    readable_help()  # rmbase's help display, as `rmbase` applies it (register_all): the test passes run alone too
    app = typer.Typer(rich_markup_mode="rich", add_completion=False)

    @app.command("toy", cls=TOY.command())
    def toy(ctx: typer.Context, config: ConfigFile = None) -> None:
        seen.append(TOY.resolve(ctx, config))

    @app.command("other")
    def other() -> None: ...

    return app


def run(*args: str) -> tuple[object, list]:
    seen: list = []
    result = CliRunner().invoke(_app(seen), ["toy", *args], env={"COLUMNS": "250"})
    return result, seen


def config(*args: str) -> Toy:
    result, seen = run(*args)
    assert result.exit_code == 0, (result.output, result.exception)
    return seen[0]


REQUIRED = ("--base-model", "m", "--data", "d.jsonl")


def test_defaults_come_from_the_config():
    assert config(*REQUIRED) == Toy(model="m", data=Path("d.jsonl"))


def test_types_are_converted():
    cfg = config(*REQUIRED, "--steps", "3", "--rate", "1e-3", "--note", "hi", "--span", "1,2")
    assert (cfg.steps, cfg.rate, cfg.note, cfg.span, cfg.data) == (3, 1e-3, "hi", (1.0, 2.0), Path("d.jsonl"))
    assert config(*REQUIRED, "--span", "none").span is None
    result, _ = run(*REQUIRED, "--steps", "many")
    assert result.exit_code == 2 and "--steps" in result.output


def test_choices_are_checked():
    assert config(*REQUIRED, "--mode", "left").mode == "left"
    result, seen = run(*REQUIRED, "--mode", "middle")
    # one rmbase error (exit code 2 through rmbase.cli.main), not typer's usage box; the command body never runs
    assert isinstance(result.exception, InputError) and not seen
    assert "--mode: 'middle' is not one of 'drop', 'left' (expected drop|left)" in str(result.exception)


def test_lists_are_comma_separated_or_repeated():
    cfg = config(*REQUIRED, "--tags", "x, y", "--tags", "z", "--sizes", "1,2", "--files", "a.txt,b.txt")
    assert cfg.tags == ["x", "y", "z"] and cfg.sizes == [1, 2] and cfg.files == [Path("a.txt"), Path("b.txt")]
    result, _ = run(*REQUIRED, "--sizes", "1,x")
    assert isinstance(result.exception, InputError) and "--sizes: 'x' is not an integer" in str(result.exception)


def test_bool_fields_are_on_off_flags():
    cfg = config(*REQUIRED, "--fast", "--no-slow")
    assert cfg.fast is True and cfg.slow is False
    assert config(*REQUIRED, "--no-fast").fast is False


def test_missing_required_values_are_named_by_their_options():
    result, seen = run("--steps", "2")
    assert isinstance(result.exception, InputError) and not seen
    assert str(result.exception).startswith("missing --base-model (key model), --data")


def test_help_shows_readable_metavars_required_and_the_configs_defaults():
    result, _ = run("--help")
    text = " ".join(result.output.split())
    for shown in ("--base-model TEXT The model [a folder]. [required]", "--data PATH The data. [required]",
                  "--steps INT Steps. [default: 7]", "--rate NUMBER A rate. [default: 0.5]",
                  "--mode drop|left What to do. [default: drop]", "--tags TEXT... Tags. [default: a,b]",
                  "--sizes INT... Sizes. [default: none]", "--files PATH...",
                  "--span MIN,MAX|none A span. [default: 0,4]", "--fast / --no-fast Go fast. [default: no]",
                  "[default: yes]"):
        assert shown in text, shown
    for absent in ("<str>", "<list", "<int>", "<float>", "--note", "--secret", "--old-model", "--policy"):
        assert absent not in text, absent


def test_excluded_fields_come_from_the_config_file(tmp_path):
    file = tmp_path / "toy.yaml"
    file.write_text("secret: 9\nmodel: f\ndata: d\nsteps: 4\n")
    cfg = config("--config", str(file), "--steps", "5")
    assert (cfg.secret, cfg.model, cfg.steps) == (9, "f", 5)


def test_deprecated_spelling_sets_the_field_with_a_note_and_maps_old_values():
    result, seen = run("--old-model", "m", "--data", "d", "--policy", "truncate")
    assert seen[0].model == "m" and seen[0].mode == "left"
    err = result.stderr
    assert "--old-model is deprecated" in err and "--policy is deprecated" in err
    result, _ = run("--old-model", "m", "--base-model", "m", "--data", "d")
    assert "--old-model is the old name of --base-model" in str(result.exception)
    result, _ = run(*REQUIRED, "--policy", "middle")
    assert "--policy: 'middle' is not one of 'truncate', 'drop'" in str(result.exception)


def test_options_are_built_on_use_not_at_registration(monkeypatch):
    calls = []
    monkeypatch.setattr(ConfigOptions, "parameters", lambda self: calls.append(1) or [])
    app = _app([])
    CliRunner().invoke(app, ["other"])
    CliRunner().invoke(app, ["--help"])
    assert calls == []
    CliRunner().invoke(app, ["toy", "--help"])
    assert calls == [1]


def test_repeatable_tuple_fields_and_parsed_values_of_benchmarks_run():
    from helpers.cli import parsed
    from rmbase.commands.benchmarks import RUN_OPTIONS

    ctx = parsed("benchmarks", "run", "--out", "o", "--model", "m", "--benchmark", "ifeval,bbh", "--benchmark", "gpqa",
                 "--batch-size", "auto", "--limit", "0.5", "--no-chat-template")
    cfg = RUN_OPTIONS.resolve(ctx, None)
    assert (cfg.benchmarks, cfg.batch_size, cfg.limit, cfg.chat_template) == (("ifeval", "bbh", "gpqa"), "auto", 0.5,
                                                                               False)
    cfg = RUN_OPTIONS.resolve(parsed("benchmarks", "run", "--out", "o", "--model", "m", "--batch-size", "8",
                                     "--limit", "20"), None)
    assert (cfg.batch_size, cfg.limit, cfg.chat_template) == (8, 20, None)


def test_a_field_of_a_type_without_an_option_must_be_excluded_or_parsed():
    with pytest.raises(TypeError, match="span"):
        ConfigOptions(Toy, exclude=("secret",)).parameters()


# ---------------------------------------------------------------- the commands built from their configs
def _train():
    from rmbase.commands.train import TRAIN_OPTIONS

    return TRAIN_OPTIONS


def _evaluate():
    from rmbase.commands.evaluate import EVALUATE_OPTIONS

    return EVALUATE_OPTIONS


def _probe():
    from rmbase.commands.probe import PROBE_OPTIONS

    return PROBE_OPTIONS


def _presence_score():
    from rmbase.commands.presence import SCORE_OPTIONS

    return SCORE_OPTIONS


def _benchmarks_run():
    from rmbase.commands.benchmarks import RUN_OPTIONS

    return RUN_OPTIONS


def _study():
    from rmbase.commands.study import STUDY_OPTIONS

    return STUDY_OPTIONS


def _recommend():
    from rmbase.commands.selection import RECOMMEND_OPTIONS

    return RECOMMEND_OPTIONS


def _plan():
    from rmbase.commands.selection import PLAN_OPTIONS

    return PLAN_OPTIONS


def _spec(module: str, name: str):
    def spec():
        import importlib

        return getattr(importlib.import_module(f"rmbase.commands.{module}"), name)

    return spec


# command words, its options, the required options (and arguments), the fields deliberately without an option
CONVERTED = {
    "train": (("train",), _train, ("--model", "m", "--data", "t.jsonl", "--val-data", "v.jsonl", "--out", "o"),
              ()),
    "evaluate": (("evaluate",), _evaluate, ("--model", "m", "--out", "o"), ("extra",)),
    "probe": (("probe",), _probe, ("--model", "m", "--data", "p.jsonl", "--out", "o"), ()),
    "presence score": (("presence", "score"), _presence_score, ("--model", "m", "--data", "c.jsonl", "--out", "o"),
                       ()),
    "benchmarks run": (("benchmarks", "run"), _benchmarks_run, ("--model", "m"), ()),
    "study": (("study",), _study, (), ()),
    "benchmarks import": (("benchmarks", "import"), _spec("benchmarks", "IMPORT_OPTIONS"),
                          ("a.json", "--out", "t.csv"), ()),
    "benchmarks show": (("benchmarks", "show"), _spec("benchmarks", "SHOW_OPTIONS"), ("org/m",), ()),
    "evaluate summarize": (("evaluate", "summarize"), _spec("evaluate", "SUMMARIZE_OPTIONS"), ("f.csv",), ()),
    "sweep run": (("sweep", "run"), _spec("sweep", "RUN_OPTIONS"), ("s.yaml", "--store", "st"), ()),
    "sweep status": (("sweep", "status"), _spec("sweep", "STATUS_OPTIONS"), ("st",), ()),
    "sweep collect": (("sweep", "collect"), _spec("sweep", "COLLECT_OPTIONS"), ("st",), ()),
    "report": (("report",), _spec("report", "REPORT_OPTIONS"), ("d",), ()),
    "presence compare": (("presence", "compare"), _spec("presence", "COMPARE_OPTIONS"), ("a", "b", "--out", "j.json"),
                         ()),
    "presence features": (("presence", "features"), _spec("presence", "FEATURES_OPTIONS"), ("a", "--out", "f.csv"),
                          ()),
    "recommend": (("recommend",), _recommend, (), ("targets", "pool_types")),  # tuples: set in a --config file
    "plan": (("plan",), _plan, (), ("features",)),
}
OWN_REQUIRED = {"benchmarks run": ("--out", "o")}  # required options of the command's own (not its config's)

# command words, old spelling, new spelling, a value, the field (train's: tests/training/test_cli_train.py)
RENAMES = [
    (("probe",), "--pairs", "--data", "p.jsonl", "pairs"),
    (("probe",), "--n-pairs", "--limit", "50", "n_pairs"),
    (("presence", "score"), "--corpus", "--data", "c.jsonl", "corpus"),
    (("presence", "score"), "--max-tokens", "--max-length", "64", "max_tokens"),
]


@pytest.mark.parametrize("words, old, new, value, field", RENAMES)
def test_old_spellings_still_work_with_a_note_and_not_beside_the_new(capsys, words, old, new, value, field):
    from helpers.cli import parsed
    from rmbase.cli import main

    spec = CONVERTED[" ".join(words)][1]()
    assert str(spec.values(parsed(*words, old, value))[field]) == value     # the old name still sets the field
    assert f"note: {old} is deprecated and goes in the next release; use {new}" in capsys.readouterr().err
    assert main([*words, old, value, new, value]) == 2                       # ... but not beside the new one
    assert f"{old} is the old name of {new}: give {new} only" in capsys.readouterr().err
    shown = re.findall(r"--[\w-]+", click_help(*words))
    assert old not in shown and new in shown                                 # hidden from the help


def click_help(*words: str) -> str:
    from rmbase.cli import app

    result = CliRunner().invoke(app, [*words, "--help"], env={"COLUMNS": "250"})
    assert result.exit_code == 0
    return result.output


@pytest.mark.parametrize("name", sorted(CONVERTED))
def test_every_config_field_has_an_option_or_is_excluded_by_name(name):
    _, spec, _, excluded = CONVERTED[name]
    spec = spec()
    fields = set(spec.config_class().model_fields)
    assert set(spec.exclude) == set(excluded)
    assert set(spec.fields()) == fields - set(excluded)
    assert all(spec.config_class().model_fields[f].description for f in spec.fields()), "a field without help"
    names = [p.name for p in spec.parameters()]
    assert set(fields) - set(excluded) <= set(names)


@pytest.mark.parametrize("name", sorted(CONVERTED))
def test_the_defaults_a_user_gets_are_the_configs(name):
    from helpers.cli import parsed

    words, spec, required, _ = CONVERTED[name]
    spec = spec()
    own = OWN_REQUIRED.get(name, ())
    ctx = parsed(*words, *required, *own)
    given = {k: v for k, v in spec.values(ctx).items() if v is not None}
    arguments = [p.name for p in ctx.command.params if getattr(p, "param_type_name", "") == "argument"]
    # nothing but the given options and arguments has a value of the command's
    assert len(given) == sum(w.startswith("--") for w in required) + sum(bool(ctx.params.get(a)) for a in arguments)
    assert spec.resolve(ctx, None) == spec.config_class()(**given)


@pytest.mark.parametrize("name", sorted(CONVERTED))
def test_a_commands_help_builds_its_options_without_the_heavy_libraries(name):
    """The configs live in modules that import only pydantic and constants: `rmbase CMD --help` loads no numpy."""
    import subprocess
    import sys

    words = list(CONVERTED[name][0])
    code = ("import sys; from rmbase.cli import main; rc = main(sys.argv[1:] + ['--help']); "
            "print('HEAVY', [m for m in ('numpy', 'pandas', 'sklearn', 'torch') if m in sys.modules]); sys.exit(rc)")
    proc = subprocess.run([sys.executable, "-c", code, *words], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stdout, proc.stdout[-300:]


# a config of each converted command, with values that are not the defaults where a field's option is special
ROUND_TRIP = {
    "train": dict(base="m", train="t.jsonl", val="v.jsonl", out="o", long_pairs="truncate", attribute_range=None,
                  learning_rates=[1e-5, 2e-5], attribute_signs=[1, -1, 1, 1, 1], lora=True, epochs=1.5),
    "evaluate": dict(model="m", out="o", rewardbench_format=True, merge_weights=[0.5, 0.5], truncation="right"),
    "probe": dict(model="m", pairs="p.jsonl", out="o", probes=["judge"], n_pairs=50),
    "presence score": dict(model="m", corpus="c.jsonl", out="o", max_tokens=64, ray=True),
    "benchmarks run": dict(model="m", batch_size="auto", limit=0.5, chat_template=False, benchmarks=("ifeval", "bbh")),
    "study": dict(defaults={"<3B": "org/a"}, n_jobs=1, selection=False, target="chat"),
}


@pytest.mark.parametrize("name", sorted(ROUND_TRIP))
def test_the_resolved_config_yaml_reruns_as_the_same_config(tmp_path, name):
    """The config.yaml a command writes (the config's field names and values) given back with --config."""
    from helpers.cli import parsed

    words, spec, _, _ = CONVERTED[name]
    spec = spec()
    cfg = spec.config_class()(**ROUND_TRIP[name])
    file = tmp_path / "config.yaml"
    file.write_text(cfg.to_yaml())
    assert spec.resolve(parsed(*words, *OWN_REQUIRED.get(name, ()), "--config", str(file)), file) == cfg


def test_a_config_file_takes_the_new_option_name_the_old_one_and_the_field_name(tmp_path, capsys):
    from helpers.cli import parsed
    from rmbase.commands.train import TRAIN_OPTIONS

    required = "model: m\ndata: t.jsonl\nval_data: v.jsonl\nout: o\n"
    for key, value in (("truncation", "left"), ("long_pairs", "truncate"), ("global_batch_size", "16"),
                       ("batch_size", "16")):
        file = tmp_path / f"{key}.yaml"
        file.write_text(required + f"{key}: {value}\n")
        cfg = TRAIN_OPTIONS.resolve(parsed("train", "--config", str(file)), file)
        assert cfg.base == "m" and cfg.train == "t.jsonl" and cfg.val == "v.jsonl"
        assert (cfg.long_pairs == "truncate") if "pairs" in key or key == "truncation" else cfg.batch_size == 16
    file = tmp_path / "old.yaml"
    file.write_text(required + "val: v2.jsonl\n")      # an old option's key beside the new one's: refused
    with pytest.raises(InputError, match="key val sets the same option|--val is the old name"):
        TRAIN_OPTIONS.resolve(parsed("train", "--config", str(file)), file)


def test_rmbase_help_builds_no_commands_options():
    """`rmbase --help` lists the commands without building their options: no config module, not even pydantic."""
    import subprocess
    import sys

    code = ("import sys; from rmbase.cli import main; rc = main(['--help']); "
            "print('LOADED', sorted(m for m in sys.modules if m == 'pydantic' or m.endswith(('config', 'configs')) "
            "and m.startswith('rmbase.') and m != 'rmbase.commands.config_options')); sys.exit(rc)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "LOADED []" in proc.stdout, proc.stdout[-300:]
