"""The small configs of the commands without a library config (issue 19 §3): `benchmarks import/show`,
`evaluate summarize`, `sweep status/collect` and `report`. Each one's resolved config is written beside its output
and reruns it with `--config`; an unknown key and a bad value in a `--config` file end in exit 2, naming the file
and the key, with nothing written. (`sweep run`: tests/sweep/test_sweep_run_config.py.)"""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml

from helpers.bad_input import assert_refused, run
from helpers.lm_eval_samples import full_bbh, full_musr, leaderboard_results, results_file, write_json


def _yaml(path, obj):
    path.write_text(yaml.safe_dump(obj))
    return path


@pytest.fixture
def scores(tmp_path):
    src = write_json(tmp_path / "res" / "results_a.json", results_file(leaderboard_results(full_bbh(), full_musr()),
                                                                       model="acme/Tiny-1B"))
    return src


def test_show_writes_its_config_beside_the_json_and_it_reruns(scores, tmp_path, capsys):
    out = tmp_path / "feat.json"
    code, _, err = run(["benchmarks", "show", "Tiny-1B", "--scores", scores, "--all", "--json", out], capsys)
    assert code == 0, err
    resolved = yaml.safe_load((tmp_path / "feat.config.yaml").read_text())
    assert resolved == {"models": ["Tiny-1B"], "scores": [str(scores)], "bundled": None, "json_out": str(out),
                        "all_features": True}
    first = json.loads(out.read_text())
    out.unlink()
    code, stdout, err = run(["benchmarks", "show", "--config", tmp_path / "feat.config.yaml"], capsys)
    assert code == 0, err
    assert json.loads(out.read_text()) == first and "acme/Tiny-1B" in stdout


def test_import_reruns_from_its_written_config(scores, tmp_path, capsys):
    out = tmp_path / "t.csv"
    code, _, err = run(["benchmarks", "import", scores, "--out", out, "--scale", "both", "--on-conflict", "first"],
                       capsys)
    assert code == 0, err
    first = pd.read_csv(out)
    resolved = tmp_path / "t.config.yaml"
    assert yaml.safe_load(resolved.read_text())["scale"] == "both"
    out.unlink()
    code, _, err = run(["benchmarks", "import", "--config", resolved], capsys)
    assert code == 0, err
    pd.testing.assert_frame_equal(pd.read_csv(out), first)


def test_summarize_reruns_from_its_written_config(tmp_path, capsys):
    import rmbase.rm_eval as R

    path = tmp_path / "rb.json"
    path.write_text(json.dumps({"model": "m", **dict.fromkeys(R.V1_SUBSETS, 0.5), "chat": 0.25}))
    out = tmp_path / "s.json"
    code, _, err = run(["evaluate", "summarize", path, "--allow-partial", "--out", out], capsys)
    assert code == 0, err
    first = json.loads(out.read_text())["models"]
    out.unlink()
    code, _, err = run(["evaluate", "summarize", "--config", tmp_path / "s.config.yaml"], capsys)
    assert code == 0, err
    assert json.loads(out.read_text())["models"] == first


def _store(root):
    """A sweep store of one base with one finished cell (no Ray)."""
    from rmbase.sweep.store import Store, write_checked

    cell = {"id": "org/a__bt__lr0.001__s0", "base": "org/a", "recipe": "bradley_terry", "learning_rate": 1e-3,
            "seed": 0, "fingerprint": "x", "train": {}, "evals": []}
    s = Store(root)
    s.initialise("name: t\nretries: 0\n", [cell])
    write_checked(s.cell_dir(cell["id"]) / "result.json", {
        "base": "org/a", "recipe": "bradley_terry", "learning_rate": 1e-3, "seed": 0, "val_accuracy": 0.8,
        "best_step": 10, "model": "/ckpt", "source": "sweep", "params_b": 0.1,
        "eval": {"rewardbench": {"benchmark": "rewardbench", "subsets": {}, "score": 0.7,
                                 "sections": {"chat": 0.8, "chat_hard": 0.5, "safety": 0.7, "reasoning": 0.8}}}})
    return root


def test_collect_reruns_from_its_written_config(tmp_path, capsys):
    store = _store(tmp_path / "store")
    out = tmp_path / "r.csv"
    code, _, err = run(["sweep", "collect", store, "--out", out, "--all"], capsys)
    assert code == 0, err
    resolved = tmp_path / "r.config.yaml"
    assert yaml.safe_load(resolved.read_text()) == {"store": str(store), "out": str(out), "keep_all": True,
                                                    "allow_incomplete": False}
    first = pd.read_csv(out)
    out.unlink()
    code, _, err = run(["sweep", "collect", "--config", resolved], capsys)
    assert code == 0, err
    pd.testing.assert_frame_equal(pd.read_csv(out), first)
    code, stdout, err = run(["sweep", "status", "--config", resolved.with_name("st.yaml")], capsys)
    assert code == 2  # a missing --config file is one message
    _yaml(tmp_path / "st.yaml", {"store": str(store)})
    code, stdout, err = run(["sweep", "status", "--config", tmp_path / "st.yaml"], capsys)
    assert code == 0 and "1 cells" in stdout


