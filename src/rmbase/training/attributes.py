"""The multi-attribute recipe's attributes and the study's merge-weight signs (constants only: the train config and
the merge-weight search read them, and the config's module stays free of numpy)."""

from __future__ import annotations

HELPSTEER2_ATTRIBUTES = ("helpfulness", "correctness", "coherence", "complexity", "verbosity")
#: the study's signs: positive weights for the first four attributes, negative for verbosity
STUDY_SIGNS = (1, 1, 1, 1, -1)
