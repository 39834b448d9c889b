"""Helpers of the presence tests: corpus files and synthetic presence folders."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd


def write_jsonl(path: Path, rows, extra_lines: tuple[bytes, ...] = ()) -> Path:
    with open(path, "wb") as f:
        for r in rows:
            f.write((json.dumps(r) + "\n").encode("utf-8"))
        for line in extra_lines:
            f.write(line + b"\n")
    return path


def fake_presence(folder: Path, model: str, scores: dict[str, np.ndarray], **meta) -> Path:
    """A finished presence folder written directly (summary.json + one shard) for compare/feature tests."""
    rows = [{"row": i, "category": c, "status": "ok", "doc_tokens": 10, "n_pred": 10, "truncated": False,
             "score": float(v)} for i, (c, v) in enumerate((c, v) for c, vs in scores.items() for v in vs)]
    (folder / "shards").mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_parquet(folder / "shards" / "shard-000000.parquet", index=False)
    summary = {"model": model, "categories": {c: {"count": len(v), "mean": float(np.mean(v))}
                                              for c, v in scores.items()}, **meta}
    (folder / "summary.json").write_text(json.dumps(summary))
    return folder
