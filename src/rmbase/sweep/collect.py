"""What a store holds, as tables: the state of every cell (``sweep status``), the long RM result table
(``sweep collect``), the validation curves and what early stopping cut (for the report's figures).

The long table follows ../shared/DESIGN.md: one row per base x recipe x learning rate x seed x eval set x name
(a subset, a section or ``score``), value 0-1, with the cell's provenance. By default only the study's choice is
kept: per base and recipe, the learning rate whose best checkpoint has the highest validation accuracy (mean over
seeds; ties: the smaller learning rate), and that checkpoint (the training room keeps the best one).

A base x recipe is *complete* when each of its cells is done or was stopped early by the scheduler. The choice is
made only among complete ones: a failed, corrupt, interrupted or pending cell may hold the best learning rate, so
the rows of an incomplete base x recipe are kept with ``complete`` False and ``chosen`` False, and it is named in
what :func:`collect` returns. ``allow_incomplete`` chooses among the finished cells anyway (still marked).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from rmbase.errors import InputError
from rmbase.sweep.store import CellState, Store, is_store

LONG_COLUMNS = ["base", "recipe", "learning_rate", "seed", "eval_set", "benchmark", "name", "kind", "value",
                "partial", "n", "val_accuracy", "best_step", "checkpoint", "chosen", "complete", "cell", "source",
                "params_b", "provenance"]
SETTLED = ("done", "stopped")  # a cell whose outcome is final and counted in the choice


def open_store(path: str | Path) -> Store:
    if not Path(path).exists():
        raise InputError("sweep store not found", path=str(path),
                         expected="the --store folder of `rmbase sweep run`")
    if Path(path).is_file():
        raise InputError("is a file, not a sweep store folder", path=str(path),
                         expected="the --store folder of `rmbase sweep run`")
    if not is_store(path):
        raise InputError("not a sweep store (no sweep.yaml and cells/)", path=str(path),
                         expected="the --store folder of `rmbase sweep run`")
    return Store(path)


def status_rows(store: Store) -> list[dict[str, Any]]:
    """One row per cell: state, best validation accuracy, eval scores, device-hours, error."""
    rows = []
    live = store.driver_alive()
    for st in store.states():
        c = st.cell
        state = "running" if live and st.state == "interrupted" else st.state
        row: dict[str, Any] = {"cell": st.id, "base": c["base"], "recipe": c["recipe"],
                               "learning_rate": c["learning_rate"], "seed": c["seed"], "state": state,
                               "val_accuracy": st.best_val, "step": st.last_step, "gpu_hours": None,
                               "cpu_hours": None, "saved_hours": None, "error": None, "attempts": len(st.errors)}
        if st.result:
            row.update(gpu_hours=st.result.get("gpu_hours"), cpu_hours=st.result.get("cpu_hours"))
            for name, ev in st.result.get("eval", {}).items():
                row[f"score:{name}"] = _headline(ev)
        if st.stopped:
            row["saved_hours"] = st.stopped.get("saved_hours")
        if st.errors:
            row["error"] = st.errors[-1].get("error")
        rows.append(row)
    return rows


def _headline(ev: dict[str, Any]) -> float | None:
    """The eval set's score, or for a partial set the mean of the sections it covers."""
    if ev.get("score") is not None:
        return ev["score"]
    values = [v for v in ev.get("sections", {}).values() if v is not None]
    return sum(values) / len(values) if values else None


def incomplete_groups(states: list[CellState]) -> dict[tuple[str, str], dict[str, int]]:
    """(base, recipe) -> {state: cells} for every base x recipe with a cell that is neither done nor stopped."""
    out: dict[tuple[str, str], dict[str, int]] = {}
    for st in states:
        if st.state not in SETTLED:
            key = (st.cell["base"], st.cell["recipe"])
            out.setdefault(key, {})
            out[key][st.state] = out[key].get(st.state, 0) + 1
    return out


def describe_incomplete(groups: dict[tuple[str, str], dict[str, int]]) -> list[str]:
    return [f"{base} x {recipe}: " + ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
            for (base, recipe), counts in sorted(groups.items())]


def chosen_cells(states: list[CellState], *, allow_incomplete: bool = False) -> set[str]:
    """Per complete base and recipe (all of them with ``allow_incomplete``), the cells (all seeds) of the learning
    rate with the best mean validation accuracy."""
    skip = set() if allow_incomplete else set(incomplete_groups(states))
    groups: dict[tuple[str, str], dict[float, list[CellState]]] = {}
    for st in states:
        key = (st.cell["base"], st.cell["recipe"])
        if st.state != "done" or key in skip:
            continue
        groups.setdefault(key, {}).setdefault(float(st.cell["learning_rate"]), []).append(st)
    chosen: set[str] = set()
    for by_lr in groups.values():
        def mean_acc(lr: float, by_lr=by_lr) -> float:
            vals = [s.result["val_accuracy"] for s in by_lr[lr]]
            return sum(vals) / len(vals)

        best = min(by_lr, key=lambda lr: (-mean_acc(lr), lr))
        chosen.update(s.id for s in by_lr[best])
    return chosen


