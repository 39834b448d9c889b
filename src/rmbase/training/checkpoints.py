"""Which checkpoint an interrupted run resumes from: the newest *complete* one.

The Trainer writes a checkpoint's weights, then optimizer, scheduler and RNG state, and ``trainer_state.json``
last; a kill -9 during a save leaves a folder without it (or with half of it). A checkpoint is complete when its
``trainer_state.json`` parses and names its own step and its weights are there. Incomplete checkpoints newer than
the one resumed from are removed (they would be written again), so the Trainer never sees them.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

WEIGHTS = ("model.safetensors", "model.safetensors.index.json", "adapter_model.safetensors")
STATE = "trainer_state.json"


def checkpoint_step(path: Path) -> int | None:
    name, _, step = path.name.partition("-")
    return int(step) if name == "checkpoint" and step.isdigit() else None


def is_complete(path: Path) -> bool:
    """``trainer_state.json`` written (parses, at this checkpoint's step) and non-empty weights present."""
    try:
        state = json.loads((path / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(state, dict) or state.get("global_step") != checkpoint_step(path):
        return False
    return any((path / w).is_file() and (path / w).stat().st_size > 0 for w in WEIGHTS)


def resume_checkpoint(folder: Path) -> tuple[Path | None, list[Path]]:
    """The newest complete checkpoint under ``folder`` (or None) and the incomplete ones that were removed."""
    found = sorted((p for p in Path(folder).glob("checkpoint-*") if p.is_dir() and checkpoint_step(p) is not None),
                   key=checkpoint_step)
    complete = [p for p in found if is_complete(p)]
    newest = complete[-1] if complete else None
    removed = [p for p in found if p not in complete and (newest is None or checkpoint_step(p) > checkpoint_step(newest))]
    for p in removed:
        shutil.rmtree(p, ignore_errors=True)
    return newest, removed
