"""`rmbase presence score | compare | features`: pre-training data-distribution estimation (docs/presence.md)."""

from __future__ import annotations

from pathlib import Path

import typer

from rmbase.commands.config_options import ADVANCED, INPUTS, Alias, ConfigOptions
from rmbase.commands.options import ConfigFile, Restart

_FOLDERS = {"folders": "DIR...", "out": "PATH", "models": "PATH"}
COMPARE_OPTIONS = ConfigOptions("rmbase.presence.config:CompareConfig", arguments=("folders",), metavars=_FOLDERS,
                                panels={INPUTS: ("out", "models"), "Comparison": ("bins", "share_family")})
FEATURES_OPTIONS = ConfigOptions("rmbase.presence.config:FeaturesConfig", arguments=("folders",), metavars=_FOLDERS,
                                 panels={INPUTS: ("out", "models"), "Features": ("share_family",)})

presence_app = typer.Typer(
    name="presence",
    help="Estimate what a base saw in pre-training: score documents by category with the base (mean token "
    "log-likelihood), compare models' score distributions (Jensen-Shannon), and build presence features.",
    no_args_is_help=True,
)



SCORE_OPTIONS = ConfigOptions(
    "rmbase.presence.config:PresenceConfig",
    names={"corpus": "--data", "corpus_revision": "--data-revision", "max_tokens": "--max-length"},
    aliases={"corpus": Alias("--corpus"), "max_tokens": Alias("--max-tokens")},
    metavars={"out": "PATH"},
    panels={INPUTS: ("model", "corpus", "out", "gguf_file", "text_field", "category_field", "split", "subset",
                     "corpus_revision", "limit"),
            "Scoring": ("max_tokens", "batch_tokens", "max_batch_size", "shard_size"),
            "Model facts": ("name", "family", "params_b", "pretrain_tokens_t"),
            "Ray": ("ray", "address", "gpus_per_task"),
            ADVANCED: ("dtype", "device", "revision", "trust_remote_code", "threads")},
)


@presence_app.command("score", cls=SCORE_OPTIONS.command())
def score(ctx: typer.Context, restart: Restart = False, config: ConfigFile = None) -> None:
    """Score every document: S(D) = mean log p(t_i | t_<i) over its first N tokens (the first token is context
    only). Writes per-document shards and DIR/summary.json; a rerun resumes."""
    from rich.console import Console

    from rmbase.presence.score import score_corpus

    cfg = SCORE_OPTIONS.resolve(ctx, config)
    err = Console(stderr=True, highlight=False)
    summary = score_corpus(cfg, progress=lambda msg: err.print(msg, markup=False), restart=restart)
    _print_summary(Console(highlight=False), summary)
    Console(highlight=False).print(f"wrote {Path(cfg.out) / 'summary.json'}", markup=False)


def _print_summary(console, summary: dict) -> None:
    from rich.table import Table

    from rmbase.escaping import terminal

    table = Table(title=f"presence of {terminal(summary['model'])} (nats/token)")
    for col in ("category", "documents", "mean", "std", "median", "tokens", "truncated"):
        table.add_column(col, justify="left" if col == "category" else "right")
    for cat, s in {**summary["categories"], "all": summary["all"]}.items():
        table.add_row(terminal(cat), str(s["count"]), f"{s['mean']:.4f}", f"{s['std']:.4f}",
                      f"{s['quantiles']['0.5']:.4f}", str(s["tokens"]), str(s.get("truncated", "")))
    console.print(table)
    skipped = summary["skipped"]
    console.print("skipped: " + (", ".join(f"{k} {v}" for k, v in skipped.items()) or "none"))


@presence_app.command("compare", cls=COMPARE_OPTIONS.command())
def compare(ctx: typer.Context, config: ConfigFile = None) -> None:
    """Pairwise Jensen-Shannon distance (base 2) between the models' score distributions, per category and
    over all documents, on shared histogram bins."""
    from rich.console import Console

    from rmbase.config import write_resolved
    from rmbase.io import atomic_write_json, atomic_write_text
    from rmbase.presence.compare import compare_folders, pairs_frame
    from rmbase.provenance import provenance

    cfg = COMPARE_OPTIONS.resolve(ctx, config)
    if cfg.out is None:
        from rmbase.errors import InputError

        raise InputError("--out FILE is required", expected="a .json or .csv file")
    target = cfg.check_out()
    result = compare_folders(cfg.folders, bins=cfg.bins, share_family=cfg.share_family, models_file=cfg.models)
    if target.suffix.lower() == ".csv":
        atomic_write_text(target, pairs_frame(result).to_csv(index=False))
    else:
        atomic_write_json(target, {**result, "provenance": provenance(config=cfg.to_dict())})
    write_resolved(cfg, target.with_name(target.stem + ".config.yaml"))
    _print_pairs(Console(highlight=False), result)
    Console(highlight=False).print(f"wrote {target}", markup=False)


def _print_pairs(console, result: dict) -> None:
    from rich.table import Table

    from rmbase.escaping import terminal

    table = Table(title=f"Jensen-Shannon distance (base 2, {result['bins']} bins)")
    table.add_column("model A")
    table.add_column("model B")
    for c in result["categories"]:
        table.add_column(terminal(c), justify="right")
    for p in result["pairs"]:
        a = terminal(p["model_a"]) + (f" (shares {terminal(p['shared_a'])})" if p["shared_a"] else "")
        b = terminal(p["model_b"]) + (f" (shares {terminal(p['shared_b'])})" if p["shared_b"] else "")
        table.add_row(a, b, *("—" if p[c] is None else f"{p[c]:.3f}" for c in result["categories"]))
    console.print(table)


@presence_app.command("features", cls=FEATURES_OPTIONS.command())
def features(ctx: typer.Context, config: ConfigFile = None) -> None:
    """The per-category mean scores as features (presence_<category>) for `rmbase study --presence` and the
    selection predictors."""
    from rich.console import Console

    from rmbase.config import write_resolved
    from rmbase.io import atomic_write_text, read_table
    from rmbase.presence.features import presence_table

    cfg = FEATURES_OPTIONS.resolve(ctx, config)
    target = cfg.check_out()
    table = presence_table(cfg.folders, share_family=cfg.share_family,
                           models=read_table(cfg.models) if cfg.models else None)
    if target.suffix.lower() == ".csv":
        atomic_write_text(target, table.to_csv())
    else:
        from rmbase.io import atomic_write

        atomic_write(target, lambda f: table.to_parquet(f))  # the index (model) is kept, as in the CSV
    write_resolved(cfg, target.with_name(target.stem + ".config.yaml"))
    Console(highlight=False).print(table.to_string(), markup=False)  # model ids as typed, never read as markup
    Console(highlight=False).print(f"wrote {target}", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(presence_app)
