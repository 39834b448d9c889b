"""The Swallow LLM Leaderboard importer: the three schemas, modes, the defect rules, the mode column round trip, and
bad input (small YAML files written here; the real snapshots from ../shared/data when present)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml

from rmbase.benchmarks import import_files
from rmbase.benchmarks.benchmark_table import COLUMNS, BenchmarkTable
from rmbase.benchmarks.import_swallow import read_swallow, task_name
from rmbase.benchmarks.swallow_rules import FRACTION, RULE_POST, RULE_PRE, combine
from rmbase.cli import main
from rmbase.errors import InputError

HEADER = "# Evaluation results in Swallow LLM Leaderboard\n# CC-BY 4.0\n"
BASIC = {"OpenBookQA": 0.40, "TriviaQA": 0.60, "HellaSwag": 0.60, "SQuAD2": 0.50, "XWINO": 0.90, "MMLU": 0.70,
         "GSM8K": 0.70, "MATH": 0.40, "BBH": 0.65, "HumanEval": 0.40}


def basic(**over) -> dict:
    return {"En Avg": 0.5, **BASIC, **over}


def write_yml(path, entries) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + yaml.safe_dump(entries, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return str(path)


def entries_2025() -> list[dict]:
    ja = {"ja_basic": {"Ja Avg": 0.4, "JComQA": 0.8}, "other": {"GPQA": 0.3}}
    return [
        {"id": "acme/Base-7B", "name": "Acme 7B", "date": "2024-05-01", "params": 7.6, "base_model": "",
         "results": {**ja, "en_basic": basic()}},
        {"id": "acme/Base-7B-Instruct", "name": "Acme 7B Instruct", "date": "2024-06-01", "params": 7.6,
         "base_model": "Acme 7B", "results": {**ja, "en_basic": basic(BBH=0.10, TriviaQA=0.55)}},
        {"id": "other/Chatty-3B", "name": "Chatty 3B", "date": "2024-06-01", "params": 3, "base_model": "(private)",
         "results": {"en_basic": basic(BBH=0.05)}},
        {"id": "gpt-4o-2024-08-06", "name": "GPT-4o", "date": "2024-08-06", "params": 0, "base_model": "(private)",
         "results": {"en_basic": basic(BBH=-0.01, MMLU=-0.01)}},
        {"id": "acme/Sentinel-1B", "name": "Sentinel 1B", "date": "2024-06-01", "params": 1, "base_model": "",
         "results": {"en_basic": basic(HumanEval=-0.01)}},
    ]


def post_2026(mid: str, name: str, base: str, reasoning: str = "N/A", **scores) -> dict:
    en_post = {"avg": 0.5, "HellaSwag": 0.8, "MMLU-Pro": 0.6, "GPQA": 0.4, "MATH500": 0.7, "AIME": 0.2, "LCB": 0.3}
    return {"id": mid, "model_id": mid, "name": name, "date": "2025-04-29", "params": 8.2, "active_params": 8.2,
            "family": "Acme3", "pre_training": base, "reasoning": reasoning, "is_post": True,
            "results": {"ja_post": {"avg": 0.4, "GPQA": 0.3}, "en_post": {**en_post, **scores},
                        "en_mtb": {"avg": 0.7, "coding": 0.6}}}


def pre_2026(mid: str, name: str, **scores) -> dict:
    return {"id": mid, "model_id": mid, "name": name, "date": "2025-04-29", "params": 7.6, "active_params": 7.6,
            "family": "Acme3", "base": "－", "is_post": False,
            "results": {"ja_pre": {"avg": 0.4, "JComQA": 0.8}, "en_pre": {"avg": 0.5, **BASIC, **scores}}}


def entries_2026() -> list[dict]:
    return [pre_2026("acme/Base-7B", "Acme 7B", BBH=0.70),
            post_2026("acme/Think-8B", "Acme Think 8B", "Acme 7B", reasoning="on (medium)"),
            post_2026("acme/Base-7B-Instruct", "Acme 7B Instruct", "Acme 7B"),
            post_2026("gpt-5-2025-08-07", "GPT-5", "(private)", reasoning="on (medium)")]


def rows(table: BenchmarkTable, model: str, bench: str) -> pd.DataFrame:
    f = table.frame
    return f[f.model.eq(model) & f.benchmark.eq(bench)]


# ---------------------------------------------------------------------------------------------------- schemas
def test_task_names_follow_contract_a():
    assert [task_name(t) for t in ("MMLU-Pro", "MATH500", "MIFEvalJa", "LCB", "SQuAD2", "HumanEval")] == \
        ["mmlu_pro", "math500", "mifevalja", "lcb", "squad2", "humaneval"]


def test_2025_schema_rows_modes_stage_and_notes(tmp_path):
    f = read_swallow(write_yml(tmp_path / "model_2025-06-26_x.yml", entries_2025()))
    assert f.schema == "swallow-2025" and f.date == "2025-06-26"
    stage = f.models.set_index("model").stage
    assert stage["acme/Base-7B"] == "pre" and stage["acme/Base-7B-Instruct"] == "post"
    assert stage["other/Chatty-3B"] == "post"  # a private base marks a post-trained model in the 2025 schema
    assert "gpt-4o-2024-08-06" not in set(f.models.model)  # API model, no HF id
    assert f.notes["API model without a Hugging Face id skipped"] == 1
    assert f.notes["non-English or MT-Bench group left out (ja_basic)"] == 2 * 2  # two entries x two cells
    assert f.notes["non-English or MT-Bench group left out (other)"] == 2
    assert f.notes["group average left out (not a task)"] == 4
    assert f.notes["negative sentinel -0.01 ('not run') read as missing"] == 1  # HumanEval of Sentinel-1B
    assert set(f.scores["mode"]) == {"en_basic/pre/off", "en_basic/post/off"}
    assert set(f.scores.benchmark) == {task_name(t) for t in BASIC}
    assert f.scores.source.eq("swallow-leaderboard:model_2025-06-26_x").all()
    assert not ((f.scores.model == "acme/Sentinel-1B") & (f.scores.benchmark == "humaneval")).any()


def test_2026_schema_reasoning_modes_and_api_params_zero(tmp_path):
    entries = entries_2026() + [post_2026("google/gemini-x", "Gemini X", "(private)")]
    entries[-1]["params"] = 0  # an API model with an org/name id: params 0 is the file's mark
    f = read_swallow(write_yml(tmp_path / "model_2026-05-07_y.yml", entries))
    assert f.schema == "swallow-2026"
    modes = f.scores.groupby("model")["mode"].agg(set)
    assert modes["acme/Base-7B"] == {"en_pre/pre/off"}
    assert modes["acme/Think-8B"] == {"en_post/post/on"}
    assert modes["acme/Base-7B-Instruct"] == {"en_post/post/off"}
    assert f.notes["API model without a Hugging Face id skipped"] == 2
    assert set(f.scores[f.scores["mode"].str.startswith("en_post")].benchmark) == \
        {"hellaswag", "mmlu_pro", "gpqa", "math500", "aime", "lcb"}
    assert f.notes["non-English or MT-Bench group left out (en_mtb)"] == 2 * 2


def test_2026_may_schema_mifevalja_is_a_known_task(tmp_path):
    f = read_swallow(write_yml(tmp_path / "model_2026-05-07.yml",
                               [post_2026("acme/Think-8B", "Acme Think 8B", "x", reasoning="on", MIFEvalJa=0.3)]))
    assert "mifevalja" in set(f.scores.benchmark)
    assert "task not in the known list (imported under its lower-case name)" not in f.notes


def test_unknown_task_is_imported_with_a_note(tmp_path):
    f = read_swallow(write_yml(tmp_path / "m.yml", [post_2026("acme/T-8B", "T", "x", **{"New Task": 0.5})]))
    assert "new_task" in set(f.scores.benchmark)
    assert f.notes["task not in the known list (imported under its lower-case name)"] == 1


# ---------------------------------------------------------------------------------------------------- rules
def test_post_far_below_own_base_is_removed_and_recorded(tmp_path):
    res = combine([read_swallow(write_yml(tmp_path / "model_2025-06-26.yml", entries_2025()))])
    removed = res.removed
    hit = removed[(removed.model == "acme/Base-7B-Instruct") & (removed.benchmark == "bbh")]
    assert len(hit) == 1 and hit.rule.iloc[0] == RULE_POST
    assert hit.reference_model.iloc[0] == "acme/Base-7B" and hit.reference_value.iloc[0] == pytest.approx(0.65)
    kept = res.scores[(res.scores.model == "acme/Base-7B-Instruct")]
    assert "bbh" not in set(kept.benchmark)
    assert kept.set_index("benchmark").value["triviaqa"] == pytest.approx(0.55)  # 0.55 / 0.60 > FRACTION: kept
    assert res.notes[f"removed by rule: {RULE_POST}"] == 1
    # a private base cannot be resolved: its BBH 0.05 stays (no rule without the model's own checkpoint)
    assert "bbh" in set(res.scores[res.scores.model == "other/Chatty-3B"].benchmark)
    assert res.models.set_index("model").pretrained_from["acme/Base-7B-Instruct"] == "acme/Base-7B"


def test_post_rule_threshold_is_the_stated_fraction(tmp_path):
    base = 0.50
    entries = [
        {"id": "a/B", "name": "B", "params": 1, "base_model": "", "results": {"en_basic": basic(BBH=base)}},
        {"id": "a/B-Instruct", "name": "B Instruct", "params": 1, "base_model": "B",
         "results": {"en_basic": basic(BBH=base * FRACTION + 0.001, GSM8K=0.7 * FRACTION - 0.001)}},
    ]
    res = combine([read_swallow(write_yml(tmp_path / "m.yml", entries))])
    assert set(res.removed.benchmark) == {"gsm8k"}


def test_post_rule_follows_post_trained_parents_to_the_checkpoint(tmp_path):
    entries = [pre_2026("acme/Base-7B", "Acme 7B"), post_2026("acme/SFT-7B", "Acme SFT 7B", "Acme 7B"),
               post_2026("acme/RL-7B", "Acme RL 7B", "Acme SFT 7B"),
               post_2026("acme/Orphan-7B", "Orphan", "Nobody 7B")]
    res = combine([read_swallow(write_yml(tmp_path / "m.yml", entries))])
    m = res.models.set_index("model")
    assert m.parent["acme/RL-7B"] == "acme/SFT-7B" and m.pretrained_from["acme/RL-7B"] == "acme/Base-7B"
    assert m.pretrained_from["acme/Orphan-7B"] == ""
    assert res.notes["base display name not found among the models of the files read together "
                     "(pretrained_from empty)"] == 1


def test_pre_trained_disagreement_between_groups_removes_the_lower(tmp_path):
    old = write_yml(tmp_path / "model_2025-06-26.yml", entries_2025())
    new = write_yml(tmp_path / "model_2026-05-07.yml", [pre_2026("acme/Base-7B", "Acme 7B", BBH=0.30)])
    res = combine([read_swallow(new), read_swallow(old)])  # the order given does not matter: dates do
    hit = res.removed[res.removed.rule.eq(RULE_PRE)]
    assert list(zip(hit.model, hit["mode"], hit.value, strict=True)) == [("acme/Base-7B", "en_pre/pre/off", 0.30)]
    assert hit.reference_mode.iloc[0] == "en_basic/pre/off"


def test_newest_snapshot_wins_and_replacements_are_counted(tmp_path):
    a = entries_2026()
    b = entries_2026()
    b[0]["results"]["en_pre"]["MMLU"] = 0.75  # changed in the newer file
    old = write_yml(tmp_path / "model_2026-02-20.yml", a)
    new = write_yml(tmp_path / "model_2026-05-07.yml", b)
    table = import_files([new, old], scale="raw")
    r = rows(table, "acme/Base-7B", "mmlu")
    assert len(r) == 1 and r.value.iloc[0] == pytest.approx(0.75)
    assert r.source.iloc[0] == "swallow-leaderboard:model_2026-05-07"
    assert table.warnings["older-snapshot value replaced by the newest snapshot's (values differed)"] == 1
    assert table.replaced.differs.sum() == 1
    assert table.warnings["older-snapshot value equal to the newest snapshot's (one row kept)"] == \
        len(table.replaced) - 1


def test_reasoning_on_never_merges_with_reasoning_off(tmp_path):
    a = [post_2026("acme/Hybrid-8B", "Hybrid", "x", reasoning="on", GPQA=0.6)]
    b = [post_2026("acme/Hybrid-8B", "Hybrid", "x", reasoning="N/A", GPQA=0.4)]
    table = import_files([write_yml(tmp_path / "model_2026-02-20.yml", a),
                          write_yml(tmp_path / "model_2026-05-07.yml", b)], scale="raw")
    r = rows(table, "acme/Hybrid-8B", "gpqa").set_index("mode").value
    assert r.to_dict() == {"en_post/post/on": pytest.approx(0.6), "en_post/post/off": pytest.approx(0.4)}
    assert table.duplicates is None or table.duplicates.empty
    with pytest.raises(InputError, match="several values per model"):
        BenchmarkTable(frame=table.frame.assign(mode="")).wide(scale="raw")
    assert table.wide(scale="raw", mode="en_post/post/on").loc["acme/Hybrid-8B", "gpqa"] == pytest.approx(0.6)


def test_stage_of_a_2025_entry_comes_from_a_newer_file(tmp_path):
    e = [{"id": "microsoft/phi-9", "name": "Phi-9", "params": 14, "base_model": "", "results": {"en_basic": basic()}}]
    old = write_yml(tmp_path / "model_2025-06-26.yml", e)
    new = write_yml(tmp_path / "model_2026-02-20.yml", [post_2026("microsoft/phi-9", "Phi-9", "(private)")])
    res = combine([read_swallow(old), read_swallow(new)])
    assert set(res.scores[res.scores.benchmark.eq("mmlu")]["mode"]) == {"en_basic/post/off"}
    assert res.notes["stage of a 2025-schema entry taken from a newer file's is_post (the name rule disagreed)"] == 1


# ---------------------------------------------------------------------------------------------------- mode column
def test_mode_column_round_trip_and_files_without_it(tmp_path):
    src = write_yml(tmp_path / "model_2026-05-07.yml", entries_2026())
    out = tmp_path / "scores.csv"
    table = import_files([src], scale="raw")
    table.write(out)
    written = pd.read_csv(out, keep_default_na=False)
    assert tuple(written.columns) == COLUMNS
    back = import_files([str(out)], scale="raw")
    key = ["model", "benchmark", "mode"]
    a = table.public().sort_values(key).reset_index(drop=True)
    b = back.public().sort_values(key).reset_index(drop=True)
    pd.testing.assert_series_equal(a["mode"], b["mode"])
    np.testing.assert_allclose(a.value, b.value, atol=1e-6)
    plain = tmp_path / "plain.csv"
    plain.write_text("model,benchmark,value,scale\nacme/X,bbh,40.0,normalised\n")
    assert import_files([str(plain)]).frame["mode"].tolist() == [""]
    prov = json.loads((tmp_path / "scores.csv.provenance.json").read_text())
    assert prov["summary"]["modes"] == ["en_post/post/off", "en_post/post/on", "en_pre/pre/off"]


def test_study_reads_a_file_with_modes_and_ignores_those_rows(tmp_path):
    from rmbase.datasets.study_data import _read_benchmarks

    path = tmp_path / "b.csv"
    pd.DataFrame({"model": ["a/X", "a/X", "a/X"], "benchmark": ["bbh", "bbh", "mmlu"], "value": [40.0, 0.6, 0.7],
                  "scale": ["normalised", "raw", "raw"], "source": "s", "mode": ["", "en_pre/pre/off",
                                                                                "en_pre/pre/off"]}).to_csv(path,
                                                                                                          index=False)
    df, ignored = _read_benchmarks(str(path))
    assert df[["model", "benchmark", "value"]].values.tolist() == [["a/X", "bbh", 40.0]]
    assert ignored == ["scores of mode en_pre/pre/off (another source's tasks)"]


def test_swallow_rows_are_not_normalised_as_leaderboard_scores(tmp_path):
    table = import_files([write_yml(tmp_path / "m.yml", entries_2026())])  # default scale: normalised
    r = rows(table, "acme/Think-8B", "gpqa")
    assert r.scale.tolist() == ["raw"] and r.value.iloc[0] == pytest.approx(0.4)
    assert "raw BBH/MuSR aggregate cannot be normalised (needs per-subtask values; use --scale raw)" \
        not in table.warnings


def test_cli_import_then_recommend_with_benchmarks(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")  # rich tables at full width: the asserted cells are not folded
    src = write_yml(tmp_path / "model.yml", entries_2026())
    out = tmp_path / "scores.csv"
    assert main(["benchmarks", "import", src, "--out", str(out)]) == 0
    assert "API model without a Hugging Face id skipped" in capsys.readouterr().out
    meta = pd.read_csv(tmp_path / "scores.models.csv", keep_default_na=False).set_index("model")
    assert meta.loc["acme/Base-7B-Instruct", ["stage", "reasoning", "pretrained_from"]].tolist() == \
        ["post", "off", "acme/Base-7B"]
    assert meta.loc["acme/Think-8B", "reasoning"] == "on"
    assert main(["benchmarks", "show", "acme/Think-8B", "--scores", str(out)]) == 0
    shown = capsys.readouterr().out
    assert "en_post/post/on" in shown and "mmlu_pro" in shown
    assert main(["recommend", "--benchmarks", str(out), "--candidates", "acme/Think-8B,google/gemma-2-9b-it"]) == 0
    said = capsys.readouterr().out
    assert "acme/Think-8B" in said and "gemma-2-9b-it" in said


# ---------------------------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(("content", "message"), [
    ("- id: a/b\n  results:\n    ja_basic: {JComQA: 0.5}\n", "unknown Swallow model.yml schema: no English group"),
    ("- id: a/b\n  results:\n    en_basic: {MMLU: 0.5}\n- id: a/c\n  is_post: false\n  results:\n"
     "    en_pre: {MMLU: 0.5}\n", "both the 2025"),
    ("models: {a: 1}\n", "not a Swallow model.yml"),
    ("- id: a/b\n  name: B\n", "has no 'results' mapping"),
    ("- name: No Id\n  results:\n    en_basic: {MMLU: 0.5}\n", "entry 1 (name 'No Id') has no id"),
    ("- id: a/b\n  model_id: a/c\n  is_post: false\n  results:\n    en_pre: {MMLU: 0.5}\n", "differ"),
    ("- id: a/b\n  results:\n    en_basic: {MMLU: 1.5}\n", "entry 1 ('a/b') en_basic MMLU: score 1.5 outside 0-1"),
    ("- id: a/b\n  results:\n    en_basic: {MMLU: -0.5}\n", "score -0.5 outside 0-1"),
    ("- id: a/b\n  results:\n    en_basic: {MMLU: high}\n", "non-numeric value 'high'"),
    ("- id: a/b\n  results:\n    en_basic: {MMLU: 0.5}\n- id: a/b\n  results:\n    en_basic: {MMLU: 0.5}\n",
     "listed twice"),
    ("- id: a/b\n  is_post: true\n  reasoning: sometimes\n  results:\n    en_post: {GPQA: 0.5}\n",
     "unknown reasoning value 'sometimes'"),
    ("- id: a/b\n  results: [\n", "cannot parse as YAML"),
])
def test_bad_model_yml_exits_2_naming_file_and_entry(tmp_path, capsys, content, message):
    path = tmp_path / "model.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=None) as err:
        import_files([str(path)])
    assert message in str(err.value) and str(path) in str(err.value)
    assert main(["benchmarks", "import", str(path), "--out", str(tmp_path / "o.csv")]) == 2
    assert not (tmp_path / "o.csv").exists()


def test_a_file_without_a_date_in_its_name_is_dated_by_its_modification_time(tmp_path):
    import os

    path = write_yml(tmp_path / "model.yml", entries_2026())
    os.utime(path, (1_790_000_000, 1_790_000_000))  # 2026-09-21 UTC
    f = read_swallow(path)
    assert f.date == "2026-09-21" and not f.dated_by_name
    assert f.notes["snapshot date taken from the file's modification time (a date in the name, model_YYYY-MM-DD.yml, "
                   "sets it)"] == 1
    assert set(import_files([path], scale="raw").frame.date) == {"2026-09-21"}


def test_several_files_need_a_snapshot_date_each(tmp_path):
    a = write_yml(tmp_path / "model.yml", entries_2026())
    b = write_yml(tmp_path / "model_2026-05-07.yml", entries_2026())
    with pytest.raises(InputError, match="no snapshot date"):
        import_files([a, b])


def test_same_snapshot_date_with_different_values_is_refused(tmp_path):
    a = entries_2026()
    b = entries_2026()
    b[0]["results"]["en_pre"]["MMLU"] = 0.75
    with pytest.raises(InputError, match="two files of the same snapshot date"):
        import_files([write_yml(tmp_path / "x" / "model_2026-05-07.yml", a),
                      write_yml(tmp_path / "y" / "model_2026-05-07_copy.yml", b)])


def test_hostile_model_names_are_escaped(tmp_path, capsys, monkeypatch):
    evil = "evil/[bold red]pwn[/bold red]<script>"
    entries = [pre_2026(evil, "[link=http://x]Evil[/link]"), post_2026("[red]api[/red]", "API", "(private)")]
    src = write_yml(tmp_path / "model.yml", entries)
    out = tmp_path / "s.csv"
    monkeypatch.setenv("COLUMNS", "250")
    assert main(["benchmarks", "import", src, "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "[red]api[/red]" in said  # the skipped API model's name is printed as typed, not as markup
    assert evil in set(pd.read_csv(out).model)
    assert main(["benchmarks", "show", evil, "--scores", str(out)]) == 0
    assert "[bold red]pwn[/bold red]" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------------- real data
SNAPSHOTS = ("model_2025-06-26_7b515e6.yml", "model_2026-02-20_2e1f710.yml", "model_2026-05-07_be9013b.yml")


@pytest.fixture
def snapshots(shared):
    return [str(shared("swallow_leaderboard", name)) for name in SNAPSHOTS]


def test_real_snapshots_each_schema(snapshots):
    files = [read_swallow(p) for p in snapshots]
    assert [f.schema for f in files] == ["swallow-2025", "swallow-2026", "swallow-2026"]
    assert "mifevalja" not in set(files[1].scores.benchmark) and "mifevalja" in set(files[2].scores.benchmark)
    assert files[0].notes["negative sentinel -0.01 ('not run') read as missing"] == 0  # API rows: skipped first
    assert files[0].notes["API model without a Hugging Face id skipped"] == 8


def test_real_snapshots_rules_match_the_known_defects(snapshots):
    res = combine([read_swallow(p) for p in snapshots])
    removed = set(zip(res.removed.model, res.removed.benchmark, res.removed["mode"], strict=True))
    for size in ("0.5B", "3B", "7B", "14B", "32B", "72B"):  # every Qwen2.5-*-Instruct BBH that failed extraction
        assert (f"Qwen/Qwen2.5-{size}-Instruct", "bbh", "en_basic/post/off") in removed
    assert ("meta-llama/Llama-4-Scout-17B-16E", "bbh", "en_pre/pre/off") in removed
    assert ("rinna/gemma-2-baku-2b-it", "bbh", "en_basic/post/off") in removed
    s = res.scores.set_index(["model", "benchmark", "mode"]).value
    assert s["meta-llama/Llama-3.1-8B-Instruct", "bbh", "en_basic/post/off"] == pytest.approx(0.69, abs=0.01)
    assert s["google/gemma-3-12b-it", "bbh", "en_basic/post/off"] == pytest.approx(0.80, abs=0.01)
    assert s["meta-llama/Llama-4-Scout-17B-16E", "bbh", "en_basic/pre/off"] == pytest.approx(0.618)
    assert res.scores.value.between(0, 1).all()


def test_bundled_tables_equal_a_rebuild(snapshots):
    from rmbase.benchmarks.import_pipeline import finish_import
    from rmbase.benchmarks.swallow_rules import swallow_table
    from rmbase.datasets import load_swallow

    scores, models = load_swallow()
    rebuilt = finish_import(swallow_table(snapshots), scale="raw").public()
    rebuilt = rebuilt[rebuilt.benchmark.ne("params_b")]
    key = ["model", "benchmark", "mode"]
    a = scores.sort_values(key).reset_index(drop=True)
    b = rebuilt.sort_values(key).reset_index(drop=True)
    assert a[key].astype(str).values.tolist() == b[key].astype(str).values.tolist()
    np.testing.assert_allclose(a.value.to_numpy(), b.value.to_numpy(), atol=1e-6)
    assert set(scores.model) <= set(models.model)


def test_bundled_tables_contract():
    from rmbase.datasets import load_swallow, load_swallow_removed

    scores, models = load_swallow()
    assert tuple(scores.columns) == COLUMNS
    assert scores.scale.eq("raw").all() and scores.value.between(0, 1).all()
    assert scores.source.str.startswith("swallow-leaderboard:model_").all()
    parts = scores["mode"].str.split("/", expand=True)
    assert set(parts[0]) == {"en_basic", "en_pre", "en_post"} and set(parts[1]) == {"pre", "post"}
    assert set(parts[2]) == {"on", "off"}
    assert not scores.duplicated(["model", "benchmark", "mode"]).any()
    assert {"model", "name", "family", "params_b", "active_params", "release", "stage", "reasoning",
            "pretrained_from"} <= set(models.columns)
    pre = set(models.model[models.stage.eq("pre")])
    assert set(models.pretrained_from[models.pretrained_from.ne("")]) <= pre
    for m in ("Qwen/Qwen3-8B-Base", "google/gemma-3-12b-pt", "meta-llama/Llama-4-Scout-17B-16E",
              "tiiuae/Falcon3-10B-Base", "microsoft/phi-4"):
        assert m in set(models.model)
    assert models.set_index("model").pretrained_from["Qwen/Qwen3-8B"] == "Qwen/Qwen3-8B-Base"
    removed = load_swallow_removed()
    merged = removed.merge(scores, on=["model", "benchmark", "mode"], how="inner")
    assert merged.empty  # a removed cell is not in the scores


def test_two_sources_of_one_mode_are_both_kept_and_their_disagreement_reported(tmp_path):
    src = write_yml(tmp_path / "model_2026-05-07.yml", entries_2026())
    mine = tmp_path / "mine.csv"
    pd.DataFrame({"model": ["acme/Base-7B", "acme/Base-7B"], "benchmark": ["mmlu", "gsm8k"], "value": [0.50, 0.70],
                  "scale": "raw", "source": "my-harness:run1", "mode": "en_pre/pre/off"}).to_csv(mine, index=False)
    table = import_files([src, str(mine)], scale="raw")
    r = rows(table, "acme/Base-7B", "mmlu").set_index("source").value
    assert r.to_dict() == {"swallow-leaderboard:model_2026-05-07": pytest.approx(0.70),
                           "my-harness:run1": pytest.approx(0.50)}
    kind = "same model, task and mode from two sources with different values (both kept)"
    assert table.warnings[kind] == 1  # gsm8k agrees (0.70 both): not a disagreement
    assert "0.7 (swallow-leaderboard:model_2026-05-07)" in table.warning_examples[kind]
    assert len(rows(table, "acme/Base-7B", "gsm8k")) == 2


def test_one_source_of_one_mode_keeps_the_rule_of_its_latest_date(tmp_path):
    path = tmp_path / "s.csv"
    pd.DataFrame({"model": ["a/X", "a/X"], "benchmark": ["mmlu", "mmlu"], "value": [0.5, 0.6], "scale": "raw",
                  "source": ["swallow-leaderboard:model_2026-02-20", "swallow-leaderboard:model_2026-05-07"],
                  "mode": "en_pre/pre/off", "date": ["2026-02-20", "2026-05-07"]}).to_csv(path, index=False)
    table = import_files([str(path)], scale="raw")
    assert rows(table, "a/X", "mmlu").value.tolist() == [pytest.approx(0.6)]
    assert table.duplicates.reason.iloc[0].endswith("on later date")
