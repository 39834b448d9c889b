"""`rmbase probe`: cheap measurements of a base on preference pairs, without training it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rmbase.commands.options import ConfigFile, Restart, resolve_config


def probe(
    ctx: typer.Context,
    model: Annotated[str | None, typer.Option(help="Base model: local folder or Hugging Face id.")] = None,
    pairs: Annotated[str | None, typer.Option(help="Preference pairs: JSONL/JSON/Parquet/CSV with prompt, chosen, rejected (or HH-RLHF chosen/rejected dialogues), or a Hub dataset id org/name[:split].")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Output folder: results.json, pairs.jsonl, config.yaml and a resumable cache.")] = None,
    probes: Annotated[str | None, typer.Option(help="Comma-separated probes: frozen_bt, likelihood, judge (default: all three).")] = None,
    model_id: Annotated[str | None, typer.Option("--model-id", help="Id of the model in feature tables (default: --model).")] = None,
    n_pairs: Annotated[int, typer.Option("--n-pairs", help="Use at most N pairs (a seeded random sample).")] = 1000,
    max_length: Annotated[int | None, typer.Option("--max-length", help="Max tokens per prompt+response text; longer ones are truncated and counted (judge texts: twice this). Default: 2048, or the model's positions when fewer.")] = None,
    truncation: Annotated[str, typer.Option(help="left (cut the prompt side) | right | error.")] = "left",
    chat_template: Annotated[str | None, typer.Option("--chat-template", help="Named template (chatml, llama3, zephyr), a .jinja path or a template string; default: the tokenizer's.")] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Sequences per forward pass (results do not depend on it).")] = 8,
    folds: Annotated[int, typer.Option(help="Outer cross-validation folds of the frozen BT probe.")] = 5,
    inner_folds: Annotated[int, typer.Option("--inner-folds", help="Inner folds that choose the L2 strength.")] = 3,
    bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples of the accuracy CIs.")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the pair sample, the folds and the bootstrap.")] = 0,
    dtype: Annotated[str | None, typer.Option(help="float32 | bfloat16 | float16 (default: float32 on CPU, bfloat16 on GPU).")] = None,
    device: Annotated[str | None, typer.Option(help="cpu | cuda | cuda:N (default: cuda when available).")] = None,
    revision: Annotated[str | None, typer.Option(help="Model revision (Hub).")] = None,
    trust_remote_code: Annotated[bool, typer.Option("--trust-remote-code", help="Allow the checkpoint's own Python code.")] = False,
    threads: Annotated[int | None, typer.Option(help="CPU threads for torch.")] = None,
    restart: Restart = False,
    config: ConfigFile = None,
) -> None:
    """Probe a base: a Bradley-Terry linear head on its frozen last-token features (out-of-fold accuracy with a
    bootstrap CI), the zero-shot likelihood of chosen vs rejected, and the zero-shot judge (both A/B orders).
    Writes DIR/results.json, DIR/pairs.jsonl and DIR/config.yaml (the resolved config: --config reads it back); a
    rerun resumes from DIR/cache/."""
    from rich.console import Console

    from rmbase.probe.config import ProbeConfig
    from rmbase.probe.runner import check_output, run_probes

    values = dict(model=model, pairs=pairs, out=None if out is None else str(out),
                  probes=None if probes is None else [p.strip() for p in probes.split(",") if p.strip()],
                  model_id=model_id, n_pairs=n_pairs, max_length=max_length, truncation=truncation,
                  chat_template=chat_template, batch_size=batch_size, folds=folds, inner_folds=inner_folds,
                  bootstrap=bootstrap, seed=seed, dtype=dtype, device=device, revision=revision,
                  trust_remote_code=trust_remote_code, threads=threads)
    cfg = resolve_config(ctx, ProbeConfig, config, values)
    check_output(Path(cfg.out))
    err = Console(stderr=True, highlight=False)
    result = run_probes(cfg, progress=lambda msg: err.print(msg), restart=restart)
    _print(Console(highlight=False), result)


def _print(console, result: dict) -> None:
    from rich.table import Table

    from rmbase.escaping import terminal

    table = Table(title=f"Probes of {terminal(str(result['model_id']))} ({result['kind']}, {result['data']['pairs_used']} pairs)")
    for col in ("probe", "accuracy", "95% CI", "n", "wall s", "tokens", "note"):
        table.add_column(col)
    for name, r in result["probes"].items():
        if not r["applicable"]:
            table.add_row(name, "n/a", "", "0", "", "", terminal(r["reason"]))
            continue
        ci = r.get("ci95")
        note = ""
        if name == "frozen_bt":
            note = f"shuffled-label control {r['control_shuffled_labels_accuracy']:.3f}"
        elif name == "judge":
            note = f"mean P(answer A) {r['mean_p_answer_a']:.2f}"
        table.add_row(name, f"{r['accuracy']:.3f}", "" if ci is None else f"{ci[0]:.3f}-{ci[1]:.3f}", str(r["n"]),
                      f"{r['wall_seconds']:.1f}", str(r["tokens"]), note)
    console.print(table)
    d = result["data"]
    console.print(f"pairs: {d['rows_read']} read, {d['pairs_available']} usable, {d['pairs_used']} used; dropped "
                  f"{d['dropped'] or 'none'}; texts truncated {d['texts_truncated']}, judge texts truncated "
                  f"{d['judge_texts_truncated']}")
    console.print(f"wrote {terminal(str(Path(result['provenance']['config']['out']) / 'results.json'))}")


def register(app: typer.Typer) -> None:
    app.command("probe")(probe)
