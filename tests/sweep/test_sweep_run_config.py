"""`sweep run` writes its resolved options into the store (STORE/run.config.yaml), and `--config` of that file reruns
the same sweep; a bad value or an unknown key in the file is one message naming the file and the key (no Ray
started: the engine is replaced)."""

from __future__ import annotations

from pathlib import Path

import yaml

from helpers.bad_input import assert_refused, run


def test_run_writes_its_config_into_the_store_and_it_reruns(make_config, tmp_path, capsys, monkeypatch):
    from rmbase.sweep import engine

    calls = []

    def fake_run(checked, store, **options):
        calls.append((len(checked.cells), Path(store), options["max_concurrent"], options["scheduler"]))
        engine.prepare_store(checked, store)
        return engine.RunSummary(store=Path(store), cells=len(checked.cells), done=[c.id for c in checked.cells])

    monkeypatch.setattr(engine, "run_sweep", fake_run)
    sweep, store = make_config(), tmp_path / "store"
    code, _, err = run(["sweep", "run", sweep, "--store", store, "--no-live", "--max-concurrent", "2",
                        "--scheduler", "fifo"], capsys)
    assert code == 0, err
    resolved = yaml.safe_load((store / "run.config.yaml").read_text())
    assert resolved["config"] == str(sweep) and resolved["store"] == str(store)
    assert (resolved["max_concurrent"], resolved["scheduler"], resolved["live"]) == (2, "fifo", False)
    code, _, err = run(["sweep", "run", "--config", store / "run.config.yaml"], capsys)
    assert code == 0, err
    assert calls[0] == calls[1] == (8, store, 2, "fifo")


def test_a_bad_run_config_file_names_the_file_and_key(make_config, tmp_path, capsys):
    store = tmp_path / "store"
    for content, needles in (({"max_concurrent": "many"}, ["key max_concurrent"]),
                             ({"scheduler": "lifo"}, ["scheduler", "fifo"]),
                             ({"throughput": 0}, ["--throughput", "out of range"]),
                             ({"dryrun": True}, ["unknown key(s) dryrun"])):
        cfg = tmp_path / "opts.yaml"
        cfg.write_text(yaml.safe_dump({"config": str(make_config()), "store": str(store), **content}))
        assert_refused(["sweep", "run", "--config", cfg], capsys, str(cfg), *needles, not_written=(store,))
