"""Class 1 of issue 11: a real tiny run killed with SIGKILL in the middle of a checkpoint save resumes from the
newest complete checkpoint (the half-saved one is removed), and finishes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from helpers.training_data import synthetic_pairs, write_jsonl
from rmbase.training import TrainConfig, train
from rmbase.training.checkpoints import is_complete

REPO = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent("""
    import os, signal, sys
    import transformers
    from rmbase.training import TrainConfig, train

    real = transformers.Trainer._save_rng_state

    def killed_mid_save(self, output_dir):  # weights and optimizer are on disk, trainer_state.json is not
        if self.state.global_step == 8:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(self, output_dir)

    transformers.Trainer._save_rng_state = killed_mid_save
    train(TrainConfig.from_yaml(sys.argv[1]))
""")


def test_kill_9_during_a_save_then_resume(tiny_model_dir, tmp_path):
    write_jsonl(tmp_path / "train.jsonl", synthetic_pairs(192, 1))
    write_jsonl(tmp_path / "val.jsonl", synthetic_pairs(60, 2))
    cfg = TrainConfig(base=str(tiny_model_dir), train=str(tmp_path / "train.jsonl"), val=str(tmp_path / "val.jsonl"),
                      out=str(tmp_path / "out"), learning_rates=[3e-3], batch_size=16, per_device_batch_size=16,
                      eval_steps=4, warmup_steps=2, epochs=1, max_length=64, seed=0, device="cpu", max_steps=12)
    (tmp_path / "cfg.yaml").write_text(cfg.to_yaml())
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "OMP_NUM_THREADS": "1"}
    child = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path / "cfg.yaml")], env=env, capture_output=True,
                           text=True, timeout=600)
    assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]
    ckpts = tmp_path / "out.work" / "lr_0.003" / "checkpoints"
    assert is_complete(ckpts / "checkpoint-4") and (ckpts / "checkpoint-8").is_dir()
    assert not is_complete(ckpts / "checkpoint-8")       # the save that was killed
    assert not (tmp_path / "out").exists()

    lines: list[str] = []
    result = train(cfg, progress=lines.append)            # the rerun: no "Can't find a valid checkpoint"
    assert any("removed 1 incomplete checkpoint(s)" in x and "checkpoint-8" in x and "checkpoint-4" in x
               for x in lines), lines
    assert [p["step"] for p in result.best.curve] == [0, 4, 8, 12]
    log = [json.loads(x) for x in (tmp_path / "out" / "training_log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log if "loss" in r] == list(range(1, 13))  # every step once
    assert (tmp_path / "out" / "model.safetensors").exists()


def test_completeness_rule(tmp_path):
    from rmbase.training.checkpoints import resume_checkpoint

    for step, files in ((4, {"model.safetensors": "w", "trainer_state.json": json.dumps({"global_step": 4})}),
                        (8, {"model.safetensors": "w", "trainer_state.json": '{"global_st'}),   # half-written state
                        (12, {"trainer_state.json": json.dumps({"global_step": 12})})):      # no weights
        d = tmp_path / f"checkpoint-{step}"
        d.mkdir()
        for name, text in files.items():
            (d / name).write_text(text)
    newest, removed = resume_checkpoint(tmp_path)
    assert newest == tmp_path / "checkpoint-4"
    assert sorted(p.name for p in removed) == ["checkpoint-12", "checkpoint-8"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint-4"]


def test_data_line_and_untrained_baseline_warning():
    from types import SimpleNamespace

    from rmbase.training.checks import data_summary, no_gain_over_untrained

    report = {"train": {"rows_read": 127, "items": 36, "dropped": {"empty response": 0},
                        "length": {"dropped_too_long": 0, "truncated": 91}},
              "validation": {"rows_read": 10, "items": 9, "dropped": {"duplicate pair": 1}, "length": {}}}
    assert data_summary(report) == ("data: train 36 kept of 127 rows (0 dropped, 91 truncated); validation 9 kept "
                                    "of 10 rows (1 dropped, 0 truncated)")
    flat = SimpleNamespace(learning_rate=1e-5, best_accuracy=0.5,
                           curve=[{"step": 0, "pairwise_accuracy": 0.55}, {"step": 4, "pairwise_accuracy": 0.5}])
    better = SimpleNamespace(learning_rate=2e-5, best_accuracy=0.8,
                             curve=[{"step": 0, "pairwise_accuracy": 0.55}, {"step": 4, "pairwise_accuracy": 0.8}])
    assert no_gain_over_untrained([flat, better]) == [
        "lr=1e-05: no checkpoint beats the untrained model on validation (0.5000 vs 0.5500 at step 0)"]