def long_table(store: Store, *, keep_all: bool = False, allow_incomplete: bool = False) -> pd.DataFrame:
    """The long table (module docstring): chosen cells, every done cell of an incomplete base x recipe (marked),
    or with ``keep_all`` every done cell."""
    states = store.states()
    incomplete = incomplete_groups(states)
    chosen = chosen_cells(states, allow_incomplete=allow_incomplete)
    rows = []
    for st in states:
        key = (st.cell["base"], st.cell["recipe"])
        if st.state != "done" or (not keep_all and st.id not in chosen and key not in incomplete):
            continue
        r = st.result
        prov = json.dumps({**r.get("provenance", {}), "eval": {k: v.get("provenance", {})
                                                              for k, v in r["eval"].items()}}, sort_keys=True)
        common = {"base": r["base"], "recipe": r["recipe"], "learning_rate": r["learning_rate"], "seed": r["seed"],
                  "val_accuracy": r["val_accuracy"], "best_step": r["best_step"], "checkpoint": r["model"],
                  "chosen": st.id in chosen, "complete": key not in incomplete, "cell": st.id,
                  "source": r["source"], "params_b": r.get("params_b"), "provenance": prov}
        for set_name, ev in r["eval"].items():
            base = {**common, "eval_set": set_name, "benchmark": ev["benchmark"]}
            totals = ev.get("subset_totals", {})
            for name, value in ev.get("subsets", {}).items():
                rows.append({**base, "name": name, "kind": "subset", "value": value, "partial": False,
                             "n": totals.get(name)})
            for name, value in ev.get("sections", {}).items():
                if value is None:
                    continue
                rows.append({**base, "name": name, "kind": "section", "value": value,
                             "partial": name in ev.get("partial", []), "n": None})
            if ev.get("score") is not None:
                rows.append({**base, "name": "score", "kind": "score", "value": ev["score"],
                             "partial": bool(ev.get("partial")), "n": None})
    return pd.DataFrame(rows, columns=LONG_COLUMNS)


def curves_table(store: Store) -> pd.DataFrame:
    """Validation accuracy at every checkpoint of every cell (done, stopped or still running), with its state."""
    rows = []
    for st in store.states():
        c = st.cell
        if st.result:
            points, state = st.result.get("curve", []), "done"
        elif st.stopped:
            points, state = st.stopped.get("curve", []), "stopped"
        else:
            points, state = store.progress(st.id), st.state
        for p in points:
            rows.append({"cell": st.id, "base": c["base"], "recipe": c["recipe"],
                         "learning_rate": c["learning_rate"], "seed": c["seed"], "state": state,
                         "step": p["step"], "val_accuracy": p["val_accuracy"]})
    return pd.DataFrame(rows, columns=["cell", "base", "recipe", "learning_rate", "seed", "state", "step",
                                       "val_accuracy"])


def collect(store_dir: str | Path, out: str | Path, *, keep_all: bool = False,
            allow_incomplete: bool = False) -> dict[str, Any]:
    """Write the long result table to ``out`` (.parquet or .csv), and beside it ``<stem>.curves.<ext>`` (every
    checkpoint's validation accuracy) and ``<stem>.cells.<ext>`` (the status of every cell, with what early
    stopping cut). Returns counts, and ``incomplete``: one line per base x recipe with unfinished cells."""
    from rmbase.io import atomic_write_parquet, atomic_write_text, check_output_path

    store = open_store(store_dir)
    out = check_output_path(out, kind="file", option="--out", suffixes=(".parquet", ".csv"))
    if out.suffix.lower() not in (".parquet", ".csv"):
        raise InputError(f"unsupported output type {out.suffix or '(none)'}", path=str(out),
                         expected="a .parquet or .csv file")
    if out.exists() and out.is_dir():
        raise InputError("the output is a folder", path=str(out), expected="a file name")
    table = long_table(store, keep_all=keep_all, allow_incomplete=allow_incomplete)
    curves = curves_table(store)
    cells = pd.DataFrame(status_rows(store))
    stem = out.with_suffix("")
    written = []
    for frame, path in ((table, out), (curves, stem.with_name(stem.name + ".curves" + out.suffix)),
                        (cells, stem.with_name(stem.name + ".cells" + out.suffix))):
        if out.suffix.lower() == ".csv":
            atomic_write_text(path, frame.to_csv(index=False))
        else:
            atomic_write_parquet(path, frame)
        written.append(str(path))
    return {"rows": len(table), "cells": int(table["cell"].nunique()) if len(table) else 0,
            "files": written, "incomplete": describe_incomplete(incomplete_groups(store.states()))}
