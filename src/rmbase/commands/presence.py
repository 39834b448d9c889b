"""`rmbase presence score | compare | features`: pre-training data-distribution estimation (docs/presence.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from rmbase.commands.config_options import ConfigOptions
from rmbase.commands.options import ConfigFile, Restart, resolve_config

_FOLDERS = {"folders": "DIR...", "out": "PATH", "models": "PATH"}
COMPARE_OPTIONS = ConfigOptions("rmbase.presence.config:CompareConfig", arguments=("folders",), metavars=_FOLDERS)
FEATURES_OPTIONS = ConfigOptions("rmbase.presence.config:FeaturesConfig", arguments=("folders",), metavars=_FOLDERS)

presence_app = typer.Typer(
    name="presence",
    help="Estimate what a base saw in pre-training: score documents by category with the base (mean token "
    "log-likelihood), compare models' score distributions (Jensen-Shannon), and build presence features.",
    no_args_is_help=True,
)



def _resolve(ctx: typer.Context, cls: Any, config: Path | None, values: dict[str, Any]) -> Any:
    """The typed config (``rmbase.commands.options.resolve_config``: the --config file's values, overridden by the
    options given on the command line); paths become strings, the configs' field type."""
    values = {k: (str(v) if isinstance(v, Path) else [str(x) for x in v] if isinstance(v, list) else v)
              for k, v in values.items()}
    return resolve_config(ctx, cls, config, values)


@presence_app.command("score")
def score(
    ctx: typer.Context,
    model: Annotated[str | None, typer.Option(help="Causal LM: local folder (safetensors or --gguf-file) or Hub id.")] = None,
    corpus: Annotated[str | None, typer.Option(help="JSONL or Parquet file, a folder of them, or a Hub dataset id (streamed).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Output folder: shards/, summary.json, config.yaml.")] = None,
    name: Annotated[str | None, typer.Option(help="Model id recorded in summary.json (default: --model).")] = None,
    text_field: Annotated[str, typer.Option("--text-field", help="Field holding the document text.")] = "text",
    category_field: Annotated[str, typer.Option("--category-field", help="Field holding the document category.")] = "category",
    split: Annotated[str, typer.Option(help="Split of a Hub dataset.")] = "train",
    subset: Annotated[str | None, typer.Option(help="Configuration (subset) of a Hub dataset.")] = None,
    limit: Annotated[int | None, typer.Option(help="Read at most this many corpus records.")] = None,
    max_tokens: Annotated[int, typer.Option("--max-tokens", help="Score the first N tokens of each document (BOS included).")] = 2048,
    batch_tokens: Annotated[int | None, typer.Option("--batch-tokens", help="Padded tokens per forward pass (default 2048 on CPU, 16384 on GPU; scores do not depend on it).")] = None,
    max_batch_size: Annotated[int | None, typer.Option("--max-batch-size", help="At most this many documents per forward pass.")] = None,
    shard_size: Annotated[int, typer.Option("--shard-size", help="Records per shard (the unit of resumption and of Ray tasks).")] = 1000,
    dtype: Annotated[str | None, typer.Option(help="float32 | bfloat16 | float16 (default: float32 on CPU, bfloat16 on GPU).")] = None,
    device: Annotated[str | None, typer.Option(help="cpu | cuda | cuda:N (default: cuda when available).")] = None,
    revision: Annotated[str | None, typer.Option(help="Model revision (Hub).")] = None,
    gguf_file: Annotated[str | None, typer.Option("--gguf-file", help="GGUF file inside the model folder.")] = None,
    trust_remote_code: Annotated[bool, typer.Option("--trust-remote-code", help="Allow the checkpoint's own Python code.")] = False,
    threads: Annotated[int | None, typer.Option(help="CPU threads for torch.")] = None,
    family: Annotated[str | None, typer.Option(help="Model family (for the sharing rule of compare/features).")] = None,
    params_b: Annotated[float | None, typer.Option("--params-b", help="Parameters, billions.")] = None,
    pretrain_tokens_t: Annotated[float | None, typer.Option("--pretrain-tokens-t", help="Pre-training tokens, trillions.")] = None,
    ray: Annotated[bool, typer.Option("--ray", help="Run shards as Ray tasks (several GPUs or a cluster).")] = False,
    address: Annotated[str | None, typer.Option(help="Ray cluster address (default: RAY_ADDRESS, else an embedded Ray).")] = None,
    gpus_per_task: Annotated[float, typer.Option("--gpus-per-task", help="GPUs per Ray shard task.")] = 0.0,
    restart: Restart = False,
    config: ConfigFile = None,
) -> None:
    """Score every document: S(D) = mean log p(t_i | t_<i) over its first N tokens (the first token is context
    only). Writes per-document shards and DIR/summary.json; a rerun resumes."""
    values = dict(locals())  # every option above, by name
    for not_config in ("config", "ctx", "restart"):
        values.pop(not_config)
    from rich.console import Console

    from rmbase.presence.config import PresenceConfig
    from rmbase.presence.score import score_corpus

    cfg = _resolve(ctx, PresenceConfig, config, values)
    err = Console(stderr=True, highlight=False)
    summary = score_corpus(cfg, progress=lambda msg: err.print(msg), restart=restart)
    _print_summary(Console(highlight=False), summary)
    Console(highlight=False).print(f"wrote {Path(cfg.out) / 'summary.json'}")


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
