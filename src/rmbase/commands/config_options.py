"""A command's options built from its library config (pydantic ``model_fields``), as TRL's ``HfArgumentParser``
builds its parser from its config dataclasses: the field's type gives the option's type and metavar (``TEXT``,
``PATH``, ``INT``, ``NUMBER``, ``drop|left`` for a ``Literal``, ``TEXT...`` for a list: comma-separated or repeated),
its default the shown default, its ``Field(description=...)`` the help, and a required field is marked
``[required]``. Every built option defaults to ``None``, so that a value the user did not give comes from the
config (or from the ``--config`` file), never from a copy in the command.

The options are built when the command is used (its ``--help`` or a run), not when ``rmbase`` starts: the command
class (:meth:`ConfigOptions.command`, :meth:`ConfigOptions.group`) adds them to the options typer built from the
command function's own signature (``--restart``, ``--config``...) on first use, so ``rmbase --help`` imports no
config module (pydantic, and the rooms' imports behind them). The command function reads the config with
:meth:`ConfigOptions.resolve` (``--config FILE`` semantics of :func:`rmbase.commands.options.resolve_config`).

Module-level imports: typer and the standard library only.
"""

from __future__ import annotations

import importlib
import inspect
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

import typer
from typer.core import TyperCommand, TyperGroup

from rmbase.commands.options import renamed, resolve_config

_VALUES = "rmbase.config_options"  # ctx.meta key: the built options' values, taken out of typer's callback kwargs
_METAVARS = {str: "TEXT", Path: "PATH", int: "INT", float: "NUMBER"}
INPUTS = "Inputs and output"  # help panels every command shares (``panels``), first and last
ADVANCED = "Advanced"
OTHER = "Other options"  # the options no panel names (--restart, --config, --help), last


@dataclass(frozen=True)
class Alias:
    """A deprecated spelling of a field's option, kept for one release (hidden; a note on stderr when used; refused
    together with the new spelling). ``values`` maps its old values to the new ones (``truncate`` -> ``left``)."""

    option: str
    values: Mapping[str, str] = field(default_factory=dict)

    @property
    def param(self) -> str:
        return "old_" + self.option.lstrip("-").replace("-", "_")


@dataclass(frozen=True)
class Parsed:
    """An option whose text is parsed by the command (a field of a type without a plain option, e.g. a range):
    ``parse(text, option)`` gives the field's value; ``metavar`` and ``default`` are shown in the help. ``many``: a
    repeatable option (``parse`` gets the list of its values)."""

    parse: Callable[[Any, str], Any]
    metavar: str
    default: str | None = None
    many: bool = False


