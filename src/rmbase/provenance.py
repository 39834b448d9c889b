"""Provenance attached to every result rmbase writes: versions, config, seeds, data hashes, time."""

from __future__ import annotations

import datetime as _dt
import platform
import sys
from importlib import metadata
from typing import Any

DEFAULT_PACKAGES = ("rmbase", "numpy", "pandas", "scipy", "scikit-learn")


def package_versions(names: tuple[str, ...] | list[str] = DEFAULT_PACKAGES) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def provenance(*, config: dict[str, Any] | None = None, data: dict[str, str] | None = None,
               seeds: dict[str, int] | None = None, packages: tuple[str, ...] | list[str] = DEFAULT_PACKAGES,
               **extra: Any) -> dict[str, Any]:
    """A provenance record: ``data`` maps a data name to its sha256, ``config`` is the resolved config."""
    record: dict[str, Any] = {
        "created_utc": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": package_versions(packages),
        "command": " ".join(sys.argv),
        "config": config or {},
        "seeds": seeds or {},
        "data_sha256": data or {},
    }
    record.update(extra)
    return record
