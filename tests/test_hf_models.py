"""rmbase.hf_models: templates, pad != eos, exactly one BOS, truncation counts, loading checks (tiny models)."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
from helpers.tiny_reward_models import tiny_reward_model_dir, tiny_tokenizer
from rmbase import hf_models as H
from rmbase import hf_text as T
from rmbase.errors import InputError


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    return tiny_reward_model_dir(tmp_path_factory.mktemp("tiny") / "rm")


@pytest.fixture(scope="module")
def tiny_no_template_dir(tmp_path_factory):
    return tiny_reward_model_dir(tmp_path_factory.mktemp("tiny") / "rm_nt", template=None)


def test_named_templates_are_shipped():
    assert {"chatml", "llama3", "zephyr"} <= set(T.named_templates())


def test_pad_is_added_when_equal_to_eos(tiny_dir):
    tok = T.load_tokenizer(tiny_dir)
    assert tok.pad_token == T.PAD_TOKEN
    assert tok.pad_token_id != tok.eos_token_id
    assert tok.padding_side == "right"


def test_missing_template_is_an_error_unless_named(tiny_no_template_dir):
    with pytest.raises(InputError, match="no chat template"):
        T.load_tokenizer(tiny_no_template_dir)
    tok = T.load_tokenizer(tiny_no_template_dir, chat_template="zephyr")
    text = T.render_conversation(tok, "hello", "world")
    assert text.startswith("<|user|>\nhello</s>") and "<|assistant|>\nworld</s>" in text


def test_template_from_path_and_raw_string(tmp_path, tiny_no_template_dir):
    raw = "{% for m in messages %}[{{ m['role'] }}]{{ m['content'] }}{% endfor %}"
    f = tmp_path / "t.jinja"
    f.write_text(raw)
    a = T.load_tokenizer(tiny_no_template_dir, chat_template=str(f))
    b = T.load_tokenizer(tiny_no_template_dir, chat_template=raw)
    assert T.render_conversation(a, "q", "r") == "[user]q[assistant]r" == T.render_conversation(b, "q", "r")
    assert T.template_sha256(a) == T.template_sha256(b)
    c = T.load_tokenizer(tiny_no_template_dir, chat_template="chatml")
    assert T.template_sha256(c) != T.template_sha256(a)
    with pytest.raises(InputError, match="unknown chat template"):
        T.load_tokenizer(tiny_no_template_dir, chat_template="no-such-template")


def test_render_accepts_message_lists_and_rejects_bad_prompts(tiny_dir):
    tok = T.load_tokenizer(tiny_dir)
    msgs = [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}]
    text = T.render_conversation(tok, msgs, "A")
    assert text == "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\nA<|im_end|>\n"
    with pytest.raises(InputError):
        T.render_conversation(tok, [{"role": "user"}], "A")
    with pytest.raises(InputError):
        T.render_conversation(tok, "q", 3)


@pytest.mark.parametrize("template", ["chatml", "llama3"])  # llama3 writes {{ bos_token }} itself
def test_exactly_one_bos(tiny_dir, template):
    tok = T.load_tokenizer(tiny_dir, chat_template=template)
    assert T.tokenizer_adds_bos(tok)
    text = T.render_conversation(tok, "hi", "there")
    ids, n = T.encode_texts(tok, [text], max_length=512)
    assert n == 0
    assert ids[0][0] == tok.bos_token_id and ids[0].count(tok.bos_token_id) == 1
    # the naive path (tokenizer adds BOS to a text that has it) would double it for llama3
    naive = tok(text)["input_ids"]
    assert naive.count(tok.bos_token_id) == (2 if template == "llama3" else 1)


def test_double_bos_in_text_is_an_error(tiny_dir):
    tok = T.load_tokenizer(tiny_dir)
    with pytest.raises(InputError, match="two BOS"):
        T.encode_texts(tok, ["<s><s>hello"], max_length=64)


def test_no_bos_when_tokenizer_does_not_add_one():
    tok = tiny_tokenizer(adds_bos=False)
    assert not T.tokenizer_adds_bos(tok)
    ids, _ = T.encode_texts(tok, ["hello world"], max_length=64)
    assert tok.bos_token_id not in ids[0]


def test_truncation_policies_and_counts(tiny_dir):
    tok = T.load_tokenizer(tiny_dir)
    texts = ["short", "The quick brown fox jumps over the lazy dog. " * 4, "two plus two is four"]
    full, n0 = T.encode_texts(tok, texts, max_length=10_000)
    assert n0 == 0
    long_len = len(full[1])
    ids, n = T.encode_texts(tok, texts, max_length=12, truncation="left")
    expected_n = sum(len(f) > 12 for f in full)
    assert n == expected_n >= 1
    assert all(len(x) <= 12 for x in ids)
    assert ids[1][0] == tok.bos_token_id and ids[1][1:] == full[1][long_len - 11:]  # BOS kept, end kept
    ids_r, n_r = T.encode_texts(tok, texts, max_length=12, truncation="right")
    assert n_r == expected_n and ids_r[1] == full[1][:12]
    with pytest.raises(InputError, match="more than max_length"):
        T.encode_texts(tok, texts, max_length=12, truncation="error")
    with pytest.raises(InputError, match="truncation policy"):
        T.encode_texts(tok, texts, max_length=12, truncation="middle")


def test_load_sequence_classifier_grows_embeddings_and_sets_pad(tiny_dir):
    import torch

    tok = T.load_tokenizer(tiny_dir)
    model = H.load_sequence_classifier(tiny_dir, tokenizer=tok, allow_new_head=False, device="cpu")
    emb = model.get_input_embeddings().weight
    assert emb.shape[0] == len(tok) == 401
    assert model.config.pad_token_id == tok.pad_token_id != tok.eos_token_id
    assert torch.allclose(emb[-1], emb[:-1].mean(0))  # deterministic new row
    assert next(model.parameters()).dtype == torch.float32 and not model.training


def test_causal_lm_without_head_is_rejected_for_evaluation(tmp_path):
    d = tiny_reward_model_dir(tmp_path / "lm", head=False)
    with pytest.raises(InputError, match="no trained score head"):
        H.load_sequence_classifier(d, allow_new_head=False)
    default = H.load_sequence_classifier(tiny_reward_model_dir(tmp_path / "lm2", head=False, num_labels=2),
                                         device="cpu")
    assert default.config.num_labels == 1  # a causal LM gets a one-label reward head, not transformers' 2
    model = H.load_sequence_classifier(d, allow_new_head=True, num_labels=1, head_seed=3)
    again = H.load_sequence_classifier(d, allow_new_head=True, num_labels=1, head_seed=3)
    assert (model.score.weight == again.score.weight).all()


def test_remote_code_and_bad_checkpoints_are_input_errors(tmp_path, tiny_dir):
    remote = tmp_path / "remote"
    remote.mkdir()
    cfg = json.loads((tiny_dir / "config.json").read_text())
    cfg.update(model_type="my_custom_rm", auto_map={"AutoConfig": "modeling_x.XConfig",
                                                     "AutoModelForSequenceClassification": "modeling_x.XRM"})
    (remote / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(InputError, match="remote code"):
        H.load_sequence_classifier(remote)
    with pytest.raises(InputError):
        H.load_sequence_classifier(tmp_path / "does-not-exist")
    binonly = tmp_path / "binonly"
    binonly.mkdir()
    (binonly / "config.json").write_text((tiny_dir / "config.json").read_text())
    with pytest.raises(InputError):
        H.load_sequence_classifier(binonly)
    notcls = tmp_path / "notcls"
    notcls.mkdir()
    (notcls / "config.json").write_text(json.dumps({"model_type": "clip"}))
    with pytest.raises(InputError):
        H.load_sequence_classifier(notcls)


def test_dtype_names():
    import torch

    assert H.resolve_dtype(None, "cpu") == torch.float32
    assert H.resolve_dtype(None, "cuda") == torch.bfloat16
    assert H.resolve_dtype("bf16", "cpu") == torch.bfloat16
    with pytest.raises(InputError):
        H.resolve_dtype("int3", "cpu")


@pytest.mark.parametrize("source", ["/nonexistent/model", "./missing-model", "a/b/c"])
def test_a_missing_local_model_folder_is_named(source):
    with pytest.raises(InputError, match="no such model folder"):
        H.check_model_source(source)
    with pytest.raises(InputError, match="no such model folder"):
        T.load_tokenizer(source)


def test_hub_ids_and_existing_folders_pass_the_source_check(tmp_path):
    assert H.check_model_source("Qwen/Qwen2.5-0.5B-Instruct") == "Qwen/Qwen2.5-0.5B-Instruct"
    assert H.check_model_source(tmp_path) == str(tmp_path)
