"""The shared forward-pass machinery: token-budgeted batches, padding, per-sequence log-likelihoods that do not
depend on the batch, and the reward scorer on top of it."""

from __future__ import annotations

import random

import numpy as np
import pytest

from rmbase.errors import InputError
from rmbase.forward import last_token_index, length_sorted_batches, pad_right, token_budget_batches


def test_token_budget_batches_hold_the_budget_longest_first():
    rng = random.Random(0)
    for _ in range(200):
        lengths = [rng.randint(1, 50) for _ in range(rng.randint(1, 40))]
        budget = rng.randint(1, 200)
        cap = rng.choice([None, 1, 3, 8])
        batches = token_budget_batches(lengths, budget, max_batch_size=cap)
        flat = [i for b in batches for i in b]
        assert sorted(flat) == list(range(len(lengths)))  # every sequence exactly once
        assert [lengths[i] for i in flat] == sorted(lengths, reverse=True)  # longest first
        for b in batches:
            width = max(lengths[i] for i in b)
            assert len(b) == 1 or len(b) * width <= budget
            assert cap is None or len(b) <= cap
        assert batches == token_budget_batches(lengths, budget, max_batch_size=cap)  # deterministic


def test_token_budget_batches_example_and_ties():
    # lengths 5,5,3,2,1 with 10 padded tokens: [5,5] | [3,2,1] (3 rows x 3 = 9); equal lengths in input order
    assert token_budget_batches([2, 5, 1, 5, 3], 10) == [[1, 3], [4, 0, 2]]
    assert token_budget_batches([30, 2], 10) == [[0], [1]]  # longer than the budget: a batch of its own
    assert length_sorted_batches([3, 9, 1, 9, 5], 2) == [[1, 3], [4, 0], [2]]
    with pytest.raises(InputError):
        token_budget_batches([1], 0)


def test_pad_right_and_last_token():
    ids, mask = pad_right([[5, 6, 7], [8]], pad_id=0)
    assert ids.tolist() == [[5, 6, 7], [8, 0, 0]]
    assert mask.tolist() == [[1, 1, 1], [1, 0, 0]]
    assert last_token_index(mask).tolist() == [2, 0]


@pytest.fixture(scope="module")
def lm(tmp_path_factory):
    pytest.importorskip("transformers")
    from helpers.tiny_reward_models import tiny_reward_model_dir
    from rmbase import hf_models as H
    from rmbase import hf_text as T

    path = tiny_reward_model_dir(tmp_path_factory.mktemp("fw") / "lm", head=False)
    return H.load_causal_lm(path, device="cpu"), T.load_lm_tokenizer(path)


def _seqs(tok):
    texts = ["The quick brown fox jumps over the lazy dog.", "hi", "Two plus two is four. " * 6,
             "Write a poem about the sea.", "What is two plus two?"]
    from rmbase.hf_text import encode_texts_flagged

    return encode_texts_flagged(tok, texts, max_length=128, truncation="right")[0]


def test_token_logprobs_match_the_model_and_do_not_depend_on_the_batch(lm):
    import torch

    from rmbase.forward import forward_batches, token_logprobs

    model, tok = lm
    seqs = _seqs(tok)
    one = forward_batches(seqs, token_logprobs(model), pad_id=0, batch_size=1)
    for s, lp in zip(seqs, one, strict=True):
        assert lp.shape == (len(s) - 1,)  # every token after the first, and only those
        with torch.no_grad():
            ref = torch.log_softmax(model(input_ids=torch.tensor([s])).logits[0].float(), -1)
        expected = ref[torch.arange(len(s) - 1), torch.tensor(s[1:])].double().numpy()
        assert np.max(np.abs(lp - expected)) <= 1e-5
    for fn in (token_logprobs(model), token_logprobs(model, direct=False), token_logprobs(model, head_chunk=3)):
        for kwargs in ({"batch_size": 4}, {"batch_tokens": 40}, {"batch_tokens": 10_000}):
            many = forward_batches(seqs, fn, pad_id=0, **kwargs)
            assert max(np.max(np.abs(a - b)) for a, b in zip(one, many, strict=True)) <= 1e-5
    assert np.std([x.mean() for x in one]) > 1e-3  # the values are not trivially equal


def test_reward_scorer_with_a_token_budget_scores_the_same(tmp_path):
    pytest.importorskip("transformers")
    from helpers.tiny_reward_models import tiny_reward_model_dir
    from rmbase import hf_models as H
    from rmbase import hf_text as T
    from rmbase.rm_eval.scorer import RewardScorer, ScorerConfig

    path = tiny_reward_model_dir(tmp_path / "rm")
    tok = T.load_tokenizer(path)
    model = H.load_sequence_classifier(path, tokenizer=tok, allow_new_head=False, device="cpu")
    prompts, responses = ["Say hi.", "Why?", "What is two plus two?"] * 2, ["hi", "Because.", "Four. " * 9] * 2
    fixed = RewardScorer(model, tok, ScorerConfig(batch_size=2)).score(prompts, responses)
    budget = RewardScorer(model, tok, ScorerConfig(batch_size=8, batch_tokens=64)).score(prompts, responses)
    assert np.max(np.abs(fixed - budget)) <= 1e-5
    assert np.std(fixed[:3]) > 1e-3
    with pytest.raises(InputError):
        ScorerConfig(batch_tokens=0)


def test_models_that_transform_logits_after_the_head_run_whole(lm):
    from rmbase.forward import direct_head, token_logprobs

    model, _ = lm
    assert direct_head(model) is not None
    model.config.final_logit_softcapping = 30.0
    try:
        assert direct_head(model) is None
        with pytest.raises(ValueError, match="direct=False"):
            token_logprobs(model, direct=True)
    finally:
        model.config.final_logit_softcapping = None
    assert direct_head(model) is not None
