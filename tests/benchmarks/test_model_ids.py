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
