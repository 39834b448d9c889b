"""Pieces of the training room: training arguments, seeded heads, head folding, margins, encoding counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rmbase.errors import InputError
from rmbase.training import TrainConfig

torch = pytest.importorskip("torch")


def _cfg(tmp_path, **kw):
    base = dict(base="unused", train="t.jsonl", val="v.jsonl", out=str(tmp_path / "out"), device="cpu")
    base.update(kw)
    return TrainConfig(**base)


def test_training_arguments_follow_the_study_and_cpu_rules(tmp_path):
    from rmbase.training.trainer import training_arguments

    args = training_arguments(_cfg(tmp_path), 2e-6, tmp_path)
    assert type(args).__name__ == "RewardConfig"
    assert args.per_device_train_batch_size * args.gradient_accumulation_steps == 64
    assert args.lr_scheduler_type.value == "constant_with_warmup" and args.warmup_steps == 20
    assert args.eval_steps == 20 and args.save_steps == 20 and args.load_best_model_at_end
    assert args.num_train_epochs == 1 and args.optim.value.startswith("adamw")
    assert not args.bf16                                     # very slow on CPU
    assert args.gradient_checkpointing and args.gradient_checkpointing_kwargs == {"use_reentrant": False}
    off = training_arguments(_cfg(tmp_path, activation_checkpointing=False), 2e-6, tmp_path)
    assert not off.gradient_checkpointing
    reg = training_arguments(_cfg(tmp_path, recipe="regression", schedule="cosine"), 1e-5, tmp_path)
    assert reg.num_train_epochs == 2 and reg.lr_scheduler_type.value == "cosine"


def test_bad_options_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="batch_size"):
        _cfg(tmp_path, batch_size=64, per_device_batch_size=7)
    with pytest.raises(InputError, match="learning_rates"):
        _cfg(tmp_path, learning_rates=[1e-5, 1e-5])
    with pytest.raises(InputError, match="recipe"):
        _cfg(tmp_path, recipe="dpo")


def test_seed_fixes_the_new_head(tiny_model_dir, tmp_path):
    from rmbase.hf_text import load_tokenizer
    from rmbase.training.trainer import build_model

    tok = load_tokenizer(tiny_model_dir)
    a = build_model(_cfg(tmp_path, base=str(tiny_model_dir), seed=1), tok, 1)
    b = build_model(_cfg(tmp_path, base=str(tiny_model_dir), seed=1), tok, 1)
    c = build_model(_cfg(tmp_path, base=str(tiny_model_dir), seed=2), tok, 1)
    assert torch.equal(a.score.weight, b.score.weight)
    assert not torch.equal(a.score.weight, c.score.weight)
    assert a.config.pad_token_id == tok.pad_token_id != tok.eos_token_id


def test_fold_merge_weights_with_bias():
    from rmbase.training.merged_model import fold_merge_weights

    class Tiny(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.score = torch.nn.Linear(6, 3, bias=True)
            self.config = type("C", (), {"num_labels": 3})()

    model = Tiny()
    h = torch.randn(4, 6)
    w = [0.5, 0.25, -1.0]
    expected = model.score(h) @ torch.tensor(w)
    fold_merge_weights(model, w)
    assert model.score.out_features == 1 and model.config.num_labels == 1
    torch.testing.assert_close(model.score(h)[:, 0], expected, rtol=1e-5, atol=1e-6)
    with pytest.raises(InputError, match="3 outputs"):
        fold_merge_weights(Tiny(), [1.0, 2.0])


def test_margins_reach_the_trainer_items(tiny_model_dir):
    from rmbase.hf_text import load_tokenizer
    from rmbase.training.encoding import encode_pairs

    tok = load_tokenizer(tiny_model_dir)
    pairs = pd.DataFrame({"prompt": [[{"role": "user", "content": "apple river"}]] * 2,
                          "chosen": ["great helpful answer", "plain short note"],
                          "rejected": ["awful useless reply", "awful useless reply"], "margin": [2.0, np.nan]})
    items, _ = encode_pairs(tok, pairs.iloc[:1], max_length=64, use_margin=True)
    assert items[0]["margin"] == 2.0 and items[0]["chosen_ids"] != items[0]["rejected_ids"]
    with pytest.raises(InputError, match="margin"):
        encode_pairs(tok, pairs, max_length=64, use_margin=True)


def test_allocator_setting_respects_the_users_own(monkeypatch):
    import platform

    from rmbase.training.memory import limit_allocator_retention, peak_rss_bytes

    assert peak_rss_bytes() > 10 * 2**20
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "1048576")
    assert limit_allocator_retention() is False            # the user's setting wins
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_")
    glibc = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"
    assert limit_allocator_retention() is glibc
