"""Candidates no table scores: the size read from a name, the GPU-hour estimate, the size-only fallback."""

from __future__ import annotations

import numpy as np
import pytest

from rmbase.benchmarks.cost import GPU, LEADERBOARD_VOLUME, Assumptions, estimate_suite_hours
from rmbase.selection.no_scores import guidance, size_from_name, size_only_fit


def test_size_from_name():
    assert size_from_name("Qwen/Qwen3-8B") == 8.0
    assert size_from_name("meta-llama/Llama-3.2-3B-Instruct") == 3.0
    assert size_from_name("Qwen/Qwen2.5-0.5B-Instruct") == 0.5
    assert size_from_name("google/gemma-2-9b-it") == 9.0
    assert size_from_name("microsoft/phi-4") is None
    assert size_from_name("nobody/x") is None


def test_estimate_is_linear_in_size_and_states_its_assumptions():
    small, big = estimate_suite_hours(4.0), estimate_suite_hours(8.0)
    assert set(big["per_benchmark_hours"]) == set(LEADERBOARD_VOLUME)
    # prefill is linear in size; decoding has a fixed per-step overhead, so doubling size less than doubles time
    assert small["hours"] < big["hours"] < 2 * small["hours"]
    assert big["hours"] == pytest.approx(sum(big["per_benchmark_hours"].values()))
    assert "not measured" in big["assumptions"]["kind"] and big["fits_in_memory"]
    # by hand for MMLU-Pro (prefill only): 2 * N * tokens / (peak * mfu)
    v = LEADERBOARD_VOLUME["mmlu_pro"]
    assert big["per_benchmark_hours"]["mmlu_pro"] == pytest.approx(2 * 8e9 * v.forward_tokens / (312e12 * 0.35) / 3600)
    faster = estimate_suite_hours(8.0, assumptions=Assumptions(gpu=GPU(name="x", bf16_flops=624e12)))
    assert faster["per_benchmark_hours"]["mmlu_pro"] == pytest.approx(big["per_benchmark_hours"]["mmlu_pro"] / 2)
    assert not estimate_suite_hours(70.0)["fits_in_memory"]
    assert estimate_suite_hours(8.0, "study") is None and estimate_suite_hours(0) is None


def test_size_only_fit_and_guidance(study):
    fit = size_only_fit(study, "regression")
    X, y, _ = study.design("regression", "score", drop_missing=True)
    slope = np.polyfit(np.log(X["params_b"].to_numpy(float)), y.to_numpy(float), 1)[0]
    assert fit["slope_per_log_b"] == pytest.approx(slope) and fit["n_train"] == len(y)
    assert fit["loo_mean_abs_error"] > 0
    g = guidance(["Qwen/Qwen3-8B", "microsoft/phi-9"], data=study, recipe="regression",
                 candidates=["Qwen/Qwen3-8B", "google/gemma-2-9b-it"], benchmark_mae=3.2)
    q, p = g
    assert q["commands"][0] == ("rmbase benchmarks run --model Qwen/Qwen3-8B --suite leaderboard --device cuda "
                                "--batch-size auto --out bench/Qwen__Qwen3-8B")
    assert q["commands"][1].endswith("--candidates Qwen/Qwen3-8B,google/gemma-2-9b-it")
    expect = fit["intercept"] + fit["slope_per_log_b"] * np.log(8.0)
    assert q["size_only"]["predicted"] == pytest.approx(expect) and "vs 3.2 with the benchmark" in q["without_scores"]
    assert q["family"] is None and "no family of the study" in q["without_scores"]
    assert p["estimate"] is None and "nothing" in p["without_scores"]
    fam = guidance(["Qwen/Qwen2.5-32B-Instruct"], data=study, recipe="bradley_terry")[0]
    assert fam["family"] == "Qwen2.5" and fam["size_only"]["extrapolates"]
