"""Probes: cheap measurements of a base on preference pairs, without training it, that aim to predict how good a
reward model trained from it will be (frozen-feature Bradley-Terry head, zero-shot likelihood, zero-shot judge).

:mod:`.fit` and :mod:`.table` import nothing heavy; :mod:`.forward` and :mod:`.runner` import torch/transformers
inside their functions. See docs/probes.md.
"""

from rmbase.probe.config import PROBES, ProbeConfig

__all__ = ["PROBES", "ProbeConfig"]
