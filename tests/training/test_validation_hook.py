"""The training room's ``on_validation`` hook: one call per saved checkpoint, with the accuracy of its curve point."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.training_data import synthetic_pairs, write_jsonl
from rmbase.training import train
from rmbase.training.config import TrainConfig

pytest.importorskip("trl")


def test_on_validation_reports_every_checkpoint_after_it_is_saved(tiny_model_dir, tmp_path):
    write_jsonl(tmp_path / "train.jsonl", synthetic_pairs(96, 1))
    write_jsonl(tmp_path / "val.jsonl", synthetic_pairs(30, 2))
    cfg = TrainConfig(base=str(tiny_model_dir), train=str(tmp_path / "train.jsonl"), val=str(tmp_path / "val.jsonl"),
                      out=str(tmp_path / "out"), learning_rates=[3e-3], batch_size=16, per_device_batch_size=16,
                      eval_steps=2, warmup_steps=1, epochs=1, max_length=64, seed=0, device="cpu", max_steps=5)
    seen = []

    def hook(point):
        seen.append(dict(point, on_disk=Path(point["checkpoint"]).is_dir()))

    train(cfg, on_validation=hook)
    assert [p["step"] for p in seen] == [2, 4, 5]          # every eval_steps, and the last step
    assert all(p["on_disk"] for p in seen)                  # called once the checkpoint exists
    assert {p["learning_rate"] for p in seen} == {3e-3} and {p["max_steps"] for p in seen} == {5}
    curve = pd.read_csv(tmp_path / "out" / "validation_curve.csv").set_index("step")["pairwise_accuracy"]
    assert [p["val_accuracy"] for p in seen] == [pytest.approx(curve[s]) for s in (2, 4, 5)]
