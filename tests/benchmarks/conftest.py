"""Fixtures of the benchmarks tests: offline Hugging Face libraries, helpers to write files (one torch thread comes
from tests/conftest.py)."""

from __future__ import annotations

import os

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
