"""A study on seven bundled models written as the user's own tables (fast: the analyses that need ten are skipped);
used by tests/hardening/test_study_small.py and the round-two hardening tests."""

from __future__ import annotations

KEEP = ["Llama-3.2-1B-Instruct", "Llama-3.2-3B-Instruct", "Llama-3.1-8B-Instruct", "gemma-2-9b-it", "gemma-2-2b-it",
        "Phi-3.5-mini-instruct", "Qwen2.5-7B-Instruct"]


def tables(tmp_path, keep=KEEP, drop_models=("pretrain_tokens_t",), drop_results=("score",)):
    from rmbase.datasets import load_bundled

    d = load_bundled()
    paths = {k: tmp_path / f"{k}.csv" for k in ("models", "results", "benchmarks")}
    d.models[d.models.model.isin(keep)].drop(columns=list(drop_models)).to_csv(paths["models"], index=False)
    d.results[d.results.model.isin(keep)].drop(columns=list(drop_results)).to_csv(paths["results"], index=False)
    d.benchmarks[d.benchmarks.model.isin(keep)].to_csv(paths["benchmarks"], index=False)
    return paths


def argv(paths, out, *extra):
    return ["study", "--models", paths["models"], "--results", paths["results"], "--benchmarks", paths["benchmarks"],
            "--out", out, *extra]
