"""Class 2 of issue 11: user strings are printed as typed — never read as rich markup, never raw HTML or table
syntax in Markdown. Each command that prints model names, with hostile names."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from helpers.bad_input import run
from rmbase import escaping

HOSTILE = ["acme/x[/]y", "acme/[red]EVIL[/red]", "acme/<script>alert(1)</script>", "acme/a|b", "acme/..__..__etc"]
SIX = ("ifeval", "bbh", "math_lvl5", "gpqa", "musr", "mmlu_pro")


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")  # rich reads it: no cell is folded over lines


def test_escaping_functions():
    assert escaping.terminal("x[/]y") == "x\\[/]y"
    md = escaping.markdown("a|b <script>x</script>\n[l](u) `c` *e*")
    assert "|" not in md.replace("\\|", "") and "<" not in md and "\n" not in md
    assert md.startswith("a\\|b &lt;script&gt;")
    assert escaping.html('<a href="x">&') == "&lt;a href=&quot;x&quot;&gt;&amp;"


def _lines(text: str) -> str:
    return " ".join(text.split())  # rich may wrap long cells over lines


def wide_scores(tmp_path, names=HOSTILE, sizes=True):
    f = tmp_path / "scores.csv"
    n = len(names)
    pd.DataFrame({"model": names, **({"params_b": [1.0 + i for i in range(n)]} if sizes else {}),
                  **{b: [30.0 + 3 * i + j for i in range(n)] for j, b in enumerate(SIX)}}).to_csv(f, index=False)
    return f


@pytest.mark.parametrize("name", HOSTILE)
def test_benchmarks_show(tmp_path, capsys, name):
    scores = wide_scores(tmp_path, sizes=False)
    code, out, err = run(["benchmarks", "show", name, "--scores", scores], capsys)
    assert code == 0, err
    assert name in out


def test_benchmarks_import_warning_lines(tmp_path, capsys):
    scores = wide_scores(tmp_path, sizes=False)
    out = tmp_path / "o.csv"
    code, stdout, err = run(["benchmarks", "import", scores, "--out", out], capsys)
    assert code == 0, err
    assert str(scores) in _lines(stdout)
    assert set(pd.read_csv(out).model) == set(HOSTILE)


def test_evaluate_summarize(tmp_path, capsys):
    f = tmp_path / "subsets.csv"
    rows = [{"model": m, "subset": s, "correct": 1, "total": 2} for m in HOSTILE
            for s in ("alpacaeval-easy", "mt-bench-easy")]
    pd.DataFrame(rows).to_csv(f, index=False)
    js = tmp_path / "s.json"
    code, out, err = run(["evaluate", "summarize", f, "--allow-partial", "--out", js], capsys)
    assert code == 0, err
    flat = _lines(out).replace(" ", "")
    for name in HOSTILE:
        assert name.replace(" ", "") in flat
    assert set(json.loads(js.read_text())["models"]) == set(HOSTILE)


def test_recommend(tmp_path, capsys):
    scores = wide_scores(tmp_path)
    js = tmp_path / "r.json"
    # the file adds to the bundled pool (issue 12): every row is printed with --top above the pool's size
    code, out, err = run(["recommend", "--benchmarks", scores, "--json", js, "--top", "1000"], capsys)
    assert code == 0, err
    flat = _lines(out).replace(" ", "")
    for name in HOSTILE:
        assert name in flat or name.rpartition("/")[2] in flat
    ranked = {r["model"]: r for r in json.loads(js.read_text())["ranking"]}
    assert set(HOSTILE) <= set(ranked) and {ranked[m]["scores_from"] for m in HOSTILE} == {"file"}


def test_plan(tmp_path, capsys):
    pool = wide_scores(tmp_path, names=HOSTILE + [f"acme/m{i}" for i in range(6)])
    trained = tmp_path / "trained.csv"
    pd.DataFrame({"model": HOSTILE[:2] + ["acme/m0", "acme/m1"], "score": [60.0, 70.0, 65.0, 62.0]}).to_csv(
        trained, index=False)
    code, out, err = run(["plan", "--benchmarks", pool, "--results", trained, "--budget", "3"], capsys)
    assert code == 0, err
    flat = _lines(out).replace(" ", "")
    assert "acme/[red]EVIL[/red]" in flat  # best so far (70.0)


def _pipes(line: str) -> int:
    return line.replace("\\|", "").count("|")


def test_study_summary_and_headline(tmp_path, capsys):
    from rmbase.datasets import STUDY_DEFAULT_BASES as DEFAULT_MODELS
    from rmbase.datasets import load_bundled

    d = load_bundled()
    others = [m for m in d.models.model if m not in DEFAULT_MODELS.values()]
    names = {m: f"{HOSTILE[i % len(HOSTILE)]}-{i}" for i, m in enumerate(others)}  # every base but the defaults
    paths = {}
    for key, df in (("models", d.models), ("results", d.results), ("benchmarks", d.benchmarks),
                    ("post_training", d.post_training)):
        paths[key] = tmp_path / f"{key}.csv"
        df.assign(model=df.model.replace(names)).to_csv(paths[key], index=False)
    out = tmp_path / "out"
    code, stdout, err = run(["study", "--models", paths["models"], "--results", paths["results"], "--benchmarks",
                             paths["benchmarks"], "--post-training", paths["post_training"], "--out", out,
                             "--no-out-of-fold", "--no-selection"], capsys)
    assert code == 0, err
    md = (out / "summary.md").read_text()
    assert "<script>" not in md and "&lt;script&gt;" in md and "a\\|b" in md and "x\\[/\\]y" in md
    lines = md.splitlines()
    for i, line in enumerate(lines):  # each table row has its header's number of cells
        if line.startswith("|") and i > 0 and lines[i - 1].startswith("|"):
            assert _pipes(line) == _pipes(lines[i - 1]), line
    study = json.loads((out / "study.json").read_text())
    assert set(names.values()) <= set(study["models"])
    best = {g["best_model"] for g in study["gains"]} - set(DEFAULT_MODELS.values())
    assert best and all(b in stdout for b in best)  # the terminal headline, as typed


def test_presence_features_and_score_progress(tmp_path, capsys, monkeypatch):
    """presence features prints its table, and presence score its progress lines and output path, as typed."""
    import numpy as np

    from helpers.presence import fake_presence
    from rmbase.presence import score as score_mod

    folders = [fake_presence(tmp_path / f"p{i}", name, {"code": np.array([-2.0 - i, -2.5])})
               for i, name in enumerate(HOSTILE[:2])]
    code, out, err = run(["presence", "features", *folders, "--out", tmp_path / "f.csv"], capsys)
    assert code == 0, err
    assert all(name in _lines(out) for name in HOSTILE[:2])

    stats = {"count": 1, "mean": -2.0, "std": 0.0, "quantiles": {"0.5": -2.0}, "tokens": 3, "truncated": 0}

    def fake_score(cfg, progress, restart):
        progress(f"read {HOSTILE[1]}")
        return {"model": HOSTILE[1], "categories": {"[b]c[/b]": stats}, "all": stats, "skipped": {}}

    monkeypatch.setattr(score_mod, "score_corpus", fake_score)
    out_dir = tmp_path / "[red]out[/red]"
    code, out, err = run(["presence", "score", "--model", "m", "--data", "c.jsonl", "--out", out_dir], capsys)
    assert code == 0, err
    assert f"read {HOSTILE[1]}" in err and HOSTILE[1] in _lines(out) and "[b]c[/b]" in out
    assert str(out_dir / "summary.json") in _lines(out)
