"""Loading Hugging Face models for every room: the source check, safetensors only, dtype and device, sequence
classifiers and causal LMs (embeddings grown when the tokenizer grew, untrained rows reset), and one message for
weights that cannot load. Tokenizers, chat templates and encoding are :mod:`rmbase.hf_text`.

torch and transformers are imported inside the functions (rmbase starts without them).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rmbase.errors import InputError

DTYPES = {"float32": "float32", "fp32": "float32", "bfloat16": "bfloat16", "bf16": "bfloat16",
          "float16": "float16", "fp16": "float16"}


def check_model_source(name_or_path: str | os.PathLike) -> str:
    """A model source as a string: an existing local folder, or something that can be a Hub id (``org/name``).

    A path-like source that does not exist (absolute, relative with ``.``/``~``, or with more than one ``/``) is an
    :class:`InputError` here, instead of the Hub client's message about repository-id syntax."""
    source = str(name_or_path)
    if Path(source).expanduser().exists():
        return source
    if source.startswith(("/", ".", "~")) or source.count("/") > 1 or "\\" in source:
        raise InputError("no such model folder", path=source,
                         expected="an existing local folder or a Hugging Face id such as org/name")
    return source


PICKLE_WEIGHTS = ("*.bin", "*.pt", "*.pth", "*.ckpt", "*.pkl")


def check_model_folder(source: str, gguf_file: str | None = None) -> None:
    """A local folder given as a model must look like one (a config.json or tokenizer files, or the GGUF file
    named), instead of the tokenizer library's multi-line guess about sentencepiece."""
    p = Path(source).expanduser()
    if not p.is_dir():
        return
    if gguf_file:
        if not (p / gguf_file).is_file():
            raise InputError(f"no GGUF file {gguf_file!r} in the folder", path=source)
        return
    if not any((p / name).is_file() for name in ("config.json", "tokenizer_config.json", "tokenizer.json")):
        raise InputError("not a model folder (no config.json or tokenizer files)", path=source,
                         expected="a Hugging Face model folder (config.json, weights, tokenizer) or a Hub id")


def check_safetensors_only(source: str) -> None:
    """A local model folder must hold its weights as safetensors: pickled weights (``pytorch_model.bin``) can run
    code when loaded, and rmbase loads none (convert them with ``transformers``: load once, ``save_pretrained``)."""
    p = Path(source).expanduser()
    if not p.is_dir() or any(p.glob("*.safetensors")):
        return
    pickled = sorted(f.name for pat in PICKLE_WEIGHTS for f in p.glob(pat))
    if pickled:
        raise InputError(f"the model folder has pickled weights only ({', '.join(pickled[:3])}); rmbase loads "
                         "weights from safetensors", path=source,
                         expected="model.safetensors (convert: AutoModel.from_pretrained(DIR).save_pretrained(DIR, "
                                  "safe_serialization=True), only if you trust the file)")


def resolve_dtype(dtype: Any, device: str) -> Any:
    """``None`` -> float32 on CPU, bfloat16 on GPU; names such as ``bf16``/``float32`` or a torch dtype."""
    import torch

    if dtype is None:
        return torch.float32 if device == "cpu" else torch.bfloat16
    if isinstance(dtype, torch.dtype):
        return dtype
    name = DTYPES.get(str(dtype).lower())
    if name is None:
        raise InputError(f"unknown dtype {dtype!r}", expected=", ".join(sorted(set(DTYPES.values()))))
    return getattr(torch, name)


DEVICE_FORMS = "cpu, cuda, cuda:N or mps"


def check_device(device: str | None) -> str | None:
    """A device torch can use here (``None``: the default); ``tpu``, ``gpu`` or a CUDA device on a machine without
    one is an :class:`InputError`, before any model is loaded."""
    import re

    if device is None:
        return None
    name = str(device).strip().lower()
    if not re.fullmatch(r"cpu|cuda(:\d+)?|mps", name):
        raise InputError(f"unknown device {device!r}", expected=DEVICE_FORMS)
    if name != "cpu":
        import torch

        if name.startswith("cuda"):
            if not torch.cuda.is_available():
                raise InputError(f"device {device!r}: CUDA is not available on this machine", expected="--device cpu")
            index = int(name.partition(":")[2] or 0)
            if index >= torch.cuda.device_count():
                raise InputError(f"device {device!r}: this machine has {torch.cuda.device_count()} CUDA device(s)")
        elif not torch.backends.mps.is_available():
            raise InputError(f"device {device!r}: MPS is not available on this machine", expected="--device cpu")
    return name


def default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _is_head_key(key: str) -> bool:
    return key.split(".")[0] in {"score", "classifier", "classification_head", "v_head"} or ".score." in key


def hub_options(*, revision: str | None = None, trust_remote_code: bool = False,
                gguf_file: str | None = None) -> dict[str, Any]:
    """The ``from_pretrained`` options every loader passes (a GGUF file only when given)."""
    options: dict[str, Any] = {"revision": revision, "trust_remote_code": trust_remote_code}
    if gguf_file:
        options["gguf_file"] = gguf_file
    return options


