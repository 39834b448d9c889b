"""Issue 20, item 1: a checkpoint with no LM head (a reward model, a sequence classifier) is refused by every
command that reads log-likelihoods from it (presence score, the probes), instead of being scored with a freshly
initialised head."""

from __future__ import annotations

import json

import pytest

from helpers.bad_input import assert_refused

pytest.importorskip("transformers")

TEXTS = ["The cat sat on the mat.", "def add(x, y):\n    return x + y\n", "Rain fell all night long.",
         "She wrote a long letter about the summer."]


@pytest.fixture(scope="module")
def classifier_and_lm(tmp_path_factory):
    from helpers.tiny_llama import save_tiny_llama, train_tokenizer

    root = tmp_path_factory.mktemp("heads")
    tok = train_tokenizer(TEXTS * 4, vocab_size=200, adds_bos=True)
    rm = save_tiny_llama(root / "rm", tok, head=True)
    lm = save_tiny_llama(root / "lm", tok)
    return rm, lm


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text("".join(json.dumps({"text": t, "category": "web"}) + "\n" for t in TEXTS))
    return path


def test_presence_refuses_a_reward_model(classifier_and_lm, corpus, tmp_path, capsys):
    rm, lm = classifier_and_lm
    out = tmp_path / "p"
    assert_refused(["presence", "score", "--model", rm, "--data", corpus, "--out", out, "--device", "cpu"], capsys,
                   str(rm), "LlamaForSequenceClassification", "no LM head", not_written=(out,))


def test_a_checkpoint_without_lm_head_weights_is_refused(classifier_and_lm, tmp_path):
    """No architectures in the config (a hand-made checkpoint): the missing lm_head weights are the sign."""
    from safetensors.torch import load_file, save_file

    from rmbase.errors import InputError
    from rmbase.hf_models import load_causal_lm

    _, lm = classifier_and_lm
    bare = tmp_path / "bare"
    bare.mkdir()
    for f in lm.iterdir():
        if f.name != "model.safetensors":
            (bare / f.name).write_bytes(f.read_bytes())
    weights = {k: v for k, v in load_file(lm / "model.safetensors").items() if not k.startswith("lm_head")}
    save_file(weights, bare / "model.safetensors", metadata={"format": "pt"})
    assert load_causal_lm(lm, device="cpu") is not None
    with pytest.raises(InputError, match="no LM head: lm_head.weight"):
        load_causal_lm(bare, device="cpu")


def test_probe_refuses_a_reward_model(classifier_and_lm, tmp_path, capsys):
    rm, _ = classifier_and_lm
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps({"prompt": f"q{i}", "chosen": t, "rejected": "no"}) + "\n"
                             for i, t in enumerate(TEXTS * 10)))
    out = tmp_path / "probe"
    assert_refused(["probe", "--model", rm, "--data", pairs, "--out", out, "--device", "cpu",
                    "--chat-template", "chatml"], capsys,
                   str(rm), "not a language model", not_written=(out,))


def test_presence_with_no_scorable_document_writes_nothing(classifier_and_lm, tmp_path, capsys):
    """Issue 20, item 13: the refusal comes before any state (config.yaml, fingerprint.json, shards/) is left."""
    _, lm = classifier_and_lm
    corpus = tmp_path / "short.jsonl"
    corpus.write_text("".join(json.dumps({"text": "", "category": "web"}) + "\n" for _ in range(3)))
    out = tmp_path / "p"
    assert_refused(["presence", "score", "--model", lm, "--data", corpus, "--out", out, "--device", "cpu"], capsys,
                   "no document could be scored", not_written=(out,))
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_refused(["presence", "score", "--model", lm, "--data", corpus, "--out", empty, "--device", "cpu"],
                   capsys, "no document could be scored")
    assert list(empty.iterdir()) == []


def _presence(lm, corpus, out, capsys, *extra):
    from rmbase.cli import main

    assert main(["presence", "score", "--model", str(lm), "--data", str(corpus), "--out", str(out),
                 "--device", "cpu", *map(str, extra)]) == 0
    capsys.readouterr()
    return out


def test_presence_compare_refuses_other_corpora_and_lost_shards(classifier_and_lm, corpus, tmp_path, capsys):
    """Issue 20, item 2: runs over different documents, or a folder that lost a shard, are not compared."""
    _, lm = classifier_and_lm
    other = tmp_path / "other.jsonl"
    other.write_text("".join(json.dumps({"text": t + " More words here.", "category": "web"}) + "\n" for t in TEXTS))
    a = _presence(lm, corpus, tmp_path / "a", capsys, "--name", "m/a")
    b = _presence(lm, other, tmp_path / "b", capsys, "--name", "m/b")
    c = _presence(lm, corpus, tmp_path / "c", capsys, "--name", "m/c", "--shard-size", "2")
    out = tmp_path / "jsd.json"
    assert_refused(["presence", "compare", a, b, "--out", out], capsys, str(b), "other documents than",
                   "files", not_written=(out,))
    from rmbase.cli import main

    assert main(["presence", "compare", str(a), str(c), "--out", str(out)]) == 0  # same corpus, other shard size
    capsys.readouterr()
    out.unlink()
    next((c / "shards").glob("shard-000001.parquet")).unlink()
    assert_refused(["presence", "compare", a, c, "--out", out], capsys, str(c / "shards"),
                   "summary.json counts 4 record(s) but the shards hold 2", not_written=(out,))


