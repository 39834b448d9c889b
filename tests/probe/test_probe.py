"""`rmbase probe` on tiny random bases: response spans, the likelihood against an unbatched computation, the
frozen BT probe on a synthetic signal and its shuffled-label control, applicability, resume, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from helpers.probe_models import synthetic_pairs
from rmbase.cli import main as cli_main
from rmbase.errors import InputError
from rmbase.forward import pad_id_for
from rmbase.probe import data as D
from rmbase.probe import forward as W
from rmbase.probe.config import ProbeConfig
from rmbase.probe.runner import run_probes

PROMPTS = [[{"role": "user", "content": "apple river stone"}], [{"role": "user", "content": "cloud music"}]]
RESPONSES = ["garden window paper good", "silver orange"]


@pytest.fixture(scope="module")
def llama(llama_dir):
    from rmbase.hf_text import load_tokenizer

    tok = load_tokenizer(llama_dir)
    model, kind = W.load_base(llama_dir, device="cpu")
    return model, tok, kind


def test_the_response_span_is_the_response_and_the_end_of_turn(llama):
    _, tok, _ = llama
    ids, starts, flags = D.encode_with_response_start(tok, PROMPTS, RESPONSES, max_length=512, truncation="left")
    assert flags == [False, False]
    for seq, s, resp in zip(ids, starts, RESPONSES, strict=True):
        tail = tok.decode(seq[s:])
        assert tail.startswith(resp) and tail.rstrip().endswith("<|im_end|>")
        assert resp not in tok.decode(seq[:s])


def test_left_truncation_keeps_the_response_end(llama):
    _, tok, _ = llama
    long_prompt = [[{"role": "user", "content": "apple river stone " * 40}]]
    full, fstart, _ = D.encode_with_response_start(tok, long_prompt, RESPONSES[:1], max_length=4096,
                                                   truncation="left")
    ids, starts, flags = D.encode_with_response_start(tok, long_prompt, RESPONSES[:1], max_length=30,
                                                      truncation="left")
    assert flags == [True] and len(ids[0]) == 30
    assert ids[0][starts[0]:] == full[0][fstart[0]:]  # the same response tokens, the prompt side was cut


def _unbatched(model, seq, start):
    """(summed log-probability of tokens start.., final-layer hidden state at the last token), the whole model on
    one unpadded sequence: the reference for the batched, head-on-real-positions path."""
    import torch

    with torch.inference_mode():
        out = model(input_ids=torch.tensor([seq]), output_hidden_states=True)
    logp = torch.log_softmax(out.logits[0].float(), dim=-1)
    return float(sum(logp[t - 1, seq[t]] for t in range(start, len(seq)))), out.hidden_states[-1][0, -1].numpy()


def test_feature_pass_matches_unbatched_and_does_not_depend_on_batch_size(llama):
    model, tok, kind = llama
    prompts = PROMPTS * 3
    responses = [r + " apple" * k for k, r in enumerate(RESPONSES * 3)]
    ids, starts, _ = D.encode_with_response_start(tok, prompts, responses, max_length=512, truncation="left")
    pad = pad_id_for(model, tok)
    by_bs = {bs: W.feature_pass(model, kind, ids, starts, batch_size=bs, pad_id=pad) for bs in (1, 4)}
    for key in ("hidden", "lp_sum"):
        np.testing.assert_allclose(by_bs[4][key], by_bs[1][key], atol=1e-4)
    assert list(by_bs[1]["lp_n"]) == [len(s) - st for s, st in zip(ids, starts, strict=True)]
    for i in (0, 3):
        lp, h = _unbatched(model, ids[i], starts[i])
        assert by_bs[4]["lp_sum"][i] == pytest.approx(lp, abs=1e-3)
        np.testing.assert_allclose(by_bs[4]["hidden"][i], h, atol=1e-4)
    assert np.std(by_bs[1]["lp_sum"]) > 0.1


def test_frozen_bt_separates_a_marker_token_and_the_shuffled_control_is_at_chance(llama_dir, marker_pairs,
                                                                                   tmp_path):
    cfg = ProbeConfig(model=str(llama_dir), pairs=str(marker_pairs), out=str(tmp_path / "o"), device="cpu",
                      probes=["frozen_bt"], bootstrap=200)
    bt = run_probes(cfg)["probes"]["frozen_bt"]
    assert bt["accuracy"] >= 0.9 and bt["ci95"][0] >= 0.75
    assert abs(bt["control_shuffled_labels_accuracy"] - 0.5) <= 0.2
    assert bt["n"] == 60 and bt["tokens"] > 0 and bt["wall_seconds"] > 0


def test_frozen_bt_is_at_chance_without_a_signal(llama_dir, tmp_path):
    pairs = synthetic_pairs(tmp_path / "noise.jsonl", 60, marker=False, seed=3)
    cfg = ProbeConfig(model=str(llama_dir), pairs=str(pairs), out=str(tmp_path / "o"), device="cpu",
                      probes=["frozen_bt"], bootstrap=200)
    bt = run_probes(cfg)["probes"]["frozen_bt"]
    # chance with n = 60 pairs: sd 0.065, so within 3 sd of one half
    assert abs(bt["accuracy"] - 0.5) <= 0.2 and abs(bt["control_shuffled_labels_accuracy"] - 0.5) <= 0.2


def test_cli_writes_results_config_and_per_pair_records_and_a_rerun_resumes(llama_dir, marker_pairs, tmp_path,
                                                                           capsys):
    out = tmp_path / "probe"
    args = ["probe", "--model", str(llama_dir), "--data", str(marker_pairs), "--out", str(out), "--device", "cpu",
            "--bootstrap", "100", "--max-length", "128"]
    assert cli_main(args) == 0
    first = json.loads((out / "results.json").read_text())
    assert set(first["probes"]) == {"frozen_bt", "likelihood", "judge"}
    assert all(r["applicable"] for r in first["probes"].values())
    assert first["probes"]["judge"]["tokens"] > first["probes"]["likelihood"]["tokens"]
    assert first["provenance"]["config"]["max_length"] == 128 and first["provenance"]["data_sha256"]
    assert ProbeConfig.from_yaml(out / "config.yaml").max_length == 128
    per_pair = [json.loads(line) for line in (out / "pairs.jsonl").read_text().splitlines()]
    assert len(per_pair) == 60 and {"frozen_bt_margin", "likelihood_chosen", "judge_p_chosen"} <= set(per_pair[0])
    # interrupted run: the results are gone and one cached chunk is damaged -> only that chunk is computed again
    (out / "results.json").unlink()
    (out / "cache" / "features-00000.npz").write_bytes(b"not an npz")
    assert cli_main(args) == 0
    second = json.loads((out / "results.json").read_text())
    assert second["cache"]["features"]["resumed_chunks"] == second["cache"]["features"]["chunks"] - 1
    assert second["cache"]["judge"]["resumed_chunks"] == second["cache"]["judge"]["chunks"]
    for name in first["probes"]:
        assert second["probes"][name]["accuracy"] == pytest.approx(first["probes"][name]["accuracy"])
    # another probe selection reuses the forward pass entirely
    assert cli_main(args + ["--probes", "likelihood"]) == 0
    third = json.loads((out / "results.json").read_text())
    assert set(third["probes"]) == {"likelihood"}
    assert third["cache"]["features"]["resumed_chunks"] == third["cache"]["features"]["chunks"]
    # the resolved config reruns the command (--config), options given beside it override the file
    assert cli_main(["probe", "--config", str(out / "config.yaml"), "--probes", "frozen_bt"]) == 0
    fourth = json.loads((out / "results.json").read_text())
    assert set(fourth["probes"]) == {"frozen_bt"} and fourth["provenance"]["config"]["max_length"] == 128
    assert fourth["probes"]["frozen_bt"]["accuracy"] == pytest.approx(first["probes"]["frozen_bt"]["accuracy"])
    # other forward-pass options: refused, naming the changed key; --restart discards the cache
    shorter = [*args[:-1], "96", "--probes", "likelihood"]
    assert cli_main(shorter) == 2
    assert "changed: max_length" in capsys.readouterr().err
    assert cli_main([*shorter, "--restart"]) == 0
    assert json.loads((out / "results.json").read_text())["cache"]["features"]["resumed_chunks"] == 0


def test_an_encoder_gets_frozen_bt_only(encoder_dir, marker_pairs, tmp_path):
    # a plain template: the last real token is the marker itself, which a random encoder keeps apart
    plain = "{% for m in messages %}{% if not loop.first %} {% endif %}{{ m['content'] }}{% endfor %}"
    cfg = ProbeConfig(model=str(encoder_dir), pairs=str(marker_pairs), out=str(tmp_path / "o"), device="cpu",
                      chat_template=plain, bootstrap=100)
    res = run_probes(cfg)
    assert res["kind"] == "encoder"
    assert res["probes"]["frozen_bt"]["applicable"] and res["probes"]["frozen_bt"]["accuracy"] >= 0.9
    for name in ("likelihood", "judge"):
        assert not res["probes"][name]["applicable"] and "encoder" in res["probes"][name]["reason"]


def test_a_base_without_a_chat_template_gets_no_judge(llama_no_template_dir, marker_pairs, tmp_path):
    cfg = ProbeConfig(model=str(llama_no_template_dir), pairs=str(marker_pairs), out=str(tmp_path / "o"),
                      device="cpu", chat_template="chatml", bootstrap=100)
    res = run_probes(cfg)
    assert res["probes"]["likelihood"]["applicable"]
    assert not res["probes"]["judge"]["applicable"] and "chat template" in res["probes"]["judge"]["reason"]
    with pytest.raises(InputError, match="no chat template"):
        run_probes(cfg.model_copy(update={"chat_template": None, "out": str(tmp_path / "o2")}))


def test_bad_rows_are_counted_and_too_few_pairs_is_exit_2(llama_dir, tmp_path, capsys):
    rows = [json.loads(line) for line in synthetic_pairs(tmp_path / "p.jsonl", 30).read_text().splitlines()]
    rows[0]["chosen"] = "   "
    rows[1]["rejected"] = rows[1]["chosen"]
    rows[2]["prompt"] = "apple " * 300  # longer than --max-length
    bad = tmp_path / "bad.jsonl"
    bad.write_text("".join(json.dumps(r) + "\n" for r in rows))
    res = run_probes(ProbeConfig(model=str(llama_dir), pairs=str(bad), out=str(tmp_path / "o"), device="cpu",
                                 probes=["likelihood"], max_length=64, bootstrap=0))
    d = res["data"]
    assert d["rows_read"] == 30 and d["pairs_used"] == 28
    assert d["dropped"] == {"empty chosen or rejected response": 1, "chosen identical to rejected": 1}
    assert d["texts_truncated"] == 2 and d["pairs_with_a_truncated_text"] == 1
    few = tmp_path / "few.jsonl"
    few.write_text("".join(json.dumps(r) + "\n" for r in rows[3:13]))
    out = tmp_path / "few-out"
    assert cli_main(["probe", "--model", str(llama_dir), "--data", str(few), "--out", str(out)]) == 2
    assert "at least 30" in capsys.readouterr().err
    assert not out.exists()


def test_bad_options_are_exit_2(llama_dir, marker_pairs, tmp_path, capsys):
    file_out = tmp_path / "a-file"
    file_out.write_text("x")
    base = ["probe", "--model", str(llama_dir), "--data", str(marker_pairs)]
    assert cli_main([*base, "--out", str(file_out)]) == 2
    assert cli_main([*base, "--out", str(tmp_path / "o"), "--probes", "frozen_bt,oracle"]) == 2
    assert "unknown probe" in capsys.readouterr().err
    assert cli_main([*base, "--out", str(tmp_path / "o"), "--max-length", "5000", "--device", "cpu"]) == 2
    assert "positions" in capsys.readouterr().err
