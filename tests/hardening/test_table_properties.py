"""Property-based tests (hypothesis) for every table reader: study tables, benchmark imports, training pair files,
rm_eval data. Generated files have random missing and extra columns, wrong types, NaN/inf, out-of-range values,
duplicates, encodings (UTF-8, BOM, latin-1, CRLF) and hostile names. The property: a valid result, or one
InputError naming the file (through the CLI: exit 2, one message, nothing on stdout) — never another exception."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rmbase.errors import InputError

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                           HealthCheck.too_slow])
HOSTILE = ["x[/]y", "[red]EVIL[/red]", "<script>alert(1)</script>", "a|b", "../../etc/passwd", "é ü ß", "",
           " ", "org/Model-7B", "Llama-3.1-8B-Instruct", "None", "nan", "1e9", "\t", "a,b", 'q"uote']
CELLS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=32),
    st.sampled_from([0.0, 0.5, 1.0, 1.7, 50.0, 100.0, 250.0, -1.0, 1e9, float("nan"), float("inf"),
                     float("-inf")]),
    st.integers(min_value=-10, max_value=10**6),
    st.sampled_from(HOSTILE),
    st.booleans(),
    st.none(),
)
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "crlf"])


@st.composite
def tables(draw, columns: tuple[str, ...], cells=CELLS, max_rows: int = 6):
    """A frame over a random subset of ``columns`` (plus maybe an unknown one), random cells, maybe duplicates."""
    cols = draw(st.lists(st.sampled_from(columns), unique=True, min_size=0, max_size=len(columns)))
    if draw(st.booleans()):
        cols = list(columns)  # often the full schema, so that values (not only columns) are exercised
    if draw(st.integers(0, 5)) == 0:
        cols.append(draw(st.sampled_from(["extra", "Model", "value ", "\ufeffmodel"])))
    n = draw(st.integers(0, max_rows))
    rows = [[draw(cells) for _ in cols] for _ in range(n)]
    if rows and draw(st.booleans()):
        rows.append(list(rows[0]))  # a duplicate row
    return pd.DataFrame(rows, columns=cols)


@st.composite
def perturbed(draw, base: pd.DataFrame, max_cells: int = 3, truncate: bool = True):
    """A valid table with a few things broken: cells replaced by random values, a column dropped or added, a
    duplicated row, fewer rows — so that the checks behind the column checks are reached too."""
    df = base.copy()
    n_rows = draw(st.integers(1, len(df))) if truncate else len(df)
    df = df.iloc[:n_rows].reset_index(drop=True).astype(object)
    for _ in range(draw(st.integers(0, max_cells))):
        i, j = draw(st.integers(0, len(df) - 1)), draw(st.integers(0, len(df.columns) - 1))
        df.iat[i, j] = draw(CELLS)
    if draw(st.integers(0, 4)) == 0 and len(df.columns) > 1:
        df = df.drop(columns=draw(st.sampled_from(list(df.columns))))
    if draw(st.integers(0, 6)) == 0:
        df["extra"] = draw(CELLS)
    if draw(st.integers(0, 4)) == 0:
        df = pd.concat([df, df.iloc[[0]]], ignore_index=True)
    return df


def write(df: pd.DataFrame, path, encoding: str):
    text = df.to_csv(index=False)
    if encoding == "crlf":
        path.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    else:
        path.write_bytes(text.encode(encoding, errors="replace"))
    return path


def refused_naming(exc: InputError, path) -> None:
    assert str(path) in str(exc), f"{exc} does not name {path}"


# ------------------------------------------------------------------ study tables
def _bundled():
    from rmbase.datasets import load_bundled

    return load_bundled()


@SETTINGS
@given(which=st.sampled_from(["models", "results", "benchmarks"]), data=st.data(), encoding=ENCODINGS)
def test_study_tables(tmp_path_factory, which, data, encoding):
    from rmbase.datasets import load_tables
    from rmbase.datasets import schema as S

    d = _bundled()
    tmp = tmp_path_factory.mktemp("study")
    good = {"models": d.models, "results": d.results, "benchmarks": d.benchmarks}
    schema = {"models": S.MODELS, "results": S.RESULTS, "benchmarks": S.BENCHMARKS_LONG}[which]
    if data.draw(st.integers(0, 3)) == 0:
        df = data.draw(tables((*schema.required, *schema.optional)))
    else:
        df = data.draw(perturbed(good[which], truncate=False))  # all rows: the cross-checks pass
    paths = {k: tmp / f"{k}.csv" for k in good}
    for k, frame in good.items():
        frame.to_csv(paths[k], index=False)
    write(df, paths[which], encoding)
    try:
        out = load_tables(paths["models"], paths["results"], paths["benchmarks"])
    except InputError as exc:
        refused_naming(exc, paths[which]) if "has a result but no" not in str(exc) else None
        return
    # a valid result obeys the range rules
    assert (out.models.params_b > 0).all() and np.isfinite(out.models.params_b).all()
    assert out.benchmarks.value.between(0, 100).all()
    for col in S.TARGETS:
        if col in out.results:
            assert out.results[col].between(0, 100).all()
    assert not out.models.model.duplicated().any()


# ------------------------------------------------------------------ benchmark imports (tables and JSONs)
BENCH_COLUMNS = ("model", "benchmark", "value", "scale", "source", "ifeval", "bbh", "gpqa", "gpqa_raw", "mmlu_pro",
                 "math_lvl5", "musr", "eval_name", "fullname")


def _valid_wide() -> pd.DataFrame:
    six = ("ifeval", "bbh", "math_lvl5", "gpqa", "musr", "mmlu_pro")
    return pd.DataFrame({"model": [f"org/m{i}" for i in range(5)], **{b: [10.0 + 7 * i + j for i in range(5)]
                                                                     for j, b in enumerate(six)}})


def _valid_long() -> pd.DataFrame:
    return pd.DataFrame({"model": ["org/a", "org/a", "org/b", "org/b"], "benchmark": ["gpqa", "arc", "gpqa", "arc"],
                         "value": [0.3, 0.5, 0.4, 0.6], "scale": ["raw"] * 4})


@SETTINGS
@given(df=st.one_of(tables(BENCH_COLUMNS), perturbed(_valid_wide()), perturbed(_valid_long())), encoding=ENCODINGS)
def test_benchmark_table_import(tmp_path_factory, df, encoding):
    from rmbase.benchmarks.import_pipeline import import_files

    path = write(df, tmp_path_factory.mktemp("bench") / "scores.csv", encoding)
    try:
        table = import_files([str(path)], scale="both", on_conflict="first")
    except InputError as exc:
        refused_naming(exc, path) if "no benchmark scores" not in str(exc) else None
        return
    f = table.frame
    assert np.isfinite(f.value).all()
    assert f[f.scale.eq("raw")].value.between(0, 1).all() and f[f.scale.eq("normalised")].value.between(0, 100).all()


METRIC_VALUES = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(["N/A", None, True]),
                          st.integers(-2, 3))
LM_TASKS = {"leaderboard_gpqa": "acc_norm,none", "leaderboard_mmlu_pro": "acc,none",
            "leaderboard_math_hard": "exact_match,none", "leaderboard_ifeval": "prompt_level_strict_acc,none",
            "arc_challenge": "acc_norm,none", "hellaswag": "acc_norm,none", "squadv2": "f1,none"}


@SETTINGS
@given(tasks=st.dictionaries(st.sampled_from(sorted(LM_TASKS)), METRIC_VALUES, max_size=5),
       model=st.sampled_from(HOSTILE), shape=st.sampled_from(["ok", "list", "no-results"]))
def test_lm_eval_json_import(tmp_path_factory, tasks, model, shape):
    from rmbase.benchmarks.import_pipeline import import_files

    results = {t: {LM_TASKS[t]: v} for t, v in tasks.items()}
    obj = {"results": results, "model_name": model} if shape == "ok" else \
        ([results] if shape == "list" else {"model_name": model})
    path = tmp_path_factory.mktemp("lm") / "results_x.json"
    path.write_text(json.dumps(obj, allow_nan=True), encoding="utf-8")
    try:
        table = import_files([str(path)], scale="both")
    except InputError as exc:
        refused_naming(exc, path) if "no benchmark scores" not in str(exc) else None
        return
    f = table.frame
    assert np.isfinite(f.value).all() and f[f.scale.eq("raw")].value.between(0, 1).all()


STATUSES = st.sampled_from(["pass", "fail", "timeout", "PASSED", "", None, 1])


@SETTINGS
@given(problems=st.lists(st.lists(st.tuples(STATUSES, STATUSES), min_size=0, max_size=3), max_size=4))
def test_evalplus_json_import(tmp_path_factory, problems):
    from rmbase.benchmarks.import_pipeline import import_files

    ev = {f"HumanEval/{i}": [{"base_status": b, "plus_status": p} for b, p in samples]
          for i, samples in enumerate(problems)}
    path = tmp_path_factory.mktemp("ep") / "acme--M_hf_temp_0.0_eval_results.json"
    path.write_text(json.dumps({"eval": ev}), encoding="utf-8")
    try:
        table = import_files([str(path)], scale="raw")
    except InputError as exc:
        refused_naming(exc, path) if "no benchmark scores" not in str(exc) else None
        return
    assert table.frame.value.between(0, 1).all()
    known = {"pass", "fail", "timeout"}
    assert all(b in known and p in known | {None} for samples in problems for b, p in samples), \
        "an unknown status was read as a result"


# ------------------------------------------------------------------ training pair files
PAIR_COLUMNS = ("prompt", "chosen", "rejected", "margin", "response_1", "response_2", "preference_strength")
TEXTS = st.one_of(st.text(max_size=12), st.sampled_from(HOSTILE), st.none(), st.floats(allow_nan=True),
                  st.integers(-3, 3))


@SETTINGS
@given(df=tables(PAIR_COLUMNS, cells=TEXTS), encoding=ENCODINGS, kind=st.sampled_from(["csv", "jsonl"]))
def test_training_pairs(tmp_path_factory, df, encoding, kind):
    from rmbase.training.data import load_pairs

    tmp = tmp_path_factory.mktemp("pairs")
    if kind == "csv":
        path = write(df, tmp / "pairs.csv", encoding)
    else:
        path = tmp / "pairs.jsonl"
        lines = [json.dumps({k: v for k, v in r.items()}, allow_nan=True) for r in df.to_dict("records")]
        path.write_text("\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")
    try:
        pairs, report = load_pairs(path, on_bad_rows="drop")
    except InputError as exc:
        refused_naming(exc, path)
        return
    assert len(pairs) >= 1
    assert all(isinstance(c, str) and c for c in pairs.chosen) and (pairs.chosen != pairs.rejected).all()
    assert all(math.isfinite(m) for m in pairs.margin.dropna())


# ------------------------------------------------------------------ rm_eval data
@SETTINGS
@given(rows=st.lists(st.dictionaries(st.sampled_from(["id", "subset", "prompt", "chosen", "rejected", "extra"]),
                                     TEXTS, max_size=6), max_size=5),
       kind=st.sampled_from(["json", "jsonl"]))
def test_rm_eval_data(tmp_path_factory, rows, kind):
    from rmbase.rm_eval.data import load_examples

    path = tmp_path_factory.mktemp("rb") / f"data.{kind}"
    text = json.dumps(rows, allow_nan=True) if kind == "json" else \
        "\n".join(json.dumps(r, allow_nan=True) for r in rows)
    path.write_text(text, encoding="utf-8")
    try:
        examples, _, _ = load_examples("rewardbench", str(path))
    except InputError as exc:
        refused_naming(exc, path)
        return
    assert examples and all(ex.completions and all(isinstance(c, str) for c in ex.completions) for ex in examples)


# ------------------------------------------------------------------ through the CLI: exit 2, one message, no output
@SETTINGS
@given(df=st.one_of(tables(BENCH_COLUMNS), perturbed(_valid_wide()), perturbed(_valid_long())), encoding=ENCODINGS)
def test_cli_import_fails_cleanly(tmp_path_factory, capsys, df, encoding):
    from rmbase.cli import main

    tmp = tmp_path_factory.mktemp("cli")
    path = write(df, tmp / "scores.csv", encoding)
    out = tmp / "o.csv"
    code = main(["benchmarks", "import", str(path), "--out", str(out), "--on-conflict", "first"])
    stdout, err = capsys.readouterr()
    assert "Traceback" not in stdout + err
    if code == 0:
        assert out.exists()
    else:
        assert code == 2 and err.count("error:") == 1 and stdout == "" and not out.exists()
        assert str(path) in " ".join(err.split()) or "no benchmark scores" in err
