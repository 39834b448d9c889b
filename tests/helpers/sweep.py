"""Helpers of the sweep tests (imported by the test modules): a sweep config over the tiny bases, written as YAML."""

from __future__ import annotations

import json
from pathlib import Path

import yaml


def sweep_config(tiny_bases, sweep_data, *, recipes=("bradley_terry", "regression"), lrs=(3e-3, 1e-3),
                 **overrides) -> dict:
    cfg = {
        "name": "tiny",
        "bases": [{"name": "alpha", "path": str(tiny_bases["alpha"])},
                  {"name": "beta", "path": str(tiny_bases["beta"])}],
        "recipes": list(recipes),
        "learning_rates": list(lrs),
        "seeds": [0],
        "data": {"bradley_terry": {"train": str(sweep_data["train"]), "val": str(sweep_data["val"])},
                 "regression": {"train": str(sweep_data["attributes"]), "val": str(sweep_data["val"])}},
        "training": {"batch_size": 16, "per_device_batch_size": 16, "eval_steps": 1, "warmup_steps": 1,
                     "epochs": 1, "max_length": 64, "max_steps": 3, "merge_steps": 4},
        "eval_sets": {"pairs": {"benchmark": "rewardbench", "data": str(sweep_data["eval"])}},
        "resources": {"cpus": 1},
        "retries": 1,
        "max_concurrent": 2,
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(cfg.get(key), dict):
            cfg[key] = {**cfg[key], **value}
        else:
            cfg[key] = value
    return cfg


def write_config(path: Path, cfg: dict) -> Path:
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path




def read_json(path: Path):
    return json.loads(Path(path).read_text())
