"""What a training process holds in memory, and the two settings that keep it near that.

A fine-tuning run in float32 with AdamW holds, per parameter, 4 bytes of weight, 4 of gradient and 8 of optimiser
state (16 bytes: 2.2 GB for SmolLM2-135M). Everything else is activations and the allocator:

* **Activations.** Without activation checkpointing the backward pass keeps every layer's intermediate tensors:
  for SmolLM2-135M at 16 sequences (8 pairs) x 128 tokens, 2.8 GiB, more than the weights, gradients and AdamW
  state together. With checkpointing (:func:`checkpointing_arguments`) it keeps each layer's input (0.15 GiB there)
  and recomputes one layer at a time in the backward pass: the same gradients (bit for bit on CPU: dropout is off
  in every recipe), for one more forward pass of compute. (TRL's ``RewardConfig`` checkpoints by default too.)
* **The allocator.** glibc's malloc raises its mmap threshold to the size of every large block freed (up to 32 MiB),
  after which blocks of that size come from the heap and stay in the process when freed; a training step frees and
  reallocates its activations every step, and about 1 GiB more stayed resident at SmolLM2-135M's peak. A fixed
  threshold (:func:`limit_allocator_retention`) hands large blocks back to the system when they are freed.
"""

from __future__ import annotations

import os

#: blocks at least this large are mapped on their own and unmapped when freed (glibc's default before it adapts)
MMAP_THRESHOLD = 256 * 1024
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3   # mallopt parameter numbers (glibc malloc.h)


def limit_allocator_retention(threshold: int = MMAP_THRESHOLD) -> bool:
    """Fix glibc's mmap and trim thresholds at ``threshold`` bytes for this process (it then returns freed
    activation memory to the system at once); True when set. Nothing happens off glibc, or when the user set
    ``MALLOC_MMAP_THRESHOLD_`` / ``MALLOC_TRIM_THRESHOLD_`` themselves. Results do not change: only where freed
    memory goes."""
    if any(os.environ.get(k) for k in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")):
        return False
    import ctypes
    import platform

    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library the interpreter runs on
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, threshold)) and bool(mallopt(_M_TRIM_THRESHOLD, threshold))


def checkpointing_arguments(enabled: bool) -> dict:
    """Training-argument keys that switch activation checkpointing on or off, non-reentrant (it needs no input
    that requires grad, so LoRA on frozen embeddings is checkpointed too), under the name the installed
    transformers uses (``activation_checkpointing`` since 5.x; ``gradient_checkpointing`` before)."""
    from transformers import TrainingArguments

    fields = TrainingArguments.__dataclass_fields__
    name = "activation_checkpointing" if "activation_checkpointing" in fields else "gradient_checkpointing"
    if not enabled:
        return {name: False}
    return {name: True, f"{name}_kwargs": {"use_reentrant": False}}


def peak_rss_bytes() -> int:
    """The peak resident memory of this process so far (``ru_maxrss``), in bytes; 0 where it is not available."""
    try:
        import resource
    except ImportError:  # Windows
        return 0
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)
