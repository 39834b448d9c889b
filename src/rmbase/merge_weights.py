"""``merge_weights.json``: the one schema of the merge vector of a multi-attribute reward model.

``rmbase train --recipe regression`` writes it (in the output folder, beside the merged one-label model, and in its
``attribute_model/``); ``rmbase evaluate`` of a multi-attribute model reads it from the model folder when
``--merge-weights`` is not given. The file is a JSON object::

    {"attributes": ["helpfulness", ...],   # one name per output of the model, in output order (optional)
     "weights": [0.5, ...],                # the merge vector w: reward = logits · w, in output order
     ...}                                  # anything else (the search's record: accuracy, integer weights, ...)
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from rmbase.errors import InputError

MERGE_WEIGHTS_NAME = "merge_weights.json"
SCHEMA = '{"weights": [numbers, one per model output], "attributes": [names, optional]}'


def write_merge_weights(folder: str | os.PathLike, weights: list[float], *, attributes: list[str] | None = None,
                        **record: Any) -> Path:
    """Write ``folder/merge_weights.json`` atomically; ``record`` adds the search's figures."""
    from rmbase.io import atomic_write_json

    if attributes is not None and len(attributes) != len(weights):
        raise ValueError(f"{len(attributes)} attribute names for {len(weights)} weights")
    body = {"attributes": list(attributes) if attributes is not None else None,
            "weights": [float(w) for w in weights], **record}
    path = Path(folder) / MERGE_WEIGHTS_NAME
    atomic_write_json(path, body)
    return path


def read_merge_weights(folder: str | os.PathLike) -> list[float] | None:
    """The merge vector of ``folder/merge_weights.json``, None when the folder has no such file; a file that does
    not follow the schema is an :class:`InputError` naming it."""
    path = Path(folder) / MERGE_WEIGHTS_NAME
    if not path.is_file():
        return None
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", path=str(path), row=exc.lineno) from exc
    weights = obj.get("weights") if isinstance(obj, dict) else None
    if not isinstance(weights, list) or not weights or not all(
            isinstance(w, (int, float)) and not isinstance(w, bool) for w in weights):
        raise InputError("no list of numbers under 'weights'", path=str(path), column="weights", expected=SCHEMA)
    names = obj.get("attributes")
    if names is not None and (not isinstance(names, list) or len(names) != len(weights)):
        raise InputError(f"'attributes' must name each of the {len(weights)} weights", path=str(path),
                         column="attributes", expected=SCHEMA)
    return [float(w) for w in weights]
