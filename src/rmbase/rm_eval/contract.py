"""The contract every registered RM benchmark keeps, checked the way scikit-learn's ``check_estimator`` checks an
estimator: :func:`check_rm_benchmark` runs a spec through what the runner and the result writer rely on, on
synthetic figures (no data, no model), and raises ``AssertionError`` naming the broken rule. The tests run it on
every built-in benchmark; run it on your own before registering it."""

from __future__ import annotations

import math

from rmbase.errors import InputError
from rmbase.rm_eval.spec import RMBenchmark


def check_rm_benchmark(spec: RMBenchmark | str) -> RMBenchmark:
    """Check one RM benchmark (a spec, or a registered name); returns the spec."""
    from rmbase.rm_eval.registry import benchmark_names, get_benchmark, get_rules

    if isinstance(spec, str):
        spec = get_benchmark(spec)
    where = f"RM benchmark {spec.name!r} (rules {spec.rules!r})"
    assert isinstance(spec.name, str) and spec.name.strip(), f"{where}: a name is needed"
    if spec.name in benchmark_names():
        assert get_rules(spec.rules).name == spec.name, f"{where}: its rule set resolves to another benchmark"
    assert (spec.hub is None) == (spec.split is None), f"{where}: a Hub dataset needs its split (and only then)"
    assert spec.subsets, f"{where}: no subsets"
    for section, subsets in spec.sections.items():
        for subset, weight in subsets.items():
            assert math.isfinite(weight) and weight > 0, f"{where}: subset {subset} of {section} weighs {weight}"
    for section, weight in (spec.section_weights or {}).items():
        assert math.isfinite(weight) and weight > 0, f"{where}: section {section} weighs {weight}"
    _check_example_rule(spec, where)
    _check_summary(spec, where)
    return spec


def _check_example_rule(spec: RMBenchmark, where: str) -> None:
    """The chosen completion first: the highest score earns full credit, the lowest none, and credit is in [0, 1]."""
    n = 2 if spec.pairwise else 4
    right = [1.0] + [0.0] * (n - 1)
    wrong = [0.0] + [1.0] * (n - 1)
    assert spec.example_rule(right) == 1.0, f"{where}: a chosen completion scored highest does not earn credit 1"
    assert spec.example_rule(wrong) == 0.0, f"{where}: a chosen completion scored lowest earns credit"
    tied = spec.example_rule([0.5] * n)
    assert 0.0 <= tied <= 1.0, f"{where}: an all-tied example earns credit {tied} outside [0, 1]"
    plain = [s for s in spec.subsets if s not in spec.subset_rules and s not in spec.id_checks]
    if plain:
        records = [{"id": f"c{i}", "subset": s, "scores": right, "num_correct": 1} for i, s in enumerate(plain)]
        figures = spec.subset_figures(records)
        assert all(figures[s].accuracy == 1.0 for s in plain), f"{where}: perfect examples do not score 1"


def _check_summary(spec: RMBenchmark, where: str) -> None:
    """Sections and the score are weighted means: constant subset accuracies give that constant everywhere; a
    missing subset is refused unless partial results are allowed, and then it is listed."""
    for level in (0.0, 0.25, 1.0):
        summary = spec.summarize(dict.fromkeys(spec.subsets, level))
        assert summary.score is not None and math.isclose(summary.score, level, abs_tol=1e-12), \
            f"{where}: every subset at {level} gives the score {summary.score}"
        assert all(v is not None and math.isclose(v, level, abs_tol=1e-12) for v in summary.sections.values()), \
            f"{where}: every subset at {level} gives the sections {summary.sections}"
        assert set(summary.sections) == set(spec.sections), f"{where}: the summary's sections are not the spec's"
    missing = spec.subsets[-1]
    partial = {s: 1.0 for s in spec.subsets if s != missing}
    try:
        spec.summarize(partial)
    except InputError:
        pass
    else:
        raise AssertionError(f"{where}: a missing subset ({missing}) is not refused")
    summary = spec.summarize(partial, allow_partial=True)
    assert any(missing in subs for subs in summary.partial.values()), f"{where}: the missing subset is not listed"
    ignored = spec.summarize({**dict.fromkeys(spec.subsets, 1.0), "not-a-subset-of-it": 0.0})
    assert ignored.ignored_subsets == ["not-a-subset-of-it"], f"{where}: an unknown subset is not ignored and listed"