@dataclass(frozen=True)
class ConfigOptions:
    """How a command's options follow its config ``config`` (``"module:Class"``, imported on first use; or the class).

    ``names``: field -> option when the option is not ``--field-name`` (``{"base": "--model"}``); ``exclude``: fields
    with no option (set in a ``--config`` file, or by the command's own options); ``hidden``: options left out of the
    help; ``aliases``: field -> deprecated spelling(s); ``metavars``: field -> metavar (``{"out": "PATH"}`` for a path
    kept as text); ``parsed``: field -> :class:`Parsed`; ``choices``: field -> {choice shown: the config's value} when
    the option's choices are not the config's (``{"left": "truncate"}``); ``arguments``: fields taken as positional
    arguments; ``panels``: help panel -> the options shown in it (config fields or the command's own parameters, by
    name), in that order: the main ones first (:data:`INPUTS`), :data:`ADVANCED` last; the options no panel names
    come after them, in :data:`OTHER`."""

    config: str | type
    names: Mapping[str, str] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()
    aliases: Mapping[str, Alias | tuple[Alias, ...]] = field(default_factory=dict)
    metavars: Mapping[str, str] = field(default_factory=dict)
    parsed: Mapping[str, Parsed] = field(default_factory=dict)
    choices: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    arguments: tuple[str, ...] = ()
    panels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    # ------------------------------------------------------------------ reading the config
    def config_class(self) -> Any:
        if not isinstance(self.config, str):
            return self.config
        module, _, name = self.config.partition(":")
        return getattr(importlib.import_module(module), name)

    def fields(self) -> dict[str, Any]:
        """The config's fields that have an option (or argument), in the config's order."""
        return {k: f for k, f in self.config_class().model_fields.items() if k not in self.exclude}

    def option(self, name: str) -> str:
        """The option that sets field ``name``."""
        if name in self.arguments:
            return name.upper()
        return self.names.get(name, "--" + name.replace("_", "-"))

    def aliases_of(self, name: str) -> tuple[Alias, ...]:
        a = self.aliases.get(name, ())
        return (a,) if isinstance(a, Alias) else tuple(a)

    # ------------------------------------------------------------------ building the parameters
    def parameters(self) -> list[inspect.Parameter]:
        """The typer parameters of the config's fields (and their deprecated spellings), each defaulting to None."""
        out = []
        for name, info in self.fields().items():
            annotation, option = self._option(name, info)
            out.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None,
                                         annotation=Annotated[annotation, option]))
            for alias in self.aliases_of(name):
                plain = alias.values or name in self.choices  # old values: mapped and checked on use
                base = str | None if plain else annotation
                out.append(inspect.Parameter(alias.param, inspect.Parameter.KEYWORD_ONLY, default=None,
                                             annotation=Annotated[base, typer.Option(
                                                 alias.option, hidden=True, help=f"Deprecated: {self.option(name)}.")]))
        return out

    def _option(self, name: str, info: Any) -> tuple[Any, Any]:
        if name in self.parsed:
            kind, inner, metavar = "list" if self.parsed[name].many else "parsed", str, self.parsed[name].metavar
        elif name in self.choices:  # checked on use: the config's own values are accepted too (a --config file)
            kind, inner, metavar = "value", str, "|".join(self.choices[name])
        else:
            try:
                kind, inner, metavar = _kind(info.annotation)
            except TypeError as exc:
                raise TypeError(f"field {name}: {exc}") from None
        metavar = self.metavars.get(name, metavar)
        shown = self.parsed[name].default if name in self.parsed else None
        if name in self.choices and info.get_default() in self.choices[name].values():
            shown = next(k for k, v in self.choices[name].items() if v == info.get_default())
        help_text = _help(info, shown)
        hidden = name in self.hidden
        if name in self.arguments:  # a list field: any number of values (FILE...), taken as they are
            annotation = list[str] | None if kind == "list" else inner | None
            return annotation, typer.Argument(metavar=metavar, help=help_text, show_default=False, hidden=hidden)
        option = self.option(name)
        if kind == "flag":
            decl = f"{option}/--no-{option[2:]}"
            return bool | None, typer.Option(decl, metavar=" ", help=help_text, show_default=False, hidden=hidden)
        # a Literal's value is checked on use (_convert), so that a bad one is one rmbase error like any other
        annotation = list[str] | None if kind == "list" else str | None if kind == "choice" else inner | None
        return annotation, typer.Option(option, metavar=metavar, help=help_text, show_default=False, hidden=hidden)

    def command(self) -> type[TyperCommand]:
        """The class for ``app.command(name, cls=...)``: a typer command that adds the config's options on use."""
        return type("ConfigCommand", (_ConfigParams, TyperCommand), {"options_spec": self})

    def group(self) -> type[TyperGroup]:
        """The class for ``typer.Typer(cls=...)`` of a group whose callback runs the config's command."""
        return type("ConfigGroup", (_ConfigParams, TyperGroup), {"options_spec": self})

    # ------------------------------------------------------------------ reading the values
    def values(self, ctx: typer.Context) -> dict[str, Any]:
        """The fields' values from the command line (None: not given), deprecated spellings merged in."""
        raw = ctx.meta.get(_VALUES)
        if raw is None:  # a context that was parsed but not invoked (tests)
            raw = ctx.params
        out = {}
        for name, info in self.fields().items():
            value = raw.get(name)
            for alias in self.aliases_of(name):
                old = raw.get(alias.param)
                if old is not None and (alias.values or name in self.choices):
                    old = _old_value(alias, old, info.annotation)
                value = renamed(value, old, new=self.option(name), old=alias.option)
            try:
                out[name] = self._convert(name, info, value)
            except ValueError as exc:  # an InputError: from a --config file, it names the file and the key
                raise _in_file(ctx, name, self.sources()[name], exc) from exc
        return out

    def _convert(self, name: str, info: Any, value: Any) -> Any:
        if value is None or value == ():  # () : a repeatable option not given
            return None
        if name in self.parsed:
            parsed = self.parsed[name]
            return parsed.parse(list(value) if parsed.many else value, self.option(name))
        if name in self.choices:
            choices = self.choices[name]
            if value in choices:
                return choices[value]
            if value not in choices.values():
                from rmbase.errors import InputError

                raise InputError(f"{self.option(name)}: {value!r} is not one of {', '.join(map(repr, choices))}",
                                 expected="|".join(choices))
            return value  # the config's own value (its key in a --config file, or an old spelling's)
        kind, inner, metavar = _kind(info.annotation)
        if kind == "choice":
            allowed = {str(a): a for a in get_args(inner)}
            if str(value) not in allowed:
                from rmbase.errors import InputError

                raise InputError(f"{self.option(name)}: {value!r} is not one of {', '.join(map(repr, allowed))}",
                                 expected=metavar)
            return allowed[str(value)]
        if kind != "list":
            return value
        if name in self.arguments:  # positional values are not comma-separated (a file name may hold a comma)
            return [_element(str(x), inner, self.option(name)) for x in value]
        items = [part.strip() for item in value for part in str(item).split(",")]
        return [_element(x, inner, self.option(name)) for x in items if x]

    def sources(self) -> dict[str, tuple[str, ...]]:
        """Field -> the parameters that set it (its option and its deprecated spellings)."""
        return {name: (name, *(a.param for a in self.aliases_of(name))) for name in self.fields()}

    def resolve(self, ctx: typer.Context, config_file: Path | None, extra: Mapping[str, Any] | None = None,
                extra_sources: Mapping[str, Iterable[str]] | None = None) -> Any:
        """The command's config: the options' values (and ``extra``, values the command's own options set, with
        ``extra_sources`` naming those options) resolved against ``config_file`` as
        :func:`~rmbase.commands.options.resolve_config` does."""
        values = self.values(ctx)
        sources: dict[str, tuple[str, ...]] = dict(self.sources())
        for key, value in (extra or {}).items():
            if value is not None:
                values[key] = value
        for key, params in (extra_sources or {}).items():
            sources[key] = (*sources.get(key, ()), *params)
        flags = {name: self.option(name) for name in self.fields()
                 if name not in self.arguments and self.option(name) != "--" + name.replace("_", "-")}
        return resolve_config(ctx, self.config_class(), config_file, values, sources, flags)


