"""The RM figures a study can target: RewardBench's score and its v1 sections (constants only; no pandas)."""

from __future__ import annotations

SECTIONS = ("chat", "chat_hard", "safety", "reasoning")
TARGETS = ("score", *SECTIONS)
