"""rmbase: which base LLM should you train your reward model from?

The library is the product; :mod:`rmbase.cli` is a thin shell over it. Heavy dependencies (torch, transformers,
trl, ray, lm-eval) are imported lazily inside the rooms that need them.
"""

__version__ = "0.1.0"

from rmbase.errors import InputError  # noqa: E402

__all__ = ["InputError", "__version__"]