class _ConfigParams:
    """Mixin of a typer command/group: the config's options come before the function's own, built on first use."""

    options_spec: ConfigOptions

    @property
    def params(self) -> list[Any]:
        params = self.__dict__.get("_params")
        if params is None:  # one list, kept: click appends its --help option to it and pops it again
            built = self.__dict__["_config_params"] = _typer_params(self.options_spec.parameters())
            fields = self.options_spec.fields()
            for p in built:  # optional for typer (a --config file may give it), required by the config: the usage
                p.required_by_config = p.name in fields and fields[p.name].is_required()  # line shows it as such
            params = [*built, *self.__dict__.get("_own_params", [])]
            params = self.__dict__["_params"] = _in_panels(params, self.options_spec.panels)
        return params

    @params.setter
    def params(self, value: list[Any]) -> None:
        self.__dict__["_own_params"] = list(value)
        self.__dict__.pop("_params", None)

    def get_help_option(self, ctx: typer.Context) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.rich_help_panel = OTHER
        return option

    def invoke(self, ctx: typer.Context) -> Any:
        names = {p.name for p in self.__dict__.get("_config_params") or ()}
        ctx.meta[_VALUES] = {name: ctx.params.pop(name) for name in list(ctx.params) if name in names}
        return super().invoke(ctx)  # type: ignore[misc]


def _in_panels(params: list[Any], panels: Mapping[str, tuple[str, ...]]) -> list[Any]:
    """``params`` with each option in its help panel (``rich_help_panel``), the options ordered as the panels list
    them; the arguments keep their order (first, as typer shows them)."""
    titles = list(panels)
    place = {name: (i, j) for i, names in enumerate(panels.values()) for j, name in enumerate(names)}
    keys = []
    for k, p in enumerate(params):
        if getattr(p, "param_type_name", "") != "option":
            keys.append((-1, k))
            continue
        if p.name in place:
            p.rich_help_panel = titles[place[p.name][0]]
        elif not getattr(p, "rich_help_panel", None):
            p.rich_help_panel = OTHER
        own = titles.index(p.rich_help_panel) if p.rich_help_panel in titles else len(titles)
        keys.append(place.get(p.name, (own, len(params) + k)))
    return [p for _, p in sorted(zip(keys, params, strict=True), key=lambda item: item[0])]


