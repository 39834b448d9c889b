"""Issue 20, item 8: lr_search.csv counts every training token of a run that was interrupted and resumed, not only
those after the resume."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.training_data import synthetic_pairs, write_jsonl
from rmbase.training import TrainConfig, train


def _cfg(tiny_model_dir, tmp_path, out):
    return TrainConfig(base=str(tiny_model_dir), train=str(tmp_path / "train.jsonl"), val=str(tmp_path / "val.jsonl"),
                       out=str(tmp_path / out), learning_rates=[3e-3], batch_size=16, per_device_batch_size=16,
                       eval_steps=4, warmup_steps=2, epochs=1, max_length=64, seed=0, device="cpu", max_steps=8)


def test_tokens_after_a_resume_count_the_whole_run(tiny_model_dir, tmp_path, monkeypatch):
    import transformers

    write_jsonl(tmp_path / "train.jsonl", synthetic_pairs(128, 1))
    write_jsonl(tmp_path / "val.jsonl", synthetic_pairs(16, 2))
    train(_cfg(tiny_model_dir, tmp_path, "whole"))
    whole = pd.read_csv(tmp_path / "whole" / "lr_search.csv")["train_tokens"].iloc[0]

    real = transformers.Trainer._save_checkpoint

    def stop_after_first_checkpoint(self, *args, **kwargs):
        real(self, *args, **kwargs)
        if self.state.global_step == 4:
            raise KeyboardInterrupt  # the run stops once checkpoint-4 is complete

    monkeypatch.setattr(transformers.Trainer, "_save_checkpoint", stop_after_first_checkpoint)
    with pytest.raises(KeyboardInterrupt):
        train(_cfg(tiny_model_dir, tmp_path, "resumed"))
    monkeypatch.setattr(transformers.Trainer, "_save_checkpoint", real)
    lines: list[str] = []
    train(_cfg(tiny_model_dir, tmp_path, "resumed"), progress=lines.append)
    assert not any("resuming from the start" in x for x in lines), lines
    resumed = pd.read_csv(tmp_path / "resumed" / "lr_search.csv")["train_tokens"].iloc[0]
    assert whole > 0 and resumed == whole
