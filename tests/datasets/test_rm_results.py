"""`rmbase study --results` on the long RM table, evaluate folders and partial eval sets: names, scales and the
source of every value."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from rmbase.cli import main
from rmbase.datasets import load_bundled
from rmbase.datasets.rm_results import wide_from_long
from rmbase.hf_models import params_b

SECTIONS = {"chat": "Chat", "chat_hard": "Chat Hard", "safety": "Safety", "reasoning": "Reasoning"}


def _long_rows(models: pd.DataFrame, results: pd.DataFrame, recipe: str, sections=("chat_hard",),
               with_score=False) -> pd.DataFrame:
    """The published figures of some bundled bases as a sweep's long table (hub ids, 0-1, one partial set)."""
    hf = models.set_index("model")["hf_id"]
    rows = []
    for _, r in results[results.recipe == recipe].iterrows():
        common = {"base": hf[r.model], "recipe": recipe, "learning_rate": 1e-5, "seed": 0, "eval_set": "llmbar",
                  "benchmark": "rewardbench", "chosen": True, "cell": f"c-{r.model}"}
        for col in sections:
            rows.append({**common, "name": SECTIONS[col], "kind": "section", "value": r[col] / 100,
                         "partial": not with_score})
        if with_score:
            rows.append({**common, "name": "score", "kind": "score", "value": r.score / 100, "partial": False})
        rows.append({**common, "name": "llmbar-natural", "kind": "subset", "value": 0.5, "partial": False})
    return pd.DataFrame(rows)


def test_wide_from_long_converts_names_and_scale_and_averages_seeds():
    rows = [{"base": "b", "recipe": "bradley_terry", "eval_set": "e", "name": "Chat Hard", "value": v, "seed": s,
             "chosen": True} for s, v in ((0, 0.6), (1, 0.7))]
    rows.append({"base": "b", "recipe": "bradley_terry", "eval_set": "e", "name": "Chat Hard", "value": 0.1,
                 "seed": 2, "chosen": False})
    wide, sources = wide_from_long(pd.DataFrame(rows), "t.csv")
    assert wide.loc[0, "chat_hard"] == pytest.approx(65.0) and np.isnan(wide.loc[0, "score"])
    assert sources["b / bradley_terry"]["covers"] == ["chat_hard"] and sources["b / bradley_terry"]["seed"] == [0, 1]


def test_study_on_a_long_table_of_known_bases_needs_no_other_table(tmp_path, capsys):
    d = load_bundled()
    long = _long_rows(d.models, d.results, "bradley_terry")
    path = tmp_path / "results.parquet"
    long.to_parquet(path)
    out = tmp_path / "study"
    assert main(["study", "--results", str(path), "--recipe", "bradley_terry", "--target", "chat_hard",
                 "--no-selection", "--no-out-of-fold", "--out", str(out)]) == 0
    study = json.loads((out / "study.json").read_text())
    assert study["n_models"] == 40                                   # hub ids matched to the study's names
    src = study["sources"]["gemma-2-9b-it"]
    assert src["renamed_from"] == "google/gemma-2-9b-it" and src["models"].startswith("bundled paper")
    assert src["benchmarks"] == "bundled paper_2505_10775/benchmarks.csv"
    assert src["results"][0]["eval_set"] == "llmbar" and src["results"][0]["partial"] == ["chat_hard"]
    published = d.results[d.results.recipe == "bradley_terry"].set_index("model").chat_hard
    got = pd.Series({r["model"]: r["score"] for r in study["gains_per_model"]})
    assert got.idxmax() == published.idxmax()
    assert "models rows: 40 from bundled paper_2505_10775/models.csv" in capsys.readouterr().out


def test_a_partial_eval_set_needs_a_target_it_covers(tmp_path, capsys):
    d = load_bundled()
    path = tmp_path / "results.csv"
    _long_rows(d.models, d.results, "regression").to_csv(path, index=False)
    out = tmp_path / "study"
    assert main(["study", "--results", str(path), "--out", str(out), "--no-selection"]) == 2
    err = capsys.readouterr().err
    assert "target 'score' is not in the results table (the results cover: chat_hard)" in err
    assert "--target chat_hard" in err and not out.exists()


