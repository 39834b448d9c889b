"""Untrained (all-zero) embedding rows of a base and the stop on a non-finite loss or gradient."""

from __future__ import annotations

import math
import shutil

import pytest

from helpers.training_data import synthetic_pairs, write_jsonl
from rmbase.errors import TrainingDiverged
from rmbase.training import TrainConfig, train

torch = pytest.importorskip("torch")
pytest.importorskip("trl")


def test_reinit_sets_only_zero_rows_of_the_given_tokens_to_the_mean():
    from transformers import LlamaConfig, LlamaForSequenceClassification

    from rmbase.hf_models import reinit_untrained_embeddings

    torch.manual_seed(0)
    model = LlamaForSequenceClassification(LlamaConfig(vocab_size=50, hidden_size=8, intermediate_size=16,
                                                       num_hidden_layers=1, num_attention_heads=2,
                                                       num_key_value_heads=1, pad_token_id=None))
    weight = model.get_input_embeddings().weight
    with torch.no_grad():
        weight[[3, 7]] = 0.0
    before = weight.detach().clone()
    assert reinit_untrained_embeddings(model, [3, 5, 99]) == [3]          # 7 is zero but unused; 99 is no token
    trained = before.norm(dim=1) > 0
    torch.testing.assert_close(weight[3], before[trained].mean(dim=0))
    torch.testing.assert_close(weight[torch.arange(50) != 3], before[torch.arange(50) != 3])
    assert reinit_untrained_embeddings(model, [3, 5]) == []                # nothing left to fix


def test_a_zero_row_for_a_template_token_is_reset_warned_and_recorded(tiny_model_dir, tmp_path):
    """The tiny base's '<|im_start|>' row zeroed (as in bases that never trained their chat tokens): every
    sequence begins with it. rmbase resets the row, warns, records it, and the run stays finite. (At this size the
    zero row does not make the gradient NaN; a random-weight SmolLM2-135M did, on its first step — see
    benchmarks/gpu_train_check.py.)"""
    from safetensors.torch import load_file, save_file

    base = tmp_path / "base"
    shutil.copytree(tiny_model_dir, base)
    from transformers import AutoTokenizer

    tid = AutoTokenizer.from_pretrained(base).convert_tokens_to_ids("<|im_start|>")
    weights = load_file(base / "model.safetensors")
    key = next(k for k in weights if k.endswith("embed_tokens.weight"))
    weights[key][tid] = 0.0
    save_file(weights, base / "model.safetensors", metadata={"format": "pt"})
    write_jsonl(tmp_path / "train.jsonl", synthetic_pairs(32, 1))
    write_jsonl(tmp_path / "val.jsonl", synthetic_pairs(16, 2))
    config = TrainConfig(base=str(base), train=str(tmp_path / "train.jsonl"), val=str(tmp_path / "val.jsonl"),
                         out=str(tmp_path / "out"), learning_rates=[1e-3], batch_size=16, per_device_batch_size=16,
                         eval_steps=2, warmup_steps=1, epochs=1, max_length=64, seed=0, device="cpu")
    with pytest.warns(UserWarning, match=r"untrained \(all-zero\) embeddings for 1 token.*im_start"):
        result = train(config)
    assert result.best.reinitialised_token_ids == [tid]
    log = result.best.log_history
    assert all(math.isfinite(r["grad_norm"]) for r in log if "grad_norm" in r)
    from rmbase.hf_models import load_sequence_classifier

    saved = load_sequence_classifier(tmp_path / "out", dtype="float32", device="cpu")
    assert float(saved.get_input_embeddings().weight[tid].norm()) > 0      # the saved RM carries the reset row


def test_non_finite_training_stops_with_one_message(tiny_model_dir, tmp_path):
    from transformers import TrainerControl, TrainerState

    from rmbase.training.callbacks import stop_on_non_finite

    cb = stop_on_non_finite(3e-5)
    state = TrainerState()
    state.global_step = 7
    assert cb.on_log(None, state, TrainerControl(), logs={"loss": 0.5, "grad_norm": 2.0}) is not None
    with pytest.raises(TrainingDiverged, match=r"diverged at step 7 \(learning rate 3e-05\): grad_norm is nan"):
        cb.on_log(None, state, TrainerControl(), logs={"loss": 0.5, "grad_norm": float("nan")})
    with pytest.raises(TrainingDiverged, match="loss is inf"):
        cb.on_log(None, state, TrainerControl(), logs={"loss": float("inf")})


def test_the_cli_shows_the_reset_note(tiny_model_dir, tmp_path, capsys):
    """`rmbase train` catches the run's warnings to print them once, as notes: the untrained-embedding one is among
    them (it used to be caught and dropped)."""
    from safetensors.torch import load_file, save_file
    from transformers import AutoTokenizer

    from rmbase.cli import main

    base = tmp_path / "base"
    shutil.copytree(tiny_model_dir, base)
    tid = AutoTokenizer.from_pretrained(base).convert_tokens_to_ids("<|im_start|>")
    weights = load_file(base / "model.safetensors")
    weights[next(k for k in weights if k.endswith("embed_tokens.weight"))][tid] = 0.0
    save_file(weights, base / "model.safetensors", metadata={"format": "pt"})
    train_file = write_jsonl(tmp_path / "train.jsonl", synthetic_pairs(16, 1))
    val_file = write_jsonl(tmp_path / "val.jsonl", synthetic_pairs(8, 2) + synthetic_pairs(1, 2))
    code = main(["train", "--model", str(base), "--data", str(train_file), "--val-data", str(val_file), "--out",
                 str(tmp_path / "out"), "--lr", "1e-3", "--global-batch-size", "8", "--per-device-batch-size", "8",
                 "--max-steps", "1", "--eval-steps", "1", "--warmup-steps", "1", "--max-length", "64",
                 "--device", "cpu"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "untrained (all-zero) embeddings for 1 token" in out and "im_start" in out
    assert out.count("dropped 1 row(s): duplicate pair") == 1   # a note that is also returned is shown once
