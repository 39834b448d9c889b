"""Importers: lm-eval and EvalPlus JSONs, leaderboard tables, plain CSV; bad input; study compatibility."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from helpers.lm_eval_samples import (
    full_bbh,
    full_musr,
    leaderboard_results,
    results_file,
    shared_data,
    write_json,
)
from rmbase.benchmarks import import_files
from rmbase.benchmarks.normalise import bbh_score
from rmbase.errors import InputError


def _lm_eval_file(tmp_path, name="results_2024-07-01T00-00-00.json", **kw):
    res = leaderboard_results(full_bbh(), full_musr())
    res["hellaswag"] = {"acc,none": 0.61, "acc_norm,none": 0.72, "acc_norm_stderr,none": 0.01}
    res["some_custom_task"] = {"acc,none": 0.5}
    res["boolq"] = {"f1,none": 0.3}  # known task, its metric (acc) missing
    return write_json(tmp_path / "org__Some-Model-7B" / name, results_file(res, **kw))


def test_lm_eval_results_json(tmp_path):
    table = import_files([_lm_eval_file(tmp_path)])
    f = table.frame
    assert set(f.model) == {"org/Some-Model-7B"}
    norm = f[f.scale.eq("normalised")].set_index("benchmark").value
    assert norm["bbh"] == pytest.approx(bbh_score(full_bbh()))
    assert norm["ifeval"] == pytest.approx(55.0)
    assert set(norm.index) == {"ifeval", "bbh", "math_lvl5", "gpqa", "musr", "mmlu_pro", "oll_average"}
    hs = f[f.benchmark.eq("hellaswag")]
    assert hs.scale.tolist() == ["raw"] and hs.value.iloc[0] == pytest.approx(0.72)  # acc_norm per the suite
    assert table.warnings["unknown task skipped"] == 1
    assert table.warnings["missing metric"] == 1
    assert f.date.iloc[0] == "2024-07-03"
    assert bool(f.chat_template.iloc[0]) and f.precision.iloc[0] == "bfloat16"


def test_lm_eval_scale_raw_and_both(tmp_path):
    path = _lm_eval_file(tmp_path)
    raw = import_files([path], scale="raw").frame
    assert set(raw.scale) == {"raw"} and "oll_average" not in set(raw.benchmark)
    both = import_files([path], scale="both").frame
    assert set(both[both.benchmark.eq("bbh")].scale) == {"raw", "normalised"}


def test_bad_json_inputs_are_clear_errors(tmp_path):
    bad = tmp_path / "results_x.json"
    bad.write_text('{"results": {"a": 1,,}')
    with pytest.raises(InputError, match=r"results_x\.json.*malformed JSON.*line 1"):
        import_files([bad])
    other = write_json(tmp_path / "other.json", {"hello": 1})
    with pytest.raises(InputError, match="unknown kind"):
        import_files([other])
    nomodel = write_json(tmp_path / "results_nomodel.json", {"results": {"leaderboard_gpqa": {"acc_norm,none": 0.3}}})
    with pytest.raises(InputError, match="no model id"):
        import_files([nomodel])
    assert import_files([nomodel], model="a/b").frame.model.unique().tolist() == ["a/b"]
    unknown = write_json(tmp_path / "results_u.json", results_file({"mystery": {"acc,none": 0.3}}))
    with pytest.raises(InputError, match="no usable task"):
        import_files([unknown])
    with pytest.raises(InputError, match="file not found"):
        import_files([tmp_path / "missing.json"])


def _evalplus(tmp_path, dataset="humaneval"):
    prefix = "HumanEval" if dataset == "humaneval" else "Mbpp"
    statuses = [("pass", "pass"), ("pass", "fail"), ("fail", "fail"), ("pass", "pass")]
    ev = {f"{prefix}/{i}": [{"task_id": f"{prefix}/{i}", "base_status": b, "plus_status": p}]
          for i, (b, p) in enumerate(statuses)}
    name = "Qwen--Qwen2.5-0.5B-Instruct_hf_temp_0.0_eval_results.json"
    return write_json(tmp_path / dataset / name, {"date": "2025-01-02 10:00", "hash": "h", "eval": ev})


def test_evalplus_json(tmp_path):
    f = import_files([_evalplus(tmp_path), _evalplus(tmp_path, "mbpp")]).frame
    v = f.set_index("benchmark").value
    assert set(f.model) == {"Qwen/Qwen2.5-0.5B-Instruct"}
    assert v["humaneval"] == pytest.approx(0.75) and v["humaneval_plus"] == pytest.approx(0.5)
    assert v["mbpp_plus"] == pytest.approx(0.5)
    assert set(f.scale) == {"raw"} and set(f.date) == {"2025-01-02"}


def test_plain_csv_and_row_errors(tmp_path):
    good = tmp_path / "plain.csv"
    good.write_text("model,benchmark,value\nmeta-llama/Meta-Llama-3.1-8B,ifeval,12.5\nmeta-llama/Llama-3.1-8B,"
                    "mmlu,0.66\nx/y,bbh,\n")
    table = import_files([good])
    f = table.frame
    assert set(f.model) == {"meta-llama/Llama-3.1-8B"}  # Meta- spelling folded into one model
    assert f.set_index("benchmark").scale.to_dict() == {"ifeval": "normalised", "mmlu": "raw"}
    assert table.warnings["missing score skipped"] == 1
    bad = tmp_path / "bad.csv"
    bad.write_text("model,benchmark,value\na/b,ifeval,12\na/c,ifeval,twelve\n")
    with pytest.raises(InputError, match=r"bad\.csv, row 2, column 'value': non-numeric value 'twelve'"):
        import_files([bad])
    rng = tmp_path / "range.csv"
    rng.write_text("model,benchmark,value,scale\na/b,gpqa,1.5,raw\n")
    with pytest.raises(InputError, match="out of range"):
        import_files([rng])
    cols = tmp_path / "cols.csv"
    cols.write_text("name,score\na,1\n")
    with pytest.raises(InputError, match="unrecognised table"):
        import_files([cols])


def test_duplicate_rule_official_then_chat_then_bf16(tmp_path):
    rows = [
        # model, value, official, chat, precision, date
        ("meta-llama/Llama-3.1-8B-Instruct", 10.0, False, True, "bfloat16", "2024-09-01"),
        ("meta-llama/Meta-Llama-3.1-8B-Instruct", 20.0, True, False, "bfloat16", "2024-08-01"),
        ("meta-llama/Meta-Llama-3.1-8B-Instruct", 30.0, True, True, "float16", "2024-08-01"),
        ("meta-llama/Llama-3.1-8B-Instruct", 40.0, True, True, "bfloat16", "2024-07-01"),
        ("q/a", 1.0, None, None, None, "2024-01-01"),
        ("q/a", 2.0, None, None, None, "2024-02-01"),  # later date wins
    ]
    csv = tmp_path / "dups.csv"
    pd.DataFrame([{"model": m, "benchmark": "gpqa", "value": v, "scale": "normalised", "source": f"s{i}",
                   "date": d, "official_provider": o, "chat_template": c, "precision": p}
                  for i, (m, v, o, c, p, d) in enumerate(rows)]).to_csv(csv, index=False)
    table = import_files([csv])
    got = table.frame.set_index("model").value.to_dict()
    assert got == {"meta-llama/Llama-3.1-8B-Instruct": 40.0, "q/a": 2.0}
    reasons = table.duplicates.set_index("source").reason.to_dict()
    assert reasons["s0"].endswith("on official provider")
    assert reasons["s1"].endswith("on chat template")
    assert reasons["s2"].endswith("on bfloat16")
    assert reasons["s4"].endswith("on later date")


def test_conflicts_error_drop_first(tmp_path):
    csv = tmp_path / "conflict.csv"
    csv.write_text("model,benchmark,value,source\na/b,gpqa,5,first\nA/B,gpqa,7,second\na/b,bbh,3,x\na/b,bbh,3,y\n")
    with pytest.raises(InputError, match="conflicting duplicate.*'gpqa'.*first.*second"):
        import_files([csv])
    dropped = import_files([csv], on_conflict="drop")
    assert dropped.frame.benchmark.tolist() == ["bbh"]
    assert dropped.warnings["identical duplicate rows merged"] == 1
    assert dropped.warnings["conflicting duplicates (drop)"] == 1
    first = import_files([csv], on_conflict="first").frame.set_index("benchmark").value
    assert first["gpqa"] == 5.0


def test_write_and_provenance(tmp_path):
    table = import_files([_lm_eval_file(tmp_path)])
    out = table.write(tmp_path / "out" / "scores.parquet", config={"k": 1})
    back = pd.read_parquet(out)
    assert list(back.columns) == ["model", "benchmark", "value", "scale", "source", "mode", "date"]
    prov = json.loads((tmp_path / "out" / "scores.parquet.provenance.json").read_text())
    assert prov["summary"]["warnings"]["unknown task skipped"] == 1
    assert "official provider" in prov["duplicate_rule"] and prov["data_sha256"]
    with pytest.raises(InputError, match="unsupported output type"):
        table.write(tmp_path / "x.txt")


def test_contents_table_and_study_compatibility(tmp_path):
    """Real leaderboard rows -> import -> the study loader accepts the output; both Llama spellings are one model."""
    from rmbase.datasets.study_data import _read_benchmarks

    src = pd.read_csv(shared_data("open_llm_leaderboard_v2_contents", "open_llm_leaderboard_v2_contents_clean.csv"))
    sample = src[src.model.str.contains("Llama-3.1-8B-Instruct", regex=False) & src.model.str.startswith("meta")]
    assert len(sample) == 2  # float16 no-template row and bfloat16 chat-template row
    path = tmp_path / "contents.csv"
    pd.concat([sample, src.head(50)]).to_csv(path, index=False)
    table = import_files([path])
    out = table.write(tmp_path / "scores.csv")
    long, ignored = _read_benchmarks(str(out))
    assert ignored == []
    llama = long[long.model.eq("meta-llama/Llama-3.1-8B-Instruct")].set_index("benchmark").value
    chosen = sample[sample.chat_template].iloc[0]
    assert llama["ifeval"] == pytest.approx(chosen.ifeval, abs=1e-6)
    assert llama["oll_average"] == pytest.approx(chosen.average, abs=1e-6)


def test_final_leaderboard_raw_table(tmp_path):
    path = shared_data("open_llm_leaderboard_v2_eee", "open_llm_leaderboard_v2_scores.csv")
    with pytest.raises(InputError, match="conflicting duplicate"):
        import_files([path])
    table = import_files([path], on_conflict="drop")
    f = table.frame
    assert set(f.benchmark) == {"ifeval", "math_lvl5", "gpqa", "mmlu_pro"}  # BBH/MuSR: not normalisable
    assert table.warnings["raw BBH/MuSR aggregate cannot be normalised (needs per-subtask values; use --scale raw)"] \
        == 2 * 4574
    raw = import_files([path], scale="raw", on_conflict="drop").frame
    assert set(raw.benchmark) == {"ifeval", "bbh", "math_lvl5", "gpqa", "musr", "mmlu_pro"}
    assert raw.model.nunique() >= 4490


def test_output_runs_with_the_study_loader(tmp_path):
    """Import the leaderboard rows of the study's 42 models, write with short names, load with the study's
    bundled models and RewardBench tables: the study accepts it and the values equal its own bundled ones."""
    from importlib import resources

    from rmbase.datasets import load_bundled, load_tables

    src = pd.read_csv(shared_data("open_llm_leaderboard_v2_contents", "open_llm_leaderboard_v2_contents_clean.csv"))
    root = resources.files("rmbase.datasets") / "paper_2505_10775"
    rows = pd.read_csv(root / "benchmark_rows.csv")
    from rmbase.model_ids import canonical_model_id

    keys = set(rows.hf_id.map(canonical_model_id))
    sample = src[src.model.map(canonical_model_id).isin(keys)]
    path = tmp_path / "contents.csv"
    sample.to_csv(path, index=False)
    out = import_files([path]).write(tmp_path / "bench.csv", names="short")
    data = load_tables(root / "models.csv", root / "rewardbench.csv", out)
    ours = data.feature_matrix().sort_index()
    theirs = load_bundled().feature_matrix().sort_index()
    # MATH Lvl 5 (and the average) of the bundled table is the final leaderboard's where it re-evaluated the same
    # run (DATA.md, column math_lvl5_source); the rest, and the runs whose MATH Lvl 5 stayed, equal the contents table
    kept = rows.set_index("model").index[rows.math_lvl5_source.ne("final")].intersection(theirs.index)
    pd.testing.assert_frame_equal(ours.drop(columns=["math_lvl5", "oll_average"]),
                                  theirs.drop(columns=["math_lvl5", "oll_average"]), atol=1e-5, check_like=True)
    pd.testing.assert_frame_equal(ours.loc[kept], theirs.loc[kept], atol=1e-5, check_like=True)


def test_short_names_clash_is_an_error(tmp_path):
    csv = tmp_path / "two.csv"
    csv.write_text("model,benchmark,value\na/m,gpqa,5\nb/m,gpqa,6\n")
    with pytest.raises(InputError, match="same name without organisation"):
        import_files([csv]).write(tmp_path / "o.csv", names="short")
    assert not (tmp_path / "o.csv").exists()


def test_folder_of_results(tmp_path):
    """A folder stands for the lm-eval and EvalPlus JSONs under it (e.g. an lm_eval --output_path folder)."""
    _lm_eval_file(tmp_path / "runs")
    _evalplus(tmp_path / "runs")
    (tmp_path / "runs" / "notes.json").write_text("{}")  # not a results file name: not picked up
    table = import_files([tmp_path / "runs"])
    assert {"bbh", "humaneval_plus"} <= set(table.frame.benchmark)
    assert set(table.frame.model) == {"org/Some-Model-7B", "Qwen/Qwen2.5-0.5B-Instruct"}
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no results_"):
        import_files([tmp_path / "empty"])


def test_params_b_is_a_size_not_a_score(tmp_path):
    """A candidate's size comes in the same file as its scores: as a long row (benchmark params_b), a wide column or
    lm-eval's recorded parameter count; it is checked as a size (> 0), never as a 0-1 score."""
    long = tmp_path / "long.csv"
    long.write_text("model,benchmark,value\nacme/New-8B,params_b,8.19\nacme/New-8B,ifeval,71.2\n")
    f = import_files([long]).frame.set_index("benchmark")
    assert f.loc["params_b", "value"] == pytest.approx(8.19) and f.loc["params_b", "scale"] == "billions"
    assert f.loc["ifeval", "scale"] == "normalised"
    out = tmp_path / "rewritten.csv"  # written and read again (scale column present)
    import_files([long]).write(out)
    again = import_files([out]).frame.set_index("benchmark")
    assert again.loc["params_b", "value"] == pytest.approx(8.19)
    wide = tmp_path / "wide.csv"
    wide.write_text("model,params_b,ifeval,bbh\nacme/A-3B,3.2,40,20\nacme/B-7B,,50,30\n")
    w = import_files([wide]).frame
    assert w[w.benchmark.eq("params_b")].set_index("model").value.to_dict() == {"acme/A-3B": pytest.approx(3.2)}
    for bad, where in (("acme/X,params_b,0\n", "row 1"), ("acme/X,params_b,-2\n", "row 1"),
                       ("acme/X,params_b,inf\n", "row 1")):
        p = tmp_path / "bad_size.csv"
        p.write_text("model,benchmark,value\n" + bad)
        with pytest.raises(InputError, match=rf"{where}, column 'value': parameter count \(billions\) .* is out of "
                                             r"range.*> 0"):
            import_files([p])
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("model,benchmark,value,scale\nacme/X,params_b,8,raw\n")
    with pytest.raises(InputError, match="params_b with scale 'raw'"):
        import_files([mixed])
    # lm-eval's config.model_num_parameters, once per model although each results file records it
    for name in ("results_a.json", "results_b.json"):
        obj = results_file(leaderboard_results(full_bbh(), full_musr()), model="acme/New-8B")
        obj["config"]["model_num_parameters"] = 8_190_735_360
        write_json(tmp_path / "run" / name, obj)
    table = import_files([tmp_path / "run"], on_conflict="first")
    sizes = table.frame[table.frame.benchmark.eq("params_b")]
    assert sizes.value.tolist() == [pytest.approx(8.19073536)]


def test_study_loader_ignores_sizes_in_an_imported_table(tmp_path):
    """`rmbase study --benchmarks` on an import that carries sizes: the size rows are listed as ignored, and a
    size above 100 (a 235B model) is not refused as a 0-100 score."""
    from rmbase.datasets.study_data import _read_benchmarks

    f = tmp_path / "b.csv"
    f.write_text("model,benchmark,value,scale\nacme/Huge-235B,params_b,235.1,billions\n"
                 "acme/Huge-235B,ifeval,80,normalised\nacme/Huge-235B,bbh,101,normalised\n")
    with pytest.raises(InputError, match="row 3"):  # the file's row numbers, size rows counted
        _read_benchmarks(str(f))
    f.write_text("model,benchmark,value,scale\nacme/Huge-235B,params_b,235.1,billions\n"
                 "acme/Huge-235B,ifeval,80,normalised\n")
    df, ignored = _read_benchmarks(str(f))
    assert df.benchmark.tolist() == ["ifeval"] and ignored == ["params_b"]
