"""Fixtures of the benchmarks tests: offline Hugging Face libraries, helpers to write files (one torch thread comes
from tests/conftest.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the helper modules bench_*.py

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
