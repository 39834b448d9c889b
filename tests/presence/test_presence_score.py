"""`presence score` on tiny random LMs: the score's definition (BOS excluded), bad input counted and skipped,
shards and resumption, the fingerprint guard, Parquet and Hub corpora, Ray shards, the CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from helpers.presence import write_jsonl
from rmbase.cli import main as cli_main
from rmbase.errors import InputError
from rmbase.presence import score as P
from rmbase.presence.config import PresenceConfig

pytest.importorskip("transformers")


def _cfg(model, corpus, out, **kw):
    return PresenceConfig(model=str(model), corpus=str(corpus), out=str(out), device="cpu", **kw)


def _manual_score(model_dir, text, max_tokens=2048):
    """log p of every token after the first, from the model's full logits, one document alone."""
    import torch

    from rmbase import hf_models as H
    from rmbase import hf_text as T

    tok, model = T.load_lm_tokenizer(model_dir), H.load_causal_lm(model_dir, device="cpu")
    ids = T.encode_texts_flagged(tok, [text], max_length=max_tokens, truncation="right")[0][0]
    with torch.no_grad():
        lp = torch.log_softmax(model(input_ids=torch.tensor([ids])).logits[0].float(), -1)
    return float(lp[torch.arange(len(ids) - 1), torch.tensor(ids[1:])].mean()), ids


@pytest.mark.parametrize("lm", ["tiny_lm", "tiny_lm_nobos"])
def test_scores_follow_the_definition(lm, request, tmp_path, clean_rows):
    model_dir = request.getfixturevalue(lm)
    corpus = write_jsonl(tmp_path / "c.jsonl", clean_rows)
    summary = P.score_corpus(_cfg(model_dir, corpus, tmp_path / "out", batch_tokens=64))
    table = P.read_shards(tmp_path / "out")
    assert (table.status == "ok").all() and len(table) == len(clean_rows)
    adds_bos = lm == "tiny_lm"
    for row in table.itertuples():
        expected, ids = _manual_score(model_dir, clean_rows[row.row]["text"])
        assert abs(row.score - expected) <= 1e-5
        assert row.n_pred == len(ids) - 1  # the first token is never predicted
        # with BOS, the document's own first token is predicted from BOS; without, it is context only
        assert row.doc_tokens == (row.n_pred if adds_bos else row.n_pred + 1)
    for cat, s in summary["categories"].items():
        v = table.score[table.category == cat].to_numpy()
        assert s["count"] == len(v) and s["mean"] == pytest.approx(v.mean())
        assert s["std"] == pytest.approx(v.std(ddof=1)) and s["quantiles"]["0.5"] == pytest.approx(np.median(v))
        assert s["tokens"] == int(table.n_pred[table.category == cat].sum())
    assert summary["provenance"]["data_sha256"]["c.jsonl"]
    assert "BOS" in summary["definition"]


def test_max_tokens_cuts_and_counts(tiny_lm, tmp_path, clean_rows):
    corpus = write_jsonl(tmp_path / "c.jsonl", clean_rows)
    summary = P.score_corpus(_cfg(tiny_lm, corpus, tmp_path / "out", max_tokens=6))
    table = P.read_shards(tmp_path / "out")
    long = table[table.truncated]
    assert len(long) and (long.n_pred == 5).all() and (long.doc_tokens == 5).all()  # BOS + 5 own tokens kept
    assert (table[~table.truncated].n_pred < 5).all()
    assert summary["documents"]["truncated"] == int(table.truncated.sum()) > 0
    expected, _ = _manual_score(tiny_lm, clean_rows[int(long.row.iloc[0])]["text"], max_tokens=6)
    assert abs(long.score.iloc[0] - expected) <= 1e-5


def test_bad_records_are_counted_and_skipped(tiny_lm, tmp_path, clean_rows):
    rows = clean_rows + [{"text": "", "category": "code"}, {"text": "   \n", "category": "prose"},
                         {"text": "a", "category": "code"}, {"text": "a text without a category"},
                         {"text": "a category that is empty", "category": ""}, {"category": "code"},
                         {"text": 12, "category": "code"}, {"text": "\udc80 lone surrogate", "category": "code"}]
    extra = (b'{"text": "\xff\xfe not utf-8", "category": "code"}', b"not json at all", b"[1, 2]", b"")
    corpus = write_jsonl(tmp_path / "c.jsonl", rows, extra)
    summary = P.score_corpus(_cfg(tiny_lm, corpus, tmp_path / "out", shard_size=5))
    assert summary["skipped"] == {"empty": 2, "invalid_utf8": 2, "missing_category": 2, "missing_text": 1,
                                  "not_text": 1, "too_short": 1, "unparsable": 2}
    assert summary["documents"] == {"records": len(rows) + 3, "scored": len(clean_rows), "skipped": 11,
                                    "truncated": 0}
    assert summary["skipped_by_category"]["code"]["too_short"] == 1
    assert sum(s["count"] for s in summary["categories"].values()) == len(clean_rows)


