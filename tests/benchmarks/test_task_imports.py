"""Every lm-eval task of the suites can be loaded with the ``bench`` extra installed: the Python modules its YAML
files reference (``!function utils.x``, ``class: !function task.X``) import, and the named functions exist.

This is what failed before (``No module named 'langdetect'`` on IFEval after ``pip install -e .[bench]``): the
harness's own test of a task is loading it, and loading a task imports these modules. The modules are imported the
way lm-eval imports them (by file path, from the YAML's folder). Network: lm-eval's IFEval module calls
``nltk.download('punkt_tab')`` at import when the data is absent; the test replaces ``nltk.download`` by a recorder
so that it never reaches the network (``rmbase benchmarks run`` checks for the data before it runs IFEval).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from rmbase.benchmarks.suites import suite

FUNCTION = re.compile(r"!function\s+([A-Za-z0-9_.]+)")
NAMED = re.compile(r"^(task|group|tag)\s*:\s*([A-Za-z0-9_\-]+)\s*$", re.MULTILINE)
LISTED = re.compile(r"^\s*-\s*([A-Za-z0-9_\-]+)\s*$", re.MULTILINE)
INCLUDE = re.compile(r"^include\s*:\s*[\"']?([^\"'\s]+)[\"']?\s*$", re.MULTILINE)


def _task_files(root: Path) -> tuple[dict[str, list[Path]], dict[Path, str]]:
    """Task/group/tag name -> the YAML files that declare it; file -> text."""
    by_name: dict[str, list[Path]] = {}
    texts: dict[Path, str] = {}
    for f in root.rglob("*"):
        if f.is_file() and "yaml" in f.name and "__pycache__" not in f.parts:
            text = f.read_text(encoding="utf-8", errors="replace")
            texts[f] = text
            for _, name in NAMED.findall(text):
                by_name.setdefault(name, []).append(f)
    return by_name, texts


def _closure(names: list[str], by_name: dict[str, list[Path]], texts: dict[Path, str]) -> set[Path]:
    """The YAML files of these tasks: their own, the subtasks a group lists, the files they include."""
    todo, seen_names, files = list(names), set(), set()
    while todo:
        name = todo.pop()
        if name in seen_names:
            continue
        seen_names.add(name)
        for f in by_name.get(name, []):
            stack = [f]
            while stack:
                g = stack.pop()
                if g in files or g not in texts:
                    continue
                files.add(g)
                text = texts[g]
                stack.extend(g.parent / inc for inc in INCLUDE.findall(text))
                if re.search(r"^group\s*:", text, re.MULTILINE):
                    todo.extend(n for n in LISTED.findall(text) if n in by_name)
    return files


def _import_from(folder: Path, module: str):
    """A task module as lm-eval loads it: by file path from the YAML's folder."""
    path = folder / (module.replace(".", "/") + ".py")
    assert path.is_file(), f"{path} referenced by a task YAML does not exist"
    name = f"_rmbase_task_check.{folder.name}.{module}"
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def _check_suite(suite_name: str, monkeypatch) -> tuple[set[str], list[str]]:
    """Import every module the suite's task YAMLs reference; returns the ``folder:module.function`` checked and the
    NLTK downloads the modules asked for."""
    lm_eval = pytest.importorskip("lm_eval", reason="lm-eval is not installed (pip install -e .[bench])")
    nltk = pytest.importorskip("nltk", reason="nltk comes with lm-eval[ifeval]")
    downloads: list[str] = []
    monkeypatch.setattr(nltk, "download", lambda name, *a, **k: downloads.append(name) or False)
    root = Path(lm_eval.__file__).parent / "tasks"
    by_name, texts = _task_files(root)
    names = [t for s in suite(suite_name) if s.runner == "lm_eval" for t in s.tasks]
    missing = [n for n in names if n not in by_name]
    assert missing == [], f"tasks not in lm-eval: {missing}"
    checked: set[str] = set()
    for f in sorted(_closure(names, by_name, texts)):
        for ref in sorted(set(FUNCTION.findall(texts[f]))):
            module, _, attr = ref.rpartition(".")
            mod = _import_from(f.parent, module)
            assert hasattr(mod, attr), f"{f}: {ref} names no attribute of {module}.py"
            checked.add(f"{f.parent.relative_to(root).as_posix()}:{ref}")
    return checked, downloads


def test_leaderboard_suite_tasks_import(monkeypatch):
    checked, downloads = _check_suite("leaderboard", monkeypatch)
    # IFEval's scorer (langdetect, immutabledict, nltk) and MATH's Math-Verify checker are among the modules
    assert "leaderboard/ifeval:utils.process_results" in checked
    assert "leaderboard/math:utils.process_results" in checked
    assert {c.split(":")[0] for c in checked} >= {"leaderboard/gpqa", "leaderboard/mmlu_pro", "leaderboard/musr"}
    assert set(downloads) <= {"punkt_tab"}


def test_study_suite_tasks_import(monkeypatch):
    checked, _ = _check_suite("study", monkeypatch)
    leaderboard, _ = _check_suite("leaderboard", monkeypatch)
    assert len(checked) > len(leaderboard)  # the study's own tasks (DROP, SQuAD v2, TriviaQA ...) add modules


def test_bench_extra_declares_the_task_dependencies():
    """The extra names what the tasks import: lm-eval's ifeval (langdetect, immutabledict, nltk) and math
    (sympy, antlr4 4.11, math-verify) extras."""
    import tomllib

    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    bench = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["optional-dependencies"]["bench"]
    lm = next(r for r in bench if r.replace("_", "-").startswith("lm-eval"))
    assert "ifeval" in lm and "math" in lm
