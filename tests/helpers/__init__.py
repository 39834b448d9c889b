"""Helpers the tests share (importable as ``helpers.<module>``: pyproject's ``pythonpath = ["tests"]``): tiny
models built in-process, synthetic data, and small assertion helpers. Nothing here is a test."""
