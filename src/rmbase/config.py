"""Typed configs (pydantic) that load from and dump to YAML; every run writes its resolved config."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Self

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from rmbase.errors import InputError


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False)

    @classmethod
    def from_yaml(cls, path: str | os.PathLike) -> Self:
        p = Path(path)
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise InputError(f"cannot read config: {exc}", path=str(p)) from exc
        return cls.build(_source=str(p), **data)

    @classmethod
    def build(cls, _source: str | None = None, **values: Any) -> Self:
        """Construct, turning pydantic's validation errors into one clear :class:`InputError`."""
        try:
            return cls(**values)
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(x) for x in err["loc"]) or None
            raise InputError(err["msg"], path=_source, column=field) from exc
