"""study.json on the bundled data against the golden copy written from the code before the speed work of issue 21
(tests/golden/study_bundled.json, by scripts/make_study_golden.py): a faster study must compute the same numbers.

Every number must agree within ``TOLERANCE``; strings, booleans and nulls exactly; lists keep their length and
order. Keys a later analysis adds are allowed (they are not in the golden copy); a key the golden copy has must
still be there. A number that may move for a stated reason is listed in ``EXCEPTIONS`` by its exact path.
``data_sha256`` entries are not compared: they are the provenance of input files (a bundled table that gains a
column changes its hash), not results; an input change that moves a result is caught by the results.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden" / "study_bundled.json"
TOLERANCE = 1e-6
# exact path (keys and list indices joined by "/") -> (tolerance, why). Never a global loosening.
EXCEPTIONS: dict[str, tuple[float, str]] = {}
NOT_COMPARED = ("data_sha256",)  # keys holding input-file hashes (provenance), wherever they appear


def differences(golden, new, path: str = "") -> list[str]:
    """Every place where ``new`` departs from ``golden`` (numbers beyond their tolerance)."""
    if isinstance(golden, dict):
        if not isinstance(new, dict):
            return [f"{path}: expected an object, got {type(new).__name__}"]
        out = []
        for k, v in golden.items():
            if k in NOT_COMPARED:
                continue
            if k not in new:
                out.append(f"{path}/{k}: missing")
            else:
                out.extend(differences(v, new[k], f"{path}/{k}"))
        return out
    if isinstance(golden, list):
        if not isinstance(new, list) or len(new) != len(golden):
            return [f"{path}: expected a list of {len(golden)}, got {new if not isinstance(new, list) else len(new)}"]
        return [d for i, (g, n) in enumerate(zip(golden, new, strict=True)) for d in differences(g, n, f"{path}/{i}")]
    if isinstance(golden, bool) or golden is None or isinstance(golden, str):
        return [] if new == golden and type(new) is type(golden) else [f"{path}: {golden!r} -> {new!r}"]
    if isinstance(golden, (int, float)):
        if isinstance(new, bool) or not isinstance(new, (int, float)):
            return [f"{path}: {golden!r} -> {new!r}"]
        if math.isnan(golden) or math.isnan(new):
            return [] if math.isnan(golden) and math.isnan(new) else [f"{path}: {golden!r} -> {new!r}"]
        tol = EXCEPTIONS.get(path.lstrip("/"), (TOLERANCE, ""))[0]
        return [] if abs(new - golden) <= tol else [f"{path}: {golden!r} -> {new!r} (tolerance {tol:g})"]
    raise TypeError(f"{path}: unexpected golden value {golden!r}")


def test_comparison_catches_a_moved_number():
    golden = {"a": [1.0, {"b": 2.0, "c": "x"}], "d": None}
    assert differences(golden, {"a": [1.0, {"b": 2.0, "c": "x", "new": 5}], "d": None, "e": 1}) == []
    assert differences(golden, {"a": [1.0, {"b": 2.0 + 5e-7, "c": "x"}], "d": None}) == []
    assert differences(golden, {"a": [1.0, {"b": 2.00001, "c": "x"}], "d": None}) == [
        "/a/1/b: 2.0 -> 2.00001 (tolerance 1e-06)"]
    assert differences(golden, {"a": [1.0], "d": None}) == ["/a: expected a list of 2, got 1"]
    assert differences(golden, {"a": [1.0, {"b": 2.0, "c": "y"}]}) == ["/a/1/c: 'x' -> 'y'", "/d: missing"]
    assert differences({"data_sha256": {"f": "ab"}, "n": 1}, {"data_sha256": {"f": "cd"}, "n": 1}) == []


def test_exceptions_name_real_paths():
    golden = json.loads(GOLDEN.read_text())["study"]
    for path in EXCEPTIONS:
        node = golden
        for part in path.split("/"):
            node = node[int(part)] if isinstance(node, list) else node[part]
        assert isinstance(node, (int, float)), path


@pytest.mark.filterwarnings("ignore")
def test_study_json_matches_golden_copy():
    from rmbase.study import StudyConfig, run_study

    golden = json.loads(GOLDEN.read_text())["study"]
    study = json.loads(json.dumps(run_study(StudyConfig())))  # what study.json holds
    diffs = differences(golden, study)
    assert not diffs, f"{len(diffs)} difference(s) from {GOLDEN.name}:\n" + "\n".join(diffs[:50])
