"""`run_suite` offline: a tiny random model on a tiny local-data lm-eval task; resumable per benchmark."""

from __future__ import annotations

import json

import pandas as pd
import pytest

pytest.importorskip("lm_eval")
pytest.importorskip("transformers")

from helpers.lm_eval_tiny import QUESTIONS, tiny_causal_lm_dir, tiny_task_dir
from rmbase.benchmarks.run import run_suite
from rmbase.benchmarks.suites import TaskSpec
from rmbase.errors import InputError

SPECS = (TaskSpec("tiny_mc", ("rmbase_tiny_mc",), "acc"), TaskSpec("tiny_mc_again", ("rmbase_tiny_mc2",), "acc"))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny")
    model = tiny_causal_lm_dir(root / "model")
    tasks = tiny_task_dir(root / "tasks")
    tiny_task_dir(root / "tasks", name="rmbase_tiny_mc2")
    return model, tasks


def test_run_then_resume(tiny, tmp_path):
    model, tasks = tiny
    out = tmp_path / "out"
    opts = dict(include_path=str(tasks), include_defaults=False, evalplus=False)
    report = run_suite(str(model), "custom", out, specs=SPECS, benchmarks=("tiny_mc",), **opts)
    assert report.done == ["tiny_mc"] and not report.failed
    res = json.loads((out / "lm_eval" / "tiny_mc" / "results.json").read_text())
    acc = res["results"]["rmbase_tiny_mc"]["acc,none"]
    assert res["results"]["rmbase_tiny_mc"]["sample_len"] == len(QUESTIONS)
    assert res["model_name"] == str(model)
    scores = pd.read_csv(out / "scores.csv").set_index("benchmark")
    assert scores.loc["tiny_mc", "value"] == pytest.approx(acc, abs=1e-6)
    assert scores.loc["tiny_mc", "model"] == str(model)
    # the size lm-eval recorded comes along (what recommend --benchmarks needs for a candidate no table has)
    n_params = res["config"]["model_num_parameters"]
    assert n_params > 0 and scores.loc["params_b", "scale"] == "billions"
    assert scores.loc["params_b", "value"] == pytest.approx(n_params / 1e9, abs=1e-6)
    assert (out / "scores.csv.provenance.json").exists()

    # second call: the finished benchmark is kept (file untouched), the other one runs
    stamp = (out / "lm_eval" / "tiny_mc" / "results.json").stat().st_mtime_ns
    report2 = run_suite(str(model), "custom", out, specs=SPECS, **opts)
    assert report2.skipped == ["tiny_mc"] and report2.done == ["tiny_mc_again"]
    assert (out / "lm_eval" / "tiny_mc" / "results.json").stat().st_mtime_ns == stamp
    again = pd.read_csv(out / "scores.csv")
    assert set(again.benchmark) == {"tiny_mc", "tiny_mc_again", "params_b"}
    assert again.benchmark.eq("params_b").sum() == 1  # both results files record it: one size row
    status = json.loads((out / "run.json").read_text())
    assert status["skipped"] == ["tiny_mc"]


def test_broken_result_file_is_rerun_and_failures_are_recorded(tiny, tmp_path):
    model, tasks = tiny
    out = tmp_path / "out"
    (out / "lm_eval" / "tiny_mc").mkdir(parents=True)
    (out / "lm_eval" / "tiny_mc" / "results.json").write_text("{ half written")
    bad = (*SPECS, TaskSpec("missing", ("rmbase_no_such_task",), "acc"))
    report = run_suite(str(model), "custom", out, specs=bad, include_path=str(tasks), include_defaults=False,
                       evalplus=False, benchmarks=("tiny_mc", "missing"))
    assert report.done == ["tiny_mc"]
    assert list(report.failed) == ["missing"]
    assert json.loads((out / "run.json").read_text())["failed"]["missing"]


def test_unknown_benchmark_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="unknown benchmark"):
        run_suite("x/y", "leaderboard", tmp_path, benchmarks=("nope",))
    with pytest.raises(InputError, match="unknown suite"):
        run_suite("x/y", "nope", tmp_path)


def test_chat_template_is_applied_when_the_tokenizer_has_one(tiny, tmp_path):
    from helpers.lm_eval_tiny import CHAT_TEMPLATE
    from rmbase.benchmarks.import_harness import import_lm_eval

    _, tasks = tiny
    model = tiny_causal_lm_dir(tmp_path / "chat_model", chat_template=CHAT_TEMPLATE)
    out = tmp_path / "out"
    report = run_suite(str(model), "custom", out, specs=SPECS[:1], include_path=str(tasks), include_defaults=False,
                       evalplus=False)
    assert report.done == ["tiny_mc"]
    res = json.loads((out / "lm_eval" / "tiny_mc" / "results.json").read_text())
    assert res["chat_template"] == CHAT_TEMPLATE
    f = import_lm_eval(out / "lm_eval" / "tiny_mc" / "results.json", model="acme/chat-tiny",
                       specs={"rmbase_tiny_mc": SPECS[0]}).frame
    assert f.chat_template.tolist() == [True, True]  # the score and the recorded size (params_b)
    assert f.benchmark.tolist() == ["tiny_mc", "params_b"]
    # the same model without the template (forced off) records no template
    off = run_suite(str(model), "custom", tmp_path / "off", specs=SPECS[:1], include_path=str(tasks),
                    include_defaults=False, evalplus=False, chat_template=False)
    assert off.done == ["tiny_mc"]
    res_off = json.loads((tmp_path / "off" / "lm_eval" / "tiny_mc" / "results.json").read_text())
    assert not res_off.get("chat_template")


def test_ifeval_without_punkt_data_fails_before_any_work(tmp_path, monkeypatch):
    """No NLTK punkt_tab and no network: IFEval is recorded as failed with what to do, before a model is loaded
    (the scorer would otherwise fail only after every response was generated); no network is used."""
    nltk = pytest.importorskip("nltk")

    def absent(*a, **k):
        raise LookupError("punkt_tab")

    calls = []
    monkeypatch.setattr(nltk.data, "find", absent)
    monkeypatch.setattr(nltk, "download", lambda name, **k: calls.append(name) or False)
    report = run_suite("org/not-loaded", "leaderboard", tmp_path / "out", benchmarks=("ifeval",),
                       lm=object())  # any use of the model object would raise
    assert calls == ["punkt_tab"]
    assert report.done == [] and "nltk.downloader punkt_tab" in report.failed["ifeval"]