def test_evaluate_truncation_error_writes_no_state(classifier_and_lm, tmp_path, capsys):
    """Issue 20, item 13: `evaluate --truncation error` refuses a too-long example before .OUT.partial/ exists."""
    rm, _ = classifier_and_lm
    rows = [{"id": f"e{i}", "subset": "llmbar-natural", "prompt": "The cat sat.", "chosen": t, "rejected": "Rain."}
            for i, t in enumerate(TEXTS)]
    rows.append({"id": "long", "subset": "llmbar-natural", "prompt": "The cat sat. " * 60, "chosen": "Rain.",
                 "rejected": "Rain fell."})
    data = tmp_path / "eval.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "ev"
    assert_refused(["evaluate", "--model", rm, "--data", data, "--out", out, "--device", "cpu", "--chat-template",
                    "chatml", "--truncation", "error", "--max-length", "200", "--chunk-size", "2"], capsys,
                   "example id 'long'", "max_length=200", not_written=(out,), quiet=False)
    assert not (tmp_path / ".ev.partial").exists()


def test_evaluate_reports_progress_within_a_chunk(classifier_and_lm, tmp_path, capsys):
    """Issue 20, signs of life: progress moves after every forward batch, not once per chunk of 512 examples; off a
    terminal it is plain lines."""
    from rmbase.cli import main
    from rmbase.rm_eval.runner import EvaluateConfig, evaluate_model

    rm, _ = classifier_and_lm
    rows = [{"id": f"e{i}", "subset": "llmbar-natural", "prompt": "The cat sat.", "chosen": t, "rejected": "Rain."}
            for i, t in enumerate(TEXTS * 3)]
    data = tmp_path / "eval.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    seen: list[tuple[int, int]] = []
    evaluate_model(EvaluateConfig(model=str(rm), data=str(data), out=str(tmp_path / "lib"), device="cpu",
                                  chat_template="chatml", batch_size=4, allow_partial=True),
                   on_completions=lambda d, t: seen.append((d, t)))
    assert seen[0] == (0, 24) and seen[-1] == (24, 24) and len(seen) >= 6  # one chunk, six batches of four
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert main(["evaluate", "--model", str(rm), "--data", str(data), "--out", str(tmp_path / "cli"), "--device",
                 "cpu", "--chat-template", "chatml", "--batch-size", "4", "--allow-partial"]) == 0
    assert "scoring completions: 24/24" in capsys.readouterr().err


def test_a_device_this_machine_lacks_is_one_message(classifier_and_lm, corpus, tmp_path, capsys, monkeypatch):
    """Careless-user pass: `presence score --device cuda` / `probe --device cuda` on a machine without CUDA ended in
    torch's AssertionError traceback."""
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    _, lm = classifier_and_lm
    out = tmp_path / "p"
    assert_refused(["presence", "score", "--model", lm, "--data", corpus, "--out", out, "--device", "cuda"], capsys,
                   "device 'cuda': CUDA is not available", not_written=(out,))
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps({"prompt": f"q{i}", "chosen": t, "rejected": "no"}) + "\n"
                             for i, t in enumerate(TEXTS * 10)))
    out = tmp_path / "probe"
    assert_refused(["probe", "--model", lm, "--data", pairs, "--out", out, "--device", "cuda"], capsys,
                   "device 'cuda': CUDA is not available", not_written=(out,))


def test_a_folder_that_is_not_a_model_is_named_so(corpus, tmp_path, capsys):
    """Careless-user pass: `--model SOME_FOLDER` gave the tokenizer library's guess about sentencepiece."""
    folder = tmp_path / "not_a_model"
    folder.mkdir()
    (folder / "notes.txt").write_text("hello")
    assert_refused(["presence", "score", "--model", folder, "--data", corpus, "--out", tmp_path / "p", "--device",
                    "cpu"], capsys, str(folder), "not a model folder (no config.json or tokenizer files)")


@pytest.fixture(scope="module")
def lm_with_template(tmp_path_factory):
    from helpers.tiny_llama import save_tiny_llama, train_tokenizer
    from rmbase.hf_text import resolve_chat_template

    tok = train_tokenizer(TEXTS * 4 + ["user assistant A B <|im_start|> <|im_end|>"] * 4, vocab_size=200,
                          adds_bos=True, special_tokens=("<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"),
                          chat_template=resolve_chat_template("chatml"))
    return save_tiny_llama(tmp_path_factory.mktemp("tmpl") / "lm", tok)


def test_the_probe_passes_show_signs_of_life_within_a_chunk(lm_with_template, tmp_path, monkeypatch):
    """Issue 20, signs of life: `probe` was silent for minutes inside one chunk of its forward and judge passes; it
    now says where it is at least every few seconds (here every call: the interval is set to 0)."""
    from rmbase.probe import runner
    from rmbase.probe.config import ProbeConfig

    lm = lm_with_template
    monkeypatch.setattr(runner._Ticker, "__init__", _ticker_every_call(runner._Ticker.__init__))
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps({"prompt": f"q{i}", "chosen": t, "rejected": "no"}) + "\n"
                             for i, t in enumerate(TEXTS * 10)))
    lines: list[str] = []
    runner.run_probes(ProbeConfig(model=str(lm), pairs=str(pairs), out=str(tmp_path / "pr"), device="cpu",
                                  batch_size=8, bootstrap=20), progress=lines.append)
    forward = [x for x in lines if x.startswith("forward pass: ") and "sequences" in x]
    judge = [x for x in lines if x.startswith("judge pass: ") and "sequences" in x]
    assert len(forward) >= 5 and len(judge) >= 5  # 80 sequences in batches of 8, one chunk of 64 pairs and one of 16
    assert forward[-1].startswith("forward pass: 80/80 sequences")


def _ticker_every_call(init):
    def patched(self, say, what, total, every=5.0):
        init(self, say, what, total, every=0.0)

    return patched
