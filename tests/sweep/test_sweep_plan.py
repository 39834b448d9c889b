"""`sweep run --plan K`: the selection room's planner chooses K of the pool's bases in batches, refitting on what
was trained; the store records the order and why."""

from __future__ import annotations

import json

import pytest

from rmbase.errors import InputError
from rmbase.sweep.checks import load_sweep_config, validate
from rmbase.sweep.planned import run_planned

pytest.importorskip("trl")
POOL = ["Qwen/Qwen2.5-0.5B-Instruct", "google/gemma-2-2b-it", "meta-llama/Llama-3.2-1B-Instruct"]


def test_plan_trains_k_bases_in_batches_and_records_why(make_config, tiny_bases, tmp_path, ray_session):
    # tiny random weights under the names of real bases: the planner sees the real bases' benchmark scores
    bases = [{"name": n, "id": n, "path": str(tiny_bases["alpha" if i % 2 == 0 else "beta"])}
             for i, n in enumerate(POOL)]
    path = make_config(recipes=["bradley_terry"], lrs=[3e-3], bases=bases)
    checked = validate(load_sweep_config(path))
    store = tmp_path / "store"
    outcome = run_planned(checked, store, k=2, batch=1)
    record = json.loads((store / "plan.json").read_text())
    assert len(outcome["order"]) == 2 == len(record["batches"]) and set(outcome["order"]) <= set(POOL)
    first, second = record["batches"]
    assert first["why"][0]["acquisition_kind"] == "prior mean" and first["trained_before"] == {}
    assert list(second["trained_before"]) == first["models"]             # refitted on the first batch
    assert all(v is not None for b in record["batches"] for v in b["observed"].values())
    done = sorted(p.parent.name for p in (store / "cells").glob("*/result.json"))
    assert len(done) == 2 and all(any(d.startswith(o.replace("/", "__")) for o in outcome["order"]) for d in done)
    untrained = set(POOL) - set(outcome["order"])
    assert not any(d.startswith(next(iter(untrained)).replace("/", "__")) for d in done)


def test_plan_needs_bases_the_planner_can_score(make_config):
    checked = validate(load_sweep_config(make_config(recipes=["bradley_terry"], lrs=[3e-3])))
    with pytest.raises(InputError, match="only 0 of the config's 2 bases have the benchmark scores"):
        run_planned(checked, "/nonexistent/store", k=1)
