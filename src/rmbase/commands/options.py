"""What every command shares: the ``--config FILE`` option and how a command's config is resolved from it.

A command collects its options as config values, keyed by config field. With ``--config FILE`` the file gives the
values and only the options the user actually passed on the command line override it (an option left at its
default does not); without a file the options (and the config's own defaults) are the whole config. The resolved
config is written beside the command's output (``config.yaml``), so that ``--config`` of that file reruns it.

Module-level imports: typer and the standard library only (``rmbase --help`` stays fast).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

ConfigFile = Annotated[Path | None, typer.Option(
    "--config", help="YAML config of this command (keys: its config's fields); options given on the command line "
    "override it. The resolved config is written beside the output.")]

Restart = Annotated[bool, typer.Option(
    "--restart", help="Discard the work an interrupted run with other options left behind, and start afresh "
    "(without it such a run is refused, naming the changed options).")]


def renamed(new_value: Any, old_value: Any, *, new: str, old: str) -> Any:
    """One name for one thing across commands: the value of option ``new``, or of its old spelling ``old`` (kept
    for one release, with a note on stderr). Both at once is refused."""
    if old_value is None:
        return new_value
    from rmbase.errors import InputError

    if new_value is not None:
        raise InputError(f"{old} is the old name of {new}: give {new} only")
    from rich.console import Console

    Console(stderr=True, highlight=False).print(f"note: {old} is deprecated and goes in the next release; use {new}",
                                                markup=False)
    return old_value


def given_options(ctx: typer.Context, values: Mapping[str, Any],
                  sources: Mapping[str, Iterable[str]] | None = None) -> dict[str, Any]:
    """The ``values`` whose command-line options the user passed (not left at their defaults).

    ``sources`` names the options behind a value when they differ from the value's key (e.g. the train config's
    ``learning_rates`` come from ``--lr`` or ``--lr-grid``)."""
    sources = sources or {}
    out = {}
    for key, value in values.items():
        params = tuple(sources.get(key, (key,)))
        if any(_given(ctx, p) for p in params):
            out[key] = value
    return out


def _given(ctx: typer.Context, param: str) -> bool:
    # compared by name: typer ships its own copy of click, whose ParameterSource is not click's
    source = ctx.get_parameter_source(param)
    return source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP")


def config_values(ctx: typer.Context, cls: Any, config_file: Path | None, values: Mapping[str, Any],
                  sources: Mapping[str, Iterable[str]] | None = None,
                  flags: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The values of ``cls`` (a :class:`rmbase.config.Config`): the file's, overridden by the options the user
    gave; without a file, every option's value. Options left at ``None`` are dropped, so that the config's own
    default applies."""
    passed = given_options(ctx, values, sources)
    if config_file is None:
        merged = {k: v for k, v in values.items() if v is not None or k in passed}
    else:
        merged = {**cls.read_yaml(config_file), **passed}
    missing = [name for name, field in cls.model_fields.items() if field.is_required() and merged.get(name) is None]
    if missing:
        from rmbase.errors import InputError

        arguments = {p.name for p in ctx.command.params if getattr(p, "param_type_name", "") == "argument"}
        flags = flags or {}
        names = [m.upper() + " (argument)" if m in arguments else f"{flags[m]} (key {m})" if m in flags
                 else "--" + m.replace("_", "-") for m in missing]
        raise InputError(f"missing {', '.join(names)}",
                         path=None if config_file is None else str(config_file),
                         expected="the option on the command line or the key in the --config file")
    return merged


def resolve_config(ctx: typer.Context, cls: Any, config_file: Path | None, values: Mapping[str, Any],
                   sources: Mapping[str, Iterable[str]] | None = None, flags: Mapping[str, str] | None = None) -> Any:
    """The command's config: see :func:`config_values` (``flags``: the option that sets a field when its name is
    not the field's, for messages); invalid values end in one ``InputError`` naming the field (and the file)."""
    merged = config_values(ctx, cls, config_file, values, sources, flags)
    return cls.build(_source=None if config_file is None else str(config_file), **merged)


# ------------------------------------------------------------------ commands without a library config
def _option_defaults(ctx: typer.Context, param: Any, value: Path | None) -> Path | None:
    """Eager ``--config`` of a command without a config class: the file's keys are the command's parameter names
    and become its defaults, so options given on the command line still win."""
    if value is None:
        return value
    import yaml

    from rmbase.errors import InputError

    try:
        data = yaml.safe_load(Path(value).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read config: {exc}", path=str(value)) from exc
    names = [p.name for p in ctx.command.params if p.name != param.name]
    if not isinstance(data, dict) or any(k not in names for k in data):
        unknown = sorted(str(k) for k in data if k not in names) if isinstance(data, dict) else []
        raise InputError(f"unknown option(s) {', '.join(unknown)}" if unknown else "not a mapping of option: value",
                         path=str(value), expected=f"some of {', '.join(names)}")
    ctx.default_map = {**(ctx.default_map or {}), **data}
    return value


OptionsFile = Annotated[Path | None, typer.Option(
    "--config", is_eager=True, callback=_option_defaults,
    help="YAML of this command's options (keys: the option names with '_', e.g. on_conflict); options given on the "
    "command line override it.")]


def write_options(path: str | Path, values: Mapping[str, Any]) -> Path:
    """Write a command's resolved options as YAML (atomically), loadable again with its ``--config``."""
    import yaml

    from rmbase.io import atomic_write_text

    plain = {k: (str(v) if isinstance(v, Path) else v) for k, v in values.items()}
    atomic_write_text(path, yaml.safe_dump(plain, sort_keys=False))
    return Path(path)
