"""The aliasing rules added for the benchmark table (preferred spelling, lm-eval folder names)."""

from __future__ import annotations

import pytest

from rmbase.model_ids import canonical_model_id, model_id_from_folder, preferred_model_id


def test_preferred_spelling():
    assert preferred_model_id("meta-llama/Meta-Llama-3.1-8B-Instruct") == "meta-llama/Llama-3.1-8B-Instruct"
    assert preferred_model_id("meta-llama/Meta-Llama-3-8B-Instruct") == "meta-llama/Meta-Llama-3-8B-Instruct"
    assert preferred_model_id("https://huggingface.co/Qwen/Qwen2.5-7B/") == "Qwen/Qwen2.5-7B"
    assert preferred_model_id("  google/gemma-2-9b-it ") == "google/gemma-2-9b-it"
    assert preferred_model_id("/data/ckpt/step-100/") == "/data/ckpt/step-100"  # local paths stay paths
    # the existing rule still holds
    assert canonical_model_id("meta-llama/Llama-3.1-8B-Instruct") == canonical_model_id(
        "meta-llama/Meta-Llama-3.1-8B-Instruct")


def test_folder_names():
    assert model_id_from_folder("meta-llama__Llama-3.1-8B") == "meta-llama/Llama-3.1-8B"
    assert model_id_from_folder("plainname") == "plainname"
    assert model_id_from_folder("__x") == "__x"


IDS = ["meta-llama/Meta-Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-70B", "Qwen/Qwen2.5-7B-Instruct",
       "org/Meta-Llama-3.1-x", "org/meta-llama-3.1-8b", "a/Meta-", "x/Meta-Llama-3-8B", "NousResearch/Hermes-3-Llama-3.1-8B",
       "Llama-3.1-8B-Instruct", "Meta-Llama-3.1-8B-Instruct", "org/name/", "UPPER/CASE-Model"]


@pytest.mark.parametrize("model_id", IDS)
def test_preferred_keeps_the_canonical_key(model_id):
    assert canonical_model_id(preferred_model_id(model_id)) == canonical_model_id(model_id)
    assert preferred_model_id(preferred_model_id(model_id)) == preferred_model_id(model_id)


def test_model_id_index_finds_any_spelling():
    from rmbase.model_ids import ModelIdIndex, find_model_ids

    ids = ["meta-llama/Llama-3.1-8B-Instruct", "Qwen/Qwen2.5-7B", "other/Qwen2.5-7B", "Gemma-2-9b-it"]
    index = ModelIdIndex(ids)
    assert index.find("meta-llama/Meta-Llama-3.1-8B-Instruct") == ["meta-llama/Llama-3.1-8B-Instruct"]
    assert index.find("llama-3.1-8b-instruct") == ["meta-llama/Llama-3.1-8B-Instruct"]  # no org: by name
    assert index.find("Qwen2.5-7B") == ["Qwen/Qwen2.5-7B", "other/Qwen2.5-7B"]  # ambiguous: both, in order
    assert index.find("qwen/qwen2.5-7b") == ["Qwen/Qwen2.5-7B"]  # with org: that organisation only
    assert index.find("google/Qwen2.5-7B") == []  # an organisation never matches another one's name
    assert index.find("google/gemma-2-9b-it") == ["Gemma-2-9b-it"]  # a table that omits organisations: by name
    assert index.find("gemma-2-9b-it") == ["Gemma-2-9b-it"]
    assert find_model_ids("nobody/none", ids) == []


def test_sanitise_model_id_lives_in_model_ids():
    from rmbase.errors import InputError
    from rmbase.model_ids import sanitise_model_id

    assert sanitise_model_id("Qwen/Qwen2.5-7B") == "Qwen__Qwen2.5-7B"
    assert sanitise_model_id("a b/c:d") == "a_b__c_d"
    with pytest.raises(InputError):
        sanitise_model_id("..")


def test_benchmarks_room_has_no_import_cycle():
    """The modules of rmbase.benchmarks import each other one way only (module-level and in-function imports)."""
    import ast
    from pathlib import Path

    import rmbase.benchmarks as pkg

    room = Path(pkg.__file__).parent
    graph: dict[str, set[str]] = {}
    for f in room.glob("*.py"):
        deps = set()
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("rmbase.benchmarks."):
                deps.add(node.module.rsplit(".", 1)[1])
        graph[f.stem] = deps - {f.stem}
    graph.pop("__init__")

    def reaches(start: str, target: str, seen: set[str]) -> bool:
        return any(d == target or (d not in seen and reaches(d, target, seen | {d})) for d in graph.get(start, ()))

    cyclic = sorted(m for m in graph if reaches(m, m, {m}))
    assert not cyclic, cyclic


def test_join_any_spelling_and_one_ambiguity_rule():
    from rmbase.errors import InputError
    from rmbase.model_ids import ModelIdIndex

    index = ModelIdIndex(["meta-llama/Llama-3.1-8B-Instruct", "google/gemma-2-9b-it"])
    found, unknown = index.join(["Meta-Llama-3.1-8B-Instruct", "google/gemma-2-9b-it", "gemma-2-9b-it", "x/y"])
    assert found == {"Meta-Llama-3.1-8B-Instruct": "meta-llama/Llama-3.1-8B-Instruct",
                     "google/gemma-2-9b-it": "google/gemma-2-9b-it", "gemma-2-9b-it": "google/gemma-2-9b-it"}
    assert unknown == ["x/y"]
    two = ModelIdIndex(["google/gemma-2-9b-it", "jebish7/gemma-2-9b-it"])
    with pytest.raises(InputError, match="'gemma-2-9b-it' names 2 models: google/gemma-2-9b-it, jebish7/"):
        two.join(["gemma-2-9b-it"])
    with pytest.raises(InputError, match="names 2 models"):
        two.resolve("gemma-2-9b-it")
    assert two.join(["jebish7/gemma-2-9b-it"])[0] == {"jebish7/gemma-2-9b-it": "jebish7/gemma-2-9b-it"}
    assert two.resolve("nobody/gemma-2-9b-it") is None
    assert "Google/Gemma-2-9B-it" in two and "gemma-3" not in two