def test_an_unknown_base_takes_params_from_its_checkpoint_and_missing_scores_are_named(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file

    ckpt = tmp_path / "my-base"
    ckpt.mkdir()
    save_file({"w": torch.zeros(1000, 1500), "b": torch.zeros(500)}, ckpt / "model.safetensors")
    assert params_b(ckpt) == pytest.approx(1.5005e-3)
    d = load_bundled()
    long = _long_rows(d.models, d.results, "regression", sections=tuple(SECTIONS), with_score=True)
    extra = long[long.base == long.base.iloc[0]].assign(base="my-base", cell="mine", params_b=1.5005e-3)
    path = tmp_path / "results.csv"
    pd.concat([long, extra]).to_csv(path, index=False)
    out = tmp_path / "study"
    # no benchmark scores for it: the feature analyses leave it out and name it (and what it lacks), not filled;
    # the analyses that need only RM scores keep it
    assert main(["study", "--results", str(path), "--out", str(out), "--no-selection", "--no-out-of-fold"]) == 0
    study = json.loads((out / "study.json").read_text())
    assert study["dropped_models"] == ["my-base"] and study["n_models"] == 40 and study["n_scored"] == 41
    left = study["feature_analyses_left_out"]
    assert left["models"][0]["model"] == "my-base" and "ifeval" in left["models"][0]["missing"]
    assert "rmbase benchmarks run --model my-base" in left["how_to_score"]
    assert "my-base" in {r["model"] for r in study["gains_per_model"]} and study["correlations"]
    assert "feature analyses left out 1 base(s)" in capsys.readouterr().out
    assert study["sources"]["my-base"]["models"] == ("params_b: checkpoint (safetensors headers); "
                                                     "pretrain_tokens_t: unknown")


def test_the_same_base_in_two_inputs_is_refused(tmp_path, capsys):
    d = load_bundled()
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    _long_rows(d.models, d.results, "regression").to_csv(a, index=False)
    _long_rows(d.models, d.results, "regression").head(3).to_csv(b, index=False)
    assert main(["study", "--results", str(a), "--results", str(b), "--target", "chat_hard",
                 "--out", str(tmp_path / "o")]) == 2
    assert "has results in two inputs" in capsys.readouterr().err


def _sweep_long(bases, recipes=("bradley_terry", "regression")) -> pd.DataFrame:
    """A sweep's long table over bases no bundled table scores (params_b from the sweep), two recipes."""
    rows = []
    for base, params, value in bases:
        for k, recipe in enumerate(recipes):
            common = {"base": base, "recipe": recipe, "learning_rate": 1e-5, "seed": 0, "eval_set": "rb",
                      "benchmark": "rewardbench", "chosen": True, "cell": f"{base}-{recipe}", "kind": "section",
                      "partial": False, **({} if params is None else {"params_b": params})}
            for name in ("Chat", "Chat Hard", "Safety", "Reasoning", "score"):
                rows.append({**common, "name": name, "value": value + 0.01 * k})
    return pd.DataFrame(rows)


def test_sweep_bases_without_features_get_the_score_only_analyses(tmp_path, capsys):
    path = tmp_path / "results.csv"
    _sweep_long([("org/a", 0.1, 0.55), ("org/b", 0.36, 0.62), ("org/c", 1.7, 0.70),
                 ("HuggingFaceTB/SmolLM2-135M-Instruct", 0.135, 0.58)]).to_csv(path, index=False)
    out = tmp_path / "study"
    assert main(["study", "--results", str(path), "--recipe", "bradley_terry", "--default", "<3B=org/a",
                 "--out", str(out)]) == 0
    study = json.loads((out / "study.json").read_text())
    (gain,) = study["gains"]                                       # gains over the given default, every base
    assert (gain["default_model"], gain["best_model"], gain["n_models"]) == ("org/a", "org/c", 4)
    assert gain["gain_points"] == pytest.approx(15.0)
    assert study["recipes"]["n_models"] == 4                       # recipe agreement on every base
    left = study["feature_analyses_left_out"]
    assert [r["model"] for r in left["models"]] == ["org/a", "org/b", "org/c"]
    assert "rmbase benchmarks run" in left["how_to_score"] and "--benchmarks" in left["how_to_score"]
    for name in ("correlations", "coverage", "combination", "selection", "pca"):
        assert "needs at least 5 bases with benchmark features" in study["skipped_analyses"][name]
    assert study["correlations"] == [] and study["pca"] == {}
    assert "org/a, org/b, org/c" in (out / "summary.md").read_text() and (out / "report.html").is_file()
    assert "4 with RM scores" in capsys.readouterr().out


def test_sweep_without_a_default_or_sizes_says_why_gains_are_missing(tmp_path, capsys):
    path = tmp_path / "results.csv"
    _sweep_long([("org/a", 0.1, 0.55), ("org/b", 0.36, 0.62)]).to_csv(path, index=False)
    out = tmp_path / "study"
    assert main(["study", "--results", str(path), "--recipe", "bradley_terry", "--out", str(out)]) == 0
    skipped = json.loads((out / "study.json").read_text())["skipped_analyses"]
    assert "Llama-3.2-1B-Instruct has no result here" in skipped["gains <3B"] and "--default" in skipped["gains <3B"]
    assert skipped["recipes"] == "needs at least 3 bases with both recipes' score (2 here)"
    # a default the user names must have a result: still an error
    assert main(["study", "--results", str(path), "--recipe", "bradley_terry", "--default", "<3B=org/zzz",
                 "--out", str(tmp_path / "s2")]) == 2
    assert "org/zzz" in capsys.readouterr().err and not (tmp_path / "s2").exists()
    # a base of unknown size cannot join a size group: named, not guessed
    unsized = tmp_path / "unsized.csv"
    pd.concat([_sweep_long([("org/a", 0.1, 0.55)]), _sweep_long([("org/nosize", None, 0.6)])]).to_csv(
        unsized, index=False)
    assert main(["study", "--results", str(unsized), "--recipe", "bradley_terry", "--default", "<3B=org/a",
                 "--out", str(tmp_path / "s3")]) == 0
    skipped = json.loads((tmp_path / "s3" / "study.json").read_text())["skipped_analyses"]
    assert "org/nosize" in skipped["gains (bases of unknown size)"]
