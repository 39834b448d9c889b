"""`rmbase probe`: cheap measurements of a base on preference pairs, without training it."""

from __future__ import annotations

from pathlib import Path

import typer

from rmbase.commands.config_options import ADVANCED, INPUTS, Alias, ConfigOptions
from rmbase.commands.options import ConfigFile, Restart

PROBE_OPTIONS = ConfigOptions(
    "rmbase.probe.config:ProbeConfig",
    names={"pairs": "--data", "n_pairs": "--limit"},
    aliases={"pairs": Alias("--pairs"), "n_pairs": Alias("--n-pairs")},
    metavars={"out": "PATH", "truncation": "left|right|error"},
    panels={INPUTS: ("model", "pairs", "out", "model_id", "n_pairs"),
            "Probes": ("probes", "max_length", "truncation", "chat_template", "folds", "inner_folds", "n_cs",
                       "bootstrap", "seed"),
            ADVANCED: ("revision", "trust_remote_code", "dtype", "device", "batch_size", "chunk_pairs", "threads")},
)


def probe(ctx: typer.Context, restart: Restart = False, config: ConfigFile = None) -> None:
    """Probe a base: a Bradley-Terry linear head on its frozen last-token features (out-of-fold accuracy with a
    bootstrap CI), the zero-shot likelihood of chosen vs rejected, and the zero-shot judge (both A/B orders).
    Writes DIR/results.json, DIR/pairs.jsonl and DIR/config.yaml (the resolved config: --config reads it back); a
    rerun resumes from DIR/cache/."""
    from rich.console import Console

    from rmbase.probe.runner import check_output, run_probes

    cfg = PROBE_OPTIONS.resolve(ctx, config)
    check_output(Path(cfg.out))
    err = Console(stderr=True, highlight=False)
    result = run_probes(cfg, progress=lambda msg: err.print(msg, markup=False), restart=restart)
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
    app.command("probe", cls=PROBE_OPTIONS.command())(probe)