def test_presence_compare_and_features_rerun_from_their_written_config(tmp_path, capsys):
    import numpy as np

    from helpers.presence import fake_presence

    rng = np.random.default_rng(0)
    folders = [fake_presence(tmp_path / name, name, {"code": rng.normal(mu, 0.3, 50)})
               for name, mu in (("org/A", -2.0), ("org/B", -2.5))]
    for command, out, extra in (("compare", tmp_path / "jsd.json", ["--bins", "12"]),
                                ("features", tmp_path / "feats.csv", [])):
        code, _, err = run(["presence", command, *folders, "--out", out, *extra], capsys)
        assert code == 0, err
        first = out.read_text()
        resolved = out.with_name(out.stem + ".config.yaml")
        assert yaml.safe_load(resolved.read_text())["folders"] == [str(f) for f in folders]
        out.unlink()
        code, _, err = run(["presence", command, "--config", resolved], capsys)
        assert code == 0, err
        if command == "compare":  # the provenance has the time of the run
            assert json.loads(out.read_text())["pairs"] == json.loads(first)["pairs"]
            assert json.loads(out.read_text())["bins"] == 12
        else:
            assert out.read_text() == first


@pytest.mark.parametrize(("argv", "content", "needles"), [
    (["presence", "compare"], {"folders": ["a", "b"], "out": "OUT", "bins": "many"}, ["key bins"]),
    (["presence", "compare"], {"folders": ["a", "b"], "out": "OUT", "bins": 1}, ["bins", "at least 2"]),
    (["presence", "features"], {"folders": ["a"], "out": "OUT", "share": True}, ["unknown key(s) share"]),
    (["benchmarks", "import"], {"files": ["x.json"], "out": "OUT", "scale": "weird"}, ["scale", "normalised"]),
    (["benchmarks", "import"], {"files": ["x.json"], "out": "OUT", "on_conflict": 3}, ["on_conflict"]),
    (["benchmarks", "import"], {"files": ["x.json"], "out": "OUT", "modle": "m"}, ["unknown key(s) modle"]),
    (["benchmarks", "show"], {"models": ["m"], "all": "perhaps"}, ["key all"]),
    (["benchmarks", "show"], {"modles": ["m"]}, ["unknown key(s) modles"]),
    (["evaluate", "summarize"], {"file": "f.csv", "out": "OUT", "allow_partial": "perhaps"}, ["key allow_partial"]),
    (["evaluate", "summarize"], {"file": "f.csv", "rule": "v1"}, ["unknown key(s) rule"]),
    (["sweep", "status"], {"store": {"a": 1}}, ["store: expected a text"]),
    (["sweep", "collect"], {"store": "s", "out": "OUT", "keep_all": "perhaps"}, ["key keep_all"]),
    (["sweep", "collect"], {"store": "s", "out": "OUT", "keepall": True}, ["unknown key(s) keepall"]),
    (["report"], {"folder": ["a", {"b": 1}]}, ["key folder"]),
    (["report"], {"folder": "x", "figures": True}, ["unknown key(s) figures"]),
])
def test_a_bad_config_file_is_one_message_naming_file_and_key(tmp_path, capsys, argv, content, needles):
    out = tmp_path / "o" / "out.csv"
    content = {k: (str(out) if v == "OUT" else v) for k, v in content.items()}
    cfg = _yaml(tmp_path / "opts.yaml", content)
    assert_refused([*argv, "--config", cfg], capsys, str(cfg), *needles, not_written=(out.parent,))


@pytest.mark.parametrize(("argv", "shown"), [
    (["benchmarks", "import"], ["FILE...", "--out", "PATH", "normalised|raw|both", "[required]"]),
    (["benchmarks", "show"], ["MODEL...", "--scores", "PATH...", "--all", "[default: no]"]),
    (["evaluate", "summarize"], ["FILE", "--rules", "TEXT", "--out", "PATH"]),
    (["sweep", "run"], ["SWEEP_CONFIG", "--store", "DIR", "--scheduler", "fifo|asha", "--max-concurrent", "INT"]),
    (["sweep", "status"], ["STORE", "[required]"]),
    (["sweep", "collect"], ["STORE", "--out", "PATH", "[default: results.parquet]", "--all"]),
    (["report"], ["DIR", "[required]"]),
    (["presence", "compare"], ["DIR...", "--bins", "INT", "[default: 40]"]),
    (["presence", "features"], ["DIR...", "--share-family"]),
])
def test_help_marks_required_and_shows_readable_types(capsys, monkeypatch, argv, shown):
    """typer 0.29's type column (<list[str]>, <path>, <bool>) is not shown; metavars are; a required field is marked
    and a default comes from the config."""
    monkeypatch.setenv("COLUMNS", "250")
    code, out, err = run([*argv, "--help"], capsys)
    assert code == 0, err
    for word in ("<list", "<path>", "<bool>", "<str>", "<int>", "<float>", "]..."):
        assert word not in out, (word, out)
    for word in ["--config", "FILE", *shown]:
        assert word in out, (word, out)


@pytest.mark.parametrize(("argv", "usage"), [
    (["benchmarks", "import"], "[OPTIONS] FILE..."), (["benchmarks", "show"], "[OPTIONS] MODEL..."),
    (["evaluate", "summarize"], "[OPTIONS] FILE"), (["sweep", "run"], "[OPTIONS] SWEEP_CONFIG"),
    (["sweep", "collect"], "[OPTIONS] STORE"), (["report"], "[OPTIONS] DIR"), (["presence", "compare"], "[OPTIONS] DIR..."),
])
def test_usage_line_shows_a_required_argument_as_required(capsys, monkeypatch, argv, usage):
    monkeypatch.setenv("COLUMNS", "250")
    code, out, err = run([*argv, "--help"], capsys)
    assert code == 0, err
    line = next(x for x in out.splitlines() if "Usage:" in x)
    assert line.strip().endswith(f"{' '.join(argv)} {usage}")  # the program name is the test runner's here
