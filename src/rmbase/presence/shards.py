"""The shards of a presence run: ``DIR/shards/shard-NNNNNN.parquet``, one per ``shard_size`` records of the corpus, each
written atomically (a finished shard is complete and never redone)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd

from rmbase.presence.corpus import Doc

SHARD_COLUMNS = ("row", "category", "status", "doc_tokens", "n_pred", "truncated", "score")


def shard_path(out: Path, k: int) -> Path:
    return out / "shards" / f"shard-{k:06d}.parquet"


def write_shard(path: Path, table: pd.DataFrame) -> None:
    """Write a shard atomically: readers (and a resumed run) see a complete shard or none."""
    from rmbase.io import atomic_write_parquet

    atomic_write_parquet(path, table)


def read_shards(out: str | os.PathLike) -> pd.DataFrame:
    files = sorted((Path(out) / "shards").glob("shard-*.parquet"))
    if not files:
        return pd.DataFrame(columns=list(SHARD_COLUMNS))
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def shards_of(docs: Iterable[Doc], size: int) -> Iterator[tuple[int, list[Doc]]]:
    batch: list[Doc] = []
    for doc in docs:
        batch.append(doc)
        if len(batch) == size:
            yield doc.row // size, batch
            batch = []
    if batch:
        yield batch[0].row // size, batch
