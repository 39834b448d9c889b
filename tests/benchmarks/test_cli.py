"""`rmbase benchmarks import / show / run`: outputs, exit codes, nothing written on bad input."""

from __future__ import annotations

import pandas as pd

from helpers.lm_eval_samples import full_bbh, full_musr, leaderboard_results, results_file, write_json
from rmbase.cli import main


def test_import_then_show(tmp_path, capsys):
    src = write_json(tmp_path / "res" / "results_a.json", results_file(leaderboard_results(full_bbh(), full_musr()),
                                                                       model="acme/Tiny-1B"))
    out = tmp_path / "scores.csv"
    assert main(["benchmarks", "import", str(src), "--out", str(out)]) == 0
    df = pd.read_csv(out)
    assert list(df.columns) == ["model", "benchmark", "value", "scale", "source", "mode", "date"]
    assert set(df.scale) == {"normalised"} and len(df) == 7
    capsys.readouterr()
    assert main(["benchmarks", "show", "Tiny-1B", "--scores", str(out)]) == 0
    shown = capsys.readouterr().out
    assert "acme/Tiny-1B" in shown and "oll_average" in shown


def test_show_bundled_and_unknown(capsys):
    assert main(["benchmarks", "show", "meta-llama/Meta-Llama-3.1-8B-Instruct"]) == 0
    assert "meta-llama/Llama-3.1-8B-Instruct" in capsys.readouterr().out
    assert main(["benchmarks", "show", "nobody/nothing"]) == 2
    assert "no scores for nobody/nothing" in capsys.readouterr().err


def test_show_refuses_a_short_name_that_several_organisations_use(tmp_path, capsys):
    """google/gemma-2-9b-it and another organisation's gemma-2-9b-it are two models: a short name that names both
    is refused with both ids listed (exit 2); the full id shows one model, under its full id."""
    f = tmp_path / "two.csv"
    f.write_text("model,benchmark,value\ngoogle/gemma-2-9b-it,ifeval,74.4\njebish7/gemma-2-9b-it,ifeval,15.6\n"
                 "google/gemma-2-9b-it,bbh,42.1\n")
    assert main(["benchmarks", "show", "gemma-2-9b-it", "--scores", str(f)]) == 2
    err = capsys.readouterr().err
    assert "'gemma-2-9b-it' names 2 models: google/gemma-2-9b-it, jebish7/gemma-2-9b-it" in err
    assert "full id" in err
    assert main(["benchmarks", "show", "jebish7/gemma-2-9b-it", "--scores", str(f)]) == 0
    out = capsys.readouterr().out
    assert "jebish7/gemma-2-9b-it" in out and "15.6" in out and "74.4" not in out and "bbh" not in out


def test_bad_input_exit_2_and_nothing_written(tmp_path, capsys):
    bad = tmp_path / "results_bad.json"
    bad.write_text("{not json")
    out = tmp_path / "o" / "scores.csv"
    assert main(["benchmarks", "import", str(bad), "--out", str(out)]) == 2
    assert "malformed JSON" in capsys.readouterr().err
    assert not out.exists() and not (tmp_path / "o").exists()
    good = write_json(tmp_path / "results_g.json", results_file({"leaderboard_gpqa": {"acc_norm,none": 0.3}}))
    assert main(["benchmarks", "import", str(good), "--out", str(tmp_path / "x.csv"), "--scale", "weird"]) == 2
    assert main(["benchmarks", "import", str(good), "--out", str(tmp_path / "x.txt")]) == 2
    assert not (tmp_path / "x.txt").exists()


def test_import_for_the_study_then_load(tmp_path):
    """The documented recipe: the whole contents table, restricted to and named as the study's models table; the
    study loader accepts it and it equals the study's bundled benchmark table (the same row rule)."""
    from importlib import resources

    from helpers.lm_eval_samples import shared_data
    from rmbase.datasets import load_bundled, load_tables

    src = shared_data("open_llm_leaderboard_v2_contents", "open_llm_leaderboard_v2_contents_clean.csv")
    root = resources.files("rmbase.datasets") / "paper_2505_10775"
    out = tmp_path / "oll.csv"
    assert main(["benchmarks", "import", str(src), "--out", str(out), "--models", str(root / "models.csv")]) == 0
    data = load_tables(root / "models.csv", root / "rewardbench.csv", out)
    imported, bundled = data.feature_matrix().sort_index(), load_bundled().feature_matrix().sort_index()
    # the bundled MATH Lvl 5 (and so the average) is the final leaderboard's where it re-evaluated the same run
    # (DATA.md); everything else, and the runs whose MATH Lvl 5 stayed, equal the contents table imported here
    rows = pd.read_csv(root / "benchmark_rows.csv").set_index("model")
    kept = rows.index[rows.math_lvl5_source.ne("final")].intersection(bundled.index)
    pd.testing.assert_frame_equal(imported.drop(columns=["math_lvl5", "oll_average"]),
                                  bundled.drop(columns=["math_lvl5", "oll_average"]), atol=1e-5)
    pd.testing.assert_frame_equal(imported.loc[kept], bundled.loc[kept], atol=1e-5)
    changed = bundled.index.difference(kept)
    assert len(changed) == 34 and (bundled.loc[changed, "math_lvl5"] != imported.loc[changed, "math_lvl5"]).all()


def test_import_and_show_take_a_config_file(tmp_path, capsys):
    """`--config FILE` of import / show: the file's keys are the option names; options given on the command line
    win; import writes its resolved options beside the table (OUT.config.yaml), which reruns it."""
    import yaml

    src = write_json(tmp_path / "res" / "results_a.json", results_file(leaderboard_results(full_bbh(), full_musr()),
                                                                       model="acme/Tiny-1B"))
    out = tmp_path / "scores.csv"
    cfg = tmp_path / "import.yaml"
    cfg.write_text(yaml.safe_dump({"files": [str(src)], "out": str(tmp_path / "ignored.csv"), "scale": "weird"}))
    assert main(["benchmarks", "import", "--config", str(cfg), "--out", str(out), "--scale", "raw"]) == 0
    assert set(pd.read_csv(out).scale) == {"raw"} and not (tmp_path / "ignored.csv").exists()
    resolved = yaml.safe_load((tmp_path / "scores.config.yaml").read_text())
    assert resolved["scale"] == "raw" and resolved["files"] == [str(src)] and resolved["out"] == str(out)
    out.unlink()
    assert main(["benchmarks", "import", "--config", str(tmp_path / "scores.config.yaml")]) == 0
    assert set(pd.read_csv(out).scale) == {"raw"}
    show_cfg = tmp_path / "show.yaml"
    show_cfg.write_text(yaml.safe_dump({"scores": [str(out)]}))
    capsys.readouterr()
    assert main(["benchmarks", "show", "Tiny-1B", "--config", str(show_cfg)]) == 0
    assert "acme/Tiny-1B" in capsys.readouterr().out
    show_cfg.write_text(yaml.safe_dump({"score": [str(out)]}))
    assert main(["benchmarks", "show", "Tiny-1B", "--config", str(show_cfg)]) == 2
    assert "unknown key(s) score" in capsys.readouterr().err