def test_parquet_corpus_with_other_field_names(tiny_lm, tmp_path, clean_rows):
    df = pd.DataFrame({"body": [r["text"].encode() for r in clean_rows] + [b"\xff\xfe"],
                       "kind": [r["category"] for r in clean_rows] + ["code"]})
    df.to_parquet(tmp_path / "c.parquet")
    summary = P.score_corpus(_cfg(tiny_lm, tmp_path / "c.parquet", tmp_path / "out", text_field="body",
                                  category_field="kind"))
    assert summary["documents"]["scored"] == len(clean_rows) and summary["skipped"] == {"invalid_utf8": 1}
    jsonl = P.score_corpus(_cfg(tiny_lm, write_jsonl(tmp_path / "c.jsonl", clean_rows), tmp_path / "out2"))
    assert summary["all"]["mean"] == pytest.approx(jsonl["all"]["mean"], abs=1e-6)


def test_bad_input_is_an_input_error_before_any_output(tiny_lm, tmp_path, clean_rows):
    corpus = write_jsonl(tmp_path / "c.jsonl", clean_rows)
    with pytest.raises(InputError, match="not found"):
        P.score_corpus(_cfg(tiny_lm, tmp_path / "missing.jsonl", tmp_path / "o1"))
    with pytest.raises(InputError, match="column 'body'"):
        P.score_corpus(_cfg(tiny_lm, corpus, tmp_path / "o2", text_field="body"))
    with pytest.raises(InputError, match="column 'kind'"):
        P.score_corpus(_cfg(tiny_lm, corpus, tmp_path / "o3", category_field="kind"))
    pd.DataFrame({"text": ["a b c"]}).to_parquet(tmp_path / "c.parquet")
    with pytest.raises(InputError, match="no such column"):
        P.score_corpus(_cfg(tiny_lm, tmp_path / "c.parquet", tmp_path / "o4"))
    with pytest.raises(InputError, match="no such model folder"):
        P.score_corpus(_cfg(tmp_path / "nomodel", corpus, tmp_path / "o5"))
    only_bad = write_jsonl(tmp_path / "bad.jsonl", [{"text": "", "category": "x"}])
    with pytest.raises(InputError, match="no document could be scored"):
        P.score_corpus(_cfg(tiny_lm, only_bad, tmp_path / "o6"))
    for name in ("o1", "o2", "o3", "o4", "o5"):
        assert not (tmp_path / name).exists()
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "other.txt").write_text("x")
    with pytest.raises(InputError, match="not empty"):
        P.score_corpus(_cfg(tiny_lm, corpus, tmp_path / "busy"))


def test_cli_exit_codes_and_resolved_config(tiny_lm, tmp_path, clean_rows, capsys):
    corpus = write_jsonl(tmp_path / "c.jsonl", clean_rows)
    assert cli_main(["presence", "score", "--model", str(tiny_lm), "--data", str(tmp_path / "nope.jsonl"),
                     "--out", str(tmp_path / "o")]) == 2
    assert cli_main(["presence", "score", "--model", str(tiny_lm), "--data", str(corpus), "--text-field", "x",
                     "--out", str(tmp_path / "o")]) == 2
    assert "column 'x'" in capsys.readouterr().err
    (tmp_path / "cfg.yaml").write_text(f"model: {tiny_lm}\ncorpus: {corpus}\nmax_tokens: 8\ndevice: cpu\n")
    assert cli_main(["presence", "score", "--config", str(tmp_path / "cfg.yaml"), "--out", str(tmp_path / "o"),
                     "--name", "tiny/model"]) == 0
    assert "presence of tiny/model" in capsys.readouterr().out
    import yaml

    resolved = yaml.safe_load((tmp_path / "o" / "config.yaml").read_text())
    assert resolved["max_tokens"] == 8 and resolved["name"] == "tiny/model" and resolved["out"] == str(tmp_path / "o")
    assert json.loads((tmp_path / "o" / "summary.json").read_text())["model"] == "tiny/model"


