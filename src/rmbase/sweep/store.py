"""The sweep store: one folder per cell, result files with checksums, the state of every cell.

Layout of a store ``DIR``::

    sweep.yaml                 the resolved sweep config (written by the first run)
    cells.json                 the cell ids in config order
    runs.jsonl                 one line per `sweep run`: when, what was pending, what it did
    cells/<cell>/cell.json     the cell's definition (base, recipe, learning rate, seed, train and eval options)
    cells/<cell>/progress.jsonl  validation accuracy at every checkpoint (step, val_accuracy, time)
    cells/<cell>/model/        the trained reward model (training room output), model.work/ while training
    cells/<cell>/trained.json  the training summary, checksummed (a finished training is not redone)
    cells/<cell>/eval/<set>/   rm_eval output (results.json, scores.jsonl) per eval set
    cells/<cell>/result.json   the cell's result, checksummed: written last, the cell is done when it verifies
    cells/<cell>/stopped.json  the scheduler (ASHA) stopped the cell: where, and the hours it saved
    cells/<cell>/errors/N.json attempt N raised: the exception and its traceback
    tune/                      Ray Tune's experiment folders (one per run)

A result file is ``{"sha256": ..., "data": {...}}``; the hash is of the canonical JSON of ``data``. A file that does
not verify (truncated, edited, damaged) is reported as ``corrupt`` and its cell is run again.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rmbase.errors import InputError
from rmbase.io import (
    CORRUPT,
    atomic_write_json,
    atomic_write_text,
    changed_keys,
    config_changed,
    read_checked,
    write_checked,
)

STORE_MARK = "sweep.yaml"


@dataclass
class CellState:
    id: str
    state: str                      # done | stopped | failed | retry | interrupted | corrupt | pending
    cell: dict[str, Any]
    result: dict[str, Any] | None = None
    stopped: dict[str, Any] | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    last_step: int | None = None
    best_val: float | None = None

    @property
    def finished(self) -> bool:
        return self.state in ("done", "stopped", "failed")


def is_store(path: str | Path) -> bool:
    p = Path(path)
    return p.is_dir() and (p / STORE_MARK).is_file() and (p / "cells").is_dir()


class Store:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    # ---------------------------------------------------------------------------------------------- paths
    def cell_dir(self, cell_id: str) -> Path:
        return self.root / "cells" / cell_id

    @property
    def tune_dir(self) -> Path:
        return self.root / "tune"

    # --------------------------------------------------------------------------------------------- create
    def check_output(self) -> None:
        """The store folder must be a store or an empty/new folder (validated before any work)."""
        from rmbase.io import check_output_path

        check_output_path(self.root, kind="dir", option="--store")
        if self.root.exists() and not self.root.is_dir():
            raise InputError("the store is a file, not a folder", path=str(self.root))
        if self.root.is_dir() and any(self.root.iterdir()) and not is_store(self.root):
            raise InputError("the folder exists and is not a sweep store", path=str(self.root),
                             expected="a new or empty folder, or the store of an earlier `rmbase sweep run`")

    def initialise(self, config_yaml: str, cells: list[dict[str, Any]]) -> list[str]:
        """Write the config and the cell definitions; a cell that exists with other options is an InputError.
        Returns the ids of cells new to the store."""
        self.check_output()
        new = []
        for cell in cells:
            path = self.cell_dir(cell["id"]) / "cell.json"
            old = read_checked(path)
            if old is None or old is CORRUPT:
                new.append(cell["id"])
                continue
            if old.get("fingerprint") != cell["fingerprint"]:
                changed = [f"training.{k}" for k in changed_keys(old["train"], cell["train"])]
                if old.get("evals") != cell["evals"]:
                    changed.append("eval_sets")
                raise config_changed(self.root, changed, subject=f"cell {cell['id']} is in the store",
                                     expected="the config the store was made with, or a new --store")
        self.root.mkdir(parents=True, exist_ok=True)
        for cell in cells:
            if cell["id"] in new:
                write_checked(self.cell_dir(cell["id"]) / "cell.json", cell)
        known = self.cell_ids() if (self.root / "cells.json").is_file() else []
        order = known + [c["id"] for c in cells if c["id"] not in known]
        atomic_write_json(self.root / "cells.json", order)
        atomic_write_text(self.root / STORE_MARK, config_yaml)
        return new

    def cell_ids(self) -> list[str]:
        try:
            return list(json.loads((self.root / "cells.json").read_text()))
        except (OSError, json.JSONDecodeError) as exc:
            raise InputError("not a sweep store (no readable cells.json)", path=str(self.root)) from exc

    # -------------------------------------------------------------------------------------------- records
    def cell(self, cell_id: str) -> dict[str, Any]:
        data = read_checked(self.cell_dir(cell_id) / "cell.json")
        if data is None or data is CORRUPT:
            raise InputError(f"cell {cell_id}: cell.json is missing or damaged", path=str(self.cell_dir(cell_id)))
        return data

    def record_error(self, cell_id: str, error: str, tb: str) -> Path:
        folder = self.cell_dir(cell_id) / "errors"
        folder.mkdir(parents=True, exist_ok=True)
        n = len(list(folder.glob("*.json"))) + 1
        path = folder / f"{n}.json"
        atomic_write_json(path, {"attempt": n, "time": time.time(), "error": error, "traceback": tb})
        return path

    def errors(self, cell_id: str) -> list[dict[str, Any]]:
        folder = self.cell_dir(cell_id) / "errors"
        if not folder.is_dir():
            return []
        out = []
        for p in sorted(folder.glob("*.json"), key=lambda q: int(q.stem) if q.stem.isdigit() else 0):
            try:
                out.append(json.loads(p.read_text()))
            except (OSError, json.JSONDecodeError):
                out.append({"attempt": p.stem, "error": "unreadable error record", "traceback": ""})
        return out

    def progress(self, cell_id: str) -> list[dict[str, Any]]:
        path = self.cell_dir(cell_id) / "progress.jsonl"
        points = []
        try:
            lines = path.read_text().splitlines()
        except OSError:
            return []
        for line in lines:
            try:
                points.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a line cut by a kill
        return points

    def append_progress(self, cell_id: str, point: dict[str, Any]) -> None:
        path = self.cell_dir(cell_id) / "progress.jsonl"
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(point) + "\n")

    def state(self, cell_id: str, retries: int) -> CellState:
        folder = self.cell_dir(cell_id)
        cell = self.cell(cell_id)
        result = read_checked(folder / "result.json")
        if isinstance(result, dict):
            return CellState(cell_id, "done", cell, result=result, best_val=result.get("val_accuracy"),
                             last_step=result.get("last_step"))
        stopped = read_checked(folder / "stopped.json")
        if isinstance(stopped, dict):
            return CellState(cell_id, "stopped", cell, stopped=stopped, best_val=stopped.get("best_val_accuracy"),
                             last_step=stopped.get("last_step"))
        errors = self.errors(cell_id)
        points = self.progress(cell_id)
        best = max((p["val_accuracy"] for p in points), default=None)
        last = points[-1]["step"] if points else None
        if result is CORRUPT or stopped is CORRUPT:
            state = "corrupt"
        elif len(errors) > retries:
            state = "failed"
        elif errors:
            state = "retry"
        elif points or (folder / "model.work").exists() or (folder / "trained.json").exists():
            state = "interrupted"
        else:
            state = "pending"
        return CellState(cell_id, state, cell, errors=errors, last_step=last, best_val=best)

    def states(self, retries: int | None = None) -> list[CellState]:
        retries = self.retries() if retries is None else retries
        return [self.state(c, retries) for c in self.cell_ids()]

    def retries(self) -> int:
        import yaml

        try:
            return int((yaml.safe_load((self.root / STORE_MARK).read_text()) or {}).get("retries", 1))
        except (OSError, yaml.YAMLError, ValueError, TypeError):
            return 1

    def reset_cell(self, cell_id: str, *, keep_errors: bool = True) -> None:
        """Remove everything a cell produced (a corrupted result: the cell runs again from scratch)."""
        folder = self.cell_dir(cell_id)
        for item in folder.iterdir():
            if item.name == "cell.json" or (keep_errors and item.name == "errors"):
                continue
            if item.is_dir():
                shutil.rmtree(item, ignore_errors=True)
            else:
                item.unlink(missing_ok=True)

    def mark_driver(self) -> None:
        """Record the running driver (host, pid), so that ``status`` can tell running cells from interrupted ones."""
        import os
        import socket

        atomic_write_json(self.root / "driver.json", {"host": socket.gethostname(), "pid": os.getpid(),
                                                      "started": time.time()})

    def unmark_driver(self) -> None:
        (self.root / "driver.json").unlink(missing_ok=True)

    def driver_alive(self) -> bool:
        """A driver on this host whose process still exists (a driver on another host counts as alive)."""
        import os
        import socket

        try:
            info = json.loads((self.root / "driver.json").read_text())
        except (OSError, json.JSONDecodeError):
            return False
        if info.get("host") != socket.gethostname():
            return True
        try:
            os.kill(int(info["pid"]), 0)
        except (ProcessLookupError, ValueError, KeyError):
            return False
        except PermissionError:
            return True
        return True

    def log_run(self, entry: dict[str, Any]) -> None:
        with open(self.root / "runs.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, default=str) + "\n")