def _typer_params(parameters: list[inspect.Parameter]) -> list[Any]:
    """typer's own parameters (types, conversion, help) of a signature, as it builds them for a command function."""
    from typer.main import _get_params_name_from_function

    def options() -> None: ...

    options.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    options.__annotations__ = {p.name: p.annotation for p in parameters}
    params, _ = _get_params_name_from_function(options)
    return params


def _in_file(ctx: typer.Context, name: str, params: tuple[str, ...], exc: ValueError) -> ValueError:
    """``exc`` naming the --config file and its key when the value came from that file (not the command line)."""
    from rmbase.commands.options import config_file_meta, given
    from rmbase.errors import InputError

    meta = config_file_meta(ctx)
    if meta is None or any(given(ctx, p) for p in params) or not any(p in meta["options"] for p in params):
        return exc
    return InputError(f"key {name}: {exc}", path=meta["path"])


def _kind(annotation: Any) -> tuple[str, Any, str]:
    """(kind, inner type, metavar) of a field's annotation: kind is value, flag, choice or list."""
    args = get_args(annotation)
    if get_origin(annotation) is Annotated:  # a shared range type (rmbase.config_types.PositiveInt)
        return _kind(args[0])
    if get_origin(annotation) in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            return _kind(rest[0])
    if annotation is bool:
        return "flag", bool, ""
    if get_origin(annotation) is Literal:
        return "choice", annotation, "|".join(str(a) for a in args)
    if (get_origin(annotation) is list and args) or (get_origin(annotation) is tuple and args[1:] == (Ellipsis,)):
        return "list", args[0], _METAVARS.get(args[0], "TEXT") + "..."
    if annotation in _METAVARS:
        return "value", annotation, _METAVARS[annotation]
    raise TypeError(f"no option for a field of type {annotation!r}: exclude it or give a Parsed")


def _help(info: Any, shown: str | None) -> str:
    """The option's help: the field's description, ``[required]`` or the config's default (rich markup escaped)."""
    from rmbase.escaping import terminal as escape

    text = escape((info.description or "").strip())
    from rmbase.config_types import range_text

    bounds = range_text(info)
    if bounds:
        text = f"{text} \\[{bounds}]".strip()
    if info.is_required():
        return f"{text} \\[required]".strip()
    if shown is None:
        default = info.get_default(call_default_factory=True)
        if default is None:
            return text
        shown = _shown(default)
    return f"{text} \\[default: {escape(shown)}]".strip()


def _shown(default: Any) -> str:
    if isinstance(default, bool):
        return "yes" if default else "no"
    if isinstance(default, list | tuple):
        return ",".join(_shown(x) for x in default) or "none"
    if isinstance(default, dict):
        return ",".join(f"{k}={_shown(v)}" for k, v in default.items()) or "none"
    if isinstance(default, float):
        return f"{default:g}"
    return str(default)


def _element(text: str, inner: Any, option: str) -> Any:
    if inner in (int, float):
        try:
            return inner(text)
        except ValueError:
            from rmbase.errors import InputError

            raise InputError(f"{option}: {text!r} is not {'an integer' if inner is int else 'a number'}",
                             expected=f"comma-separated {'integers' if inner is int else 'numbers'}") from None
    return Path(text) if inner is Path else text


def _old_value(alias: Alias, value: str, annotation: Any) -> str:
    """The new value of a deprecated spelling's old value (``truncate`` -> ``left``); other values are checked
    against the field's choices."""
    if value in alias.values:
        return alias.values[value]
    _, inner, metavar = _kind(annotation)
    allowed = [*alias.values, *(a for a in get_args(inner) if a not in alias.values.values())]
    if value not in get_args(inner):
        from rmbase.errors import InputError

        raise InputError(f"{alias.option}: {value!r} is not one of {', '.join(map(repr, allowed))}",
                         expected=metavar)
    return value