def test_resume_redoes_only_unfinished_shards(tiny_lm, tmp_path, clean_rows, monkeypatch):
    corpus = write_jsonl(tmp_path / "c.jsonl", clean_rows)
    cfg = _cfg(tiny_lm, corpus, tmp_path / "out", shard_size=3)
    from rmbase.presence import scoring
    from rmbase.presence import shards as S

    real_write = S.write_shard
    calls = []

    def crash_after_two(path, table):
        if len(calls) == 2:
            raise KeyboardInterrupt  # the run is killed while the third shard is written
        calls.append(path.name)
        real_write(path, table)

    monkeypatch.setattr(S, "write_shard", crash_after_two)
    with pytest.raises(KeyboardInterrupt):
        P.score_corpus(cfg)
    monkeypatch.setattr(S, "write_shard", real_write)
    shards = sorted((tmp_path / "out" / "shards").iterdir())
    assert [p.name for p in shards] == ["shard-000000.parquet", "shard-000001.parquet"]  # no temporary left
    first = {p.name: p.stat().st_mtime_ns for p in shards}
    scored = []
    real_score = scoring.score_docs
    monkeypatch.setattr(scoring, "score_docs", lambda m, t, docs, **kw: scored.append(docs[0].row) or
                        real_score(m, t, docs, **kw))
    summary = P.score_corpus(cfg)
    assert scored == [6]  # only the third shard (rows 6-7) was scored again
    assert {p.name: p.stat().st_mtime_ns for p in shards} == first
    table = P.read_shards(tmp_path / "out")
    assert sorted(table.row) == list(range(len(clean_rows)))  # nothing lost or duplicated
    fresh = P.score_corpus(_cfg(tiny_lm, corpus, tmp_path / "fresh", shard_size=8))
    assert summary["all"]["mean"] == pytest.approx(fresh["all"]["mean"], abs=1e-6)  # other batches: rounding only
    with pytest.raises(InputError, match=r"different options \(changed: options.max_tokens\)"):
        P.score_corpus(_cfg(tiny_lm, corpus, tmp_path / "out", shard_size=3, max_tokens=16))
    write_jsonl(corpus, clean_rows[:-1])
    with pytest.raises(InputError, match=r"changed: corpus\.") as refused:
        P.score_corpus(cfg)
    assert "--restart" in str(refused.value)
    P.score_corpus(cfg, restart=True)  # discards the old shards: every record of the new corpus, once
    assert sorted(P.read_shards(tmp_path / "out").row) == list(range(len(clean_rows) - 1))


def test_hub_corpus_is_streamed(tiny_lm, tmp_path, clean_rows, monkeypatch):
    import datasets

    seen = {}

    def fake_load(source, subset, *, split, streaming, revision):
        seen.update(source=source, subset=subset, split=split, streaming=streaming)
        return iter(clean_rows)

    monkeypatch.setattr(datasets, "load_dataset", fake_load)
    summary = P.score_corpus(_cfg(tiny_lm, "someorg/somecorpus", tmp_path / "out", split="validation"))
    assert seen == {"source": "someorg/somecorpus", "subset": None, "split": "validation", "streaming": True}
    assert summary["documents"]["scored"] == len(clean_rows)
    assert summary["provenance"]["data_sha256"] == {"someorg/somecorpus": "hub revision default"}
    monkeypatch.setattr(datasets, "load_dataset", lambda *a, **k: iter([{"body": "x", "category": "c"}]))
    with pytest.raises(InputError, match="column 'text'"):
        P.score_corpus(_cfg(tiny_lm, "someorg/other", tmp_path / "out2"))


def test_ray_shards_score_the_same(tiny_lm, tmp_path, clean_rows, ray_session):
    corpus = write_jsonl(tmp_path / "c.jsonl", clean_rows)
    local = P.score_corpus(_cfg(tiny_lm, corpus, tmp_path / "local", shard_size=3))
    remote = P.score_corpus(_cfg(tiny_lm, corpus, tmp_path / "ray", shard_size=3, ray=True, threads=1))
    assert len(list((tmp_path / "ray" / "shards").iterdir())) == 3
    a, b = P.read_shards(tmp_path / "local"), P.read_shards(tmp_path / "ray")
    assert np.max(np.abs(a.score.to_numpy() - b.score.to_numpy())) <= 1e-6
    assert remote["categories"].keys() == local["categories"].keys()