def read_model_config(where: str, options: dict[str, Any]) -> Any:
    """A checkpoint's ``AutoConfig``; one :class:`InputError` when it cannot be read (remote code without the flag
    named as such)."""
    from transformers import AutoConfig

    try:
        return AutoConfig.from_pretrained(where, **options)
    except (OSError, ValueError) as exc:
        if "remote code" in str(exc) or "trust_remote_code" in str(exc):
            raise InputError("this checkpoint needs remote code; pass --trust-remote-code if you trust it",
                             path=where) from exc
        raise InputError(f"cannot read the model config: {exc}", path=where) from exc


def load_sequence_classifier(name_or_path: str | os.PathLike, *, dtype: Any = None, device: str | None = None,
                             revision: str | None = None, trust_remote_code: bool = False,
                             num_labels: int | None = None, tokenizer: Any = None, allow_new_head: bool = True,
                             head_seed: int | None = None, gguf_file: str | None = None) -> Any:
    """AutoModelForSequenceClassification from safetensors, in eval mode on ``device``.

    InputError when the checkpoint cannot be a sequence classifier, needs remote code without the flag, or
    (with ``allow_new_head=False``) has no trained score head. With ``tokenizer``: embeddings are resized when
    the tokenizer grew (new rows = mean of the old rows, deterministic) and ``config.pad_token_id`` is set to the
    tokenizer's pad. ``head_seed`` seeds a freshly initialised head.
    """
    import torch
    from transformers import AutoModelForSequenceClassification

    device = device or default_device()
    torch_dtype = resolve_dtype(dtype, device)
    where = check_model_source(name_or_path)
    common = hub_options(revision=revision, trust_remote_code=trust_remote_code, gguf_file=gguf_file)
    config = read_model_config(where, common)
    if getattr(config, "auto_map", None) and not trust_remote_code and \
            type(config) not in AutoModelForSequenceClassification._model_mapping:
        raise InputError("this checkpoint needs remote code; pass --trust-remote-code if you trust it", path=where)
    if not trust_remote_code and type(config) not in AutoModelForSequenceClassification._model_mapping:
        raise InputError(f"model type {config.model_type!r} has no sequence-classification class in transformers",
                         path=where, expected="a checkpoint loadable with AutoModelForSequenceClassification")
    has_head = any(str(a).endswith("ForSequenceClassification") for a in (config.architectures or []))
    if num_labels is None and not has_head:
        num_labels = 1  # a base/causal LM gets a one-label reward head (transformers would default to 2)
    kwargs: dict[str, Any] = dict(common, dtype=torch_dtype, output_loading_info=True)
    if not gguf_file:
        kwargs["use_safetensors"] = True
    if num_labels is not None:
        kwargs["num_labels"] = num_labels
    if head_seed is not None:
        torch.manual_seed(head_seed)
    try:
        model, info = AutoModelForSequenceClassification.from_pretrained(where, **kwargs)
    except (OSError, ValueError) as exc:
        raise weights_error(exc, where, "cannot load as a sequence classifier") from exc
    missing = [k for k in info.get("missing_keys", []) if _is_head_key(k)]
    if missing and not allow_new_head:
        raise InputError("the checkpoint has no trained score head (it is not a reward model): "
                         f"{', '.join(sorted(missing)[:3])} would be randomly initialised", path=where,
                         expected="a sequence-classification checkpoint, or --allow-new-head")
    if tokenizer is not None:
        _fit_embeddings(model, len(tokenizer))
        model.config.pad_token_id = tokenizer.pad_token_id
    model.to(device)
    model.eval()
    return model


_LM_ARCHS = ("ForCausalLM", "LMHeadModel", "ForConditionalGeneration")


_HEAD_ARCHS = ("ForSequenceClassification", "ForTokenClassification", "ForQuestionAnswering", "ForRewardModel")


def refuse_head_checkpoint(config: Any, where: str) -> None:
    """InputError when ``config`` names a classifier (a reward model, a sequence classifier) and no language-model
    architecture: loaded as a causal LM it would get a freshly initialised LM head, and every log-likelihood read
    from it would be noise (about -ln(vocab) per token)."""
    archs = [str(a) for a in (getattr(config, "architectures", None) or [])]
    heads = [a for a in archs if a.endswith(_HEAD_ARCHS)]
    if heads and not any(a.endswith(_LM_ARCHS) for a in archs):
        raise InputError(f"the checkpoint is a {heads[0]} (a reward model or classifier), not a language model: it "
                         "has no LM head, and one initialised at random would give meaningless log-likelihoods",
                         path=where, expected="a base or instruct language model (a *ForCausalLM checkpoint)")


