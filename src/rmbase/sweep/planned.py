"""``rmbase sweep run --plan K``: train only K bases of the config's pool, chosen in batches by the selection room's
planner (:func:`rmbase.selection.plan.propose`: Bayesian linear surrogate over benchmark features, expected
improvement), refitting after each batch on what has been trained — the loop ``rmbase plan`` describes, run for real.

The pool is the config's bases that the bundled leaderboard table (or the planner's other sources) can score; the
observed value of a trained base is its chosen cell's eval score for the config's first recipe (the best validation
learning rate; for a partial eval set the mean of the sections it covers). ``DIR/plan.json`` records every batch:
the bases chosen, the surrogate's prediction, sd and acquisition value at the pick, and the scores observed after.
A rerun continues from the record (bases already chosen are not chosen again; their finished cells are not rerun).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rmbase.errors import InputError
from rmbase.sweep.checks import Checked


def observed_scores(store_dir: str | Path, recipe: str) -> dict[str, float]:
    """base -> the chosen cell's headline eval score (0-1) for ``recipe``."""
    from rmbase.sweep.collect import _headline, chosen_cells
    from rmbase.sweep.store import Store

    states = Store(store_dir).states()
    chosen = chosen_cells(states)
    out: dict[str, list[float]] = {}
    for st in states:
        if st.id in chosen and st.cell["recipe"] == recipe and st.result:
            evals = list(st.result["eval"].values())
            value = _headline(evals[0]) if evals else None
            if value is not None:
                out.setdefault(st.cell["base"], []).append(value)
    return {b: sum(v) / len(v) for b, v in out.items()}


def run_planned(checked: Checked, store_dir: str | Path, *, k: int, batch: int = 2, address: str | None = None,
                max_concurrent: int | None = None, scheduler: str | None = None,
                progress: Callable[[str], None] | None = None, seed: int = 0) -> dict[str, Any]:
    import pandas as pd

    from rmbase.io import atomic_write_json
    from rmbase.selection.candidates import candidate_table
    from rmbase.selection.plan import propose
    from rmbase.selection.plan_surrogate import PlanConfig
    from rmbase.sweep.engine import prepare_store, run_sweep

    say = progress or (lambda _m: None)
    if not checked.config.eval_sets:
        raise InputError("--plan needs an eval set: the planner learns from the trained bases' eval scores",
                         column="eval_sets")
    names = {b.display_name: b for b in checked.bases}
    ids = {name: (b.id or b.name or name) for name, b in names.items()}
    pool, unscorable = candidate_table(candidates=list(ids.values()))
    from rmbase.model_ids import ModelIdIndex

    found, _ = ModelIdIndex(pool.index).join(ids.values())
    to_base = {found[i]: name for name, i in ids.items() if i in found}
    pool = pool.loc[[m for m in pool.index if m in to_base]]
    if len(pool) < k:
        raise InputError(f"--plan {k}: only {len(pool)} of the config's {len(names)} bases have the benchmark scores "
                         f"the planner needs ({'; '.join(u['model'] + ': ' + u['reason'] for u in unscorable[:5])})",
                         expected=f"--plan at most {len(pool)}, or bases with an id the bundled leaderboard knows")
    store = prepare_store(checked, store_dir)
    record_path = store.root / "plan.json"
    record = json.loads(record_path.read_text()) if record_path.is_file() else {"k": k, "batches": []}
    recipe = checked.config.recipes[0]
    chosen = [m for b in record["batches"] for m in b["models"]]
    while True:  # train every base chosen so far (finished cells are skipped), observe, choose the next batch
        cells = [c.id for c in checked.cells if c.base in {to_base[m] for m in chosen}]
        if cells:
            run_sweep(checked, store.root, address=address, max_concurrent=max_concurrent, scheduler=scheduler,
                      only=cells)
        scores = observed_scores(store.root, recipe)
        if record["batches"]:
            record["batches"][-1]["observed"] = {m: scores.get(to_base[m]) for m in record["batches"][-1]["models"]}
        atomic_write_json(record_path, record)
        if len(chosen) >= k:
            break
        trained = pd.Series({m: scores[to_base[m]] for m in chosen if to_base[m] in scores}, dtype=float)
        size = min(batch, k - len(chosen))
        picks = propose(pool, trained, budget=size, config=PlanConfig(), seed=seed)
        entry = {"batch": len(record["batches"]) + 1, "models": list(picks["model"]),
                 "bases": [to_base[m] for m in picks["model"]], "trained_before": trained.to_dict(),
                 "why": picks.to_dict(orient="records")}
        record["batches"].append(entry)
        chosen += entry["models"]
        say(f"plan batch {entry['batch']}: {', '.join(entry['bases'])} "
            f"({', '.join(str(w['acquisition_kind']) for w in entry['why'])})")
        atomic_write_json(record_path, record)
    record["order"] = [to_base[m] for m in chosen]
    record["unscorable"] = unscorable
    atomic_write_json(record_path, record)
    return {"order": record["order"], "record": str(record_path)}
