"""A package's public names imported on first use (PEP 562), so that importing one light module of the package (a
command's config) does not load the heavy ones (pandas, scikit-learn) that other names need."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, where: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The package's ``__getattr__`` and ``__dir__``: ``where`` maps a public name to the submodule that defines it,
    imported when the name is first read; from then on the name is a plain attribute of the package."""

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module hook PEP 562 names
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:  # noqa: N807 - the module hook PEP 562 names
        return sorted({*vars(sys.modules[package]), *where})

    return __getattr__, __dir__