def load_causal_lm(name_or_path: str | os.PathLike, *, dtype: Any = None, device: str | None = None,
                   revision: str | None = None, trust_remote_code: bool = False,
                   gguf_file: str | None = None) -> Any:
    """AutoModelForCausalLM from safetensors (or a GGUF file), in eval mode on ``device``; InputError when the
    checkpoint is missing, is not a causal LM, or needs remote code without the flag."""
    from transformers import AutoModelForCausalLM

    device = device or default_device()
    torch_dtype = resolve_dtype(dtype, device)
    where = check_model_source(name_or_path)
    common = hub_options(revision=revision, trust_remote_code=trust_remote_code, gguf_file=gguf_file)
    config = read_model_config(where, common)
    if not trust_remote_code and type(config) not in AutoModelForCausalLM._model_mapping:
        raise InputError(f"model type {config.model_type!r} has no causal-LM class in transformers", path=where,
                         expected="a checkpoint loadable with AutoModelForCausalLM (or --trust-remote-code)")
    refuse_head_checkpoint(config, where)
    kwargs: dict[str, Any] = dict(common, dtype=torch_dtype, output_loading_info=True)
    if not gguf_file:
        kwargs["use_safetensors"] = True
    try:
        model, info = AutoModelForCausalLM.from_pretrained(where, **kwargs)
    except (OSError, ValueError) as exc:
        raise weights_error(exc, where, "cannot load as a causal LM") from exc
    missing = sorted(k for k in info.get("missing_keys", []) if k.split(".")[0] in {"lm_head", "embed_out"})
    if missing:
        raise InputError(f"the checkpoint has no LM head: {', '.join(missing[:3])} would be randomly initialised, "
                         "and every log-likelihood read from it would be meaningless", path=where,
                         expected="a base or instruct language model with its LM head weights")
    model.to(device)
    model.eval()
    return model


def weights_error(exc: Exception, where: str, what: str) -> InputError:
    """The one message for weights that ``from_pretrained`` could not load: missing safetensors (rmbase never loads
    pickled .bin weights) is named as such; anything else is ``what: <the loader's message>``."""
    msg = str(exc)
    if "safetensors" in msg.lower():
        return InputError("no safetensors weights found (rmbase does not load pickled .bin weights)", path=where,
                          expected="model.safetensors")
    return InputError(f"{what}: {msg}", path=where)


def _fit_embeddings(model: Any, vocab_size: int) -> None:
    """Grow the input embeddings to ``vocab_size``; new rows = mean of the old rows (deterministic)."""
    import torch

    emb = model.get_input_embeddings()
    old = emb.weight.shape[0]
    if vocab_size <= old:
        return
    model.resize_token_embeddings(vocab_size, mean_resizing=False)
    with torch.no_grad():
        weight = model.get_input_embeddings().weight
        weight[old:] = weight[:old].mean(dim=0, keepdim=True)


def reinit_untrained_embeddings(model: Any, token_ids: Iterable[int], *, rel_tol: float = 1e-3) -> list[int]:
    """Set the input-embedding rows of ``token_ids`` that are (near) zero to the mean of the trained rows; return the
    ids changed.

    A base can carry all-zero rows for tokens it never trained: chat-template tokens of a pretrained-only base, or
    the padding row that initialisation zeroes. Fine-tuning on text that contains them can make the gradients NaN
    (seen here: a sequence starting with such a token gave NaN in every weight's gradient on the first step, and
    AdamW then wrote NaN into every weight). The mean of the trained rows is what rmbase gives the tokens it adds
    itself (see ``_fit_embeddings``). "Near zero": row norm <= ``rel_tol`` x the median row norm."""
    import torch

    weight = model.get_input_embeddings().weight
    with torch.no_grad():
        norms = weight.detach().float().norm(dim=1)
        tol = rel_tol * float(norms.median())
        ids = sorted({int(i) for i in token_ids if 0 <= int(i) < weight.shape[0]})
        bad = [i for i in ids if float(norms[i]) <= tol]
        if bad:
            weight[bad] = weight[norms > tol].float().mean(dim=0).to(weight.dtype)
    return bad


def params_b(source: str | os.PathLike, *, trust_remote_code: bool = False) -> float | None:
    """A checkpoint's parameter count in billions, reading no weights: a local folder's safetensors headers (every
    tensor saved, heads included), else its config built on the meta device (a Hub id, a folder without
    safetensors). None when neither can be read. The one size rule of ``sweep`` (cost) and the RM results."""
    import json
    import struct

    folder = Path(source).expanduser()
    files = sorted(folder.glob("*.safetensors")) if folder.is_dir() else []
    if files:
        total = 0
        for f in files:
            try:
                with open(f, "rb") as fh:
                    header = json.loads(fh.read(struct.unpack("<Q", fh.read(8))[0]))
            except (OSError, struct.error, json.JSONDecodeError):
                return None
            for key, meta in header.items():
                if key != "__metadata__":
                    total += math.prod(meta["shape"])
        return total / 1e9 if total else None
    try:
        import torch
        from transformers import AutoConfig, AutoModel
    except ImportError:
        return None
    try:
        cfg = AutoConfig.from_pretrained(str(source), trust_remote_code=trust_remote_code)
        with torch.device("meta"):
            model = AutoModel.from_config(cfg, trust_remote_code=trust_remote_code)
    except (OSError, ValueError, ImportError, KeyError, TypeError):  # code or class not available: size unknown
        return None
    return sum(p.numel() for p in model.parameters()) / 1e9
