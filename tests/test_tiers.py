"""DESIGN.md's tiers, checked on the code: every import of an rmbase module (at module level or inside a function,
where the heavy rooms are imported lazily) goes to a room on the same floor or below, never above."""

from __future__ import annotations

import ast
from pathlib import Path

import rmbase

PACKAGE = Path(rmbase.__file__).resolve().parent

# DESIGN.md: cli -> study / sweep -> analysis / selection / report -> training / rm_eval / probe / presence /
# benchmarks / datasets -> the ground floor (every other top-level module: config, io, forward, validation, ...)
FLOORS = {
    4: ("cli", "commands"),
    3: ("study", "study_config", "sweep"),
    2: ("analysis", "selection", "report"),
    1: ("training", "rm_eval", "probe", "presence", "benchmarks", "datasets"),
}
FLOOR_OF = {room: floor for floor, rooms in FLOORS.items() for room in rooms}


def room_of(module: str) -> str:
    """``rmbase.selection.plan`` -> ``selection``; ``rmbase.io`` -> ``io``; ``rmbase`` -> ``rmbase``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def floor_of(module: str) -> int:
    return FLOOR_OF.get(room_of(module), 0)


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def rmbase_imports(path: Path) -> list[tuple[int, str]]:
    """(line, imported module) of every rmbase import in a file, relative imports resolved."""
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "rmbase"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "rmbase":
                continue
            if target == "rmbase":  # from rmbase import io, training
                out += [(node.lineno, f"rmbase.{a.name}") for a in node.names]
            else:
                out.append((node.lineno, target))
    return out


def upward_imports() -> list[str]:
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        me = module_name(path)
        for line, target in rmbase_imports(path):
            if floor_of(target) > floor_of(me):
                bad.append(f"{path.relative_to(PACKAGE.parent)}:{line} {me} (floor {floor_of(me)}) imports "
                           f"{target} (floor {floor_of(target)})")
    return bad


def test_no_room_imports_a_room_above_it():
    assert upward_imports() == []


def test_the_walk_sees_lazy_relative_and_package_imports(tmp_path, monkeypatch):
    """The checker itself: an upward import inside a function, a relative one and ``from rmbase import x`` are
    all found (so the test above cannot pass by not looking)."""
    fake = tmp_path / "rmbase"
    (fake / "training").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "io.py").write_text("def f():\n    from rmbase.selection import plan\n")
    (fake / "training" / "__init__.py").write_text("from ..report import page\nfrom rmbase import sweep\n")
    (fake / "training" / "data.py").write_text("from . import encoding\nfrom rmbase import io\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", fake)
    assert sorted(b.split(" ", 1)[1] for b in upward_imports()) == [
        "rmbase.io (floor 0) imports rmbase.selection (floor 2)",
        "rmbase.training (floor 1) imports rmbase.report (floor 2)",
        "rmbase.training (floor 1) imports rmbase.sweep (floor 3)",
    ]
