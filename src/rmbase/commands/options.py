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

Restart = Annotated[bool, typer.Option(
    "--restart", metavar=" ", help="Discard the work an interrupted run with other options left behind, and start afresh "
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
        if any(given(ctx, p) for p in params):
            out[key] = value
    return out


def config_file_meta(ctx: typer.Context) -> dict[str, Any] | None:
    """What the --config file of this command line set (its path and the parameters it gave), if one was read."""
    return ctx.meta.get(_FILE)


def given(ctx: typer.Context, param: str) -> bool:
    """Whether the user gave parameter ``param`` on the command line (not its default, nor a --config file's value)."""
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
    _refuse_bad_file_values(ctx)
    if config_file is None:
        merged = {k: v for k, v in values.items() if v is not None or k in passed}
    else:
        merged = {**_library_keys(ctx, cls, config_file), **_from_file(ctx, values, sources), **passed}
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


def _refuse_bad_file_values(ctx: typer.Context) -> None:
    """A --config file's value its option cannot take is refused, naming the file and the key, unless the option
    was given on the command line (which wins over the file)."""
    meta = ctx.meta.get(_FILE) or {}
    for name, text in meta.get("bad", {}).items():
        if not given(ctx, name):
            from rmbase.errors import InputError

            raise InputError(text, path=meta["path"])


def resolve_config(ctx: typer.Context, cls: Any, config_file: Path | None, values: Mapping[str, Any],
                   sources: Mapping[str, Iterable[str]] | None = None, flags: Mapping[str, str] | None = None) -> Any:
    """The command's config: see :func:`config_values` (``flags``: the option that sets a field when its name is
    not the field's, for messages); invalid values end in one ``InputError`` naming the field (and the file)."""
    merged = config_values(ctx, cls, config_file, values, sources, flags)
    from rmbase.errors import InputError

    try:
        return cls.build(_source=None if config_file is None else str(config_file), **merged)
    except InputError as exc:
        raise _named_by_option(exc, flags or {}) from None


def _named_by_option(exc: Any, flags: Mapping[str, str]) -> Any:
    """``exc`` (a config's "field: message") naming the option too when the option is not the field's name:
    ``--global-batch-size (key batch_size): must be at least 1, got 0``."""
    from rmbase.errors import InputError

    if exc.row is not None or exc.column is not None or exc.expected is not None:
        return exc
    text = str(exc)
    where = f"{exc.path}: " if exc.path is not None else ""
    text = text.removeprefix(where)
    field, sep, rest = text.partition(": ")
    if not sep or field.split(".")[0] not in flags:
        return exc
    key = field.split(".")[0]
    return InputError(f"{flags[key]} (key {field}): {rest}", path=exc.path)


# ------------------------------------------------------------------ the --config file (one mechanism)
_FILE = "rmbase.config_file"


def _file_keys(ctx: typer.Context, skip: str) -> dict[str, str]:
    """The keys a --config file may use for the command's own parameters: each parameter's name and its long
    option names with '_' (``json`` and ``json_out`` for ``--json``), mapped to the parameter's name."""
    keys: dict[str, str] = {}
    for p in ctx.command.params:
        if p.name == skip or p.name is None:
            continue
        keys[p.name] = p.name
        for opt in getattr(p, "opts", ()):
            if opt.startswith("--"):
                keys.setdefault(opt[2:].replace("-", "_"), p.name)
    return keys


def _read_config_file(ctx: typer.Context, param: Any, value: Path | None) -> Path | None:
    """Eager ``--config``: the file's keys that name the command's own options become those options' defaults (so
    that options given on the command line still win); the other keys are left for the command's config and
    checked against its fields by :func:`config_values` (an unknown key is refused there, naming the file)."""
    if value is None:
        return value
    import yaml

    from rmbase.errors import InputError

    try:
        data = yaml.safe_load(Path(value).read_text(encoding="utf-8")) or {}
    except IsADirectoryError as exc:
        raise InputError("is a folder, not a config file", path=str(value)) from exc
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read config: {exc}", path=str(value)) from exc
    keys = _file_keys(ctx, param.name)
    if not isinstance(data, dict):
        raise InputError("not a mapping of option: value", path=str(value),
                         expected=f"some of {', '.join(sorted(keys))}")
    params = {p.name: p for p in ctx.command.params}
    spec = getattr(ctx.command, "options_spec", None)  # options built from the config (commands.config_options)
    fields = set() if spec is None else set(spec.fields())
    own: dict[str, Any] = {}
    rest: dict[str, Any] = {}
    bad: dict[str, str] = {}
    for key, item in data.items():
        name = keys.get(str(key))
        if name is None or (isinstance(item, dict) and name == str(key) and name in fields):
            rest[str(key)] = item  # a mapping under a config field's own name is the field's value (study defaults)
            continue
        if name in own:
            raise InputError(f"key {key} sets the same option as another key", path=str(value))
        p = params[name]
        if isinstance(item, list) and not getattr(p, "multiple", False) and getattr(p, "nargs", 1) == 1:
            if any(isinstance(x, (list, dict)) for x in item):
                raise InputError(f"key {key}: expected one value or a list of plain values", path=str(value))
            item = ",".join(str(x) for x in item)  # comma-separated options (e.g. candidates) take a YAML list
        elif isinstance(item, dict):
            raise InputError(f"key {key}: expected a value, not a mapping", path=str(value))
        try:  # checked here, so that a bad value names the file and its key (not only the option)
            if hasattr(p, "get_runtime_param") and not isinstance(item, bool):
                p.get_runtime_param().coerce(item, param=p, ctx=ctx)  # typer's own conversion of the option
        except Exception as exc:  # noqa: BLE001 - click's BadParameter (typer ships its own click)
            text = getattr(exc, "message", None) or str(exc)
            bad[name] = f"key {key}: {text}"  # refused when the config is resolved, unless the option is given
            continue
        own[name] = item
    ctx.default_map = {**(ctx.default_map or {}), **own}
    ctx.meta[_FILE] = {"path": str(value), "options": set(own), "rest": rest, "keys": sorted(keys), "bad": bad}
    return value


def _library_keys(ctx: typer.Context, cls: Any, config_file: Path) -> dict[str, Any]:
    """The file's keys that are fields of ``cls`` and not the command's options; any other key is refused, naming
    the file and the key."""
    from rmbase.errors import InputError

    meta = ctx.meta.get(_FILE)
    if meta is None:  # resolved outside a command line (the file was not read by the option's callback)
        return cls.read_yaml(config_file)
    unknown = sorted(k for k in meta["rest"] if k not in cls.model_fields)
    if unknown:
        raise InputError(f"unknown key(s) {', '.join(unknown)}", path=meta["path"],
                         expected="some of this command's options (" + ", ".join(meta["keys"]) + ") or its "
                         "config's fields (" + ", ".join(cls.model_fields) + ")")
    return dict(meta["rest"])


def _from_file(ctx: typer.Context, values: Mapping[str, Any],
               sources: Mapping[str, Iterable[str]] | None) -> dict[str, Any]:
    """The config values whose options the --config file set (their option's value is the file's)."""
    meta = ctx.meta.get(_FILE)
    if meta is None:
        return {}
    sources = sources or {}
    return {k: v for k, v in values.items() if any(p in meta["options"] for p in sources.get(k, (k,)))}


_CONFIG_HELP = ("YAML config of this command: its options (keys: the option names with '_', e.g. json_out or json) "
                "and its config's fields; options given on the command line override it. A command that writes output "
                "writes its resolved config beside it, which reruns it.")

ConfigFile = Annotated[Path | None, typer.Option("--config", is_eager=True, callback=_read_config_file,
                                                 metavar="FILE", help=_CONFIG_HELP)]
