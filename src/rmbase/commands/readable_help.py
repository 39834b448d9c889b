"""Help a user reads: typer 0.29 prints a type column beside every parameter (``<list[str]>``, ``<path>``,
``<bool>``) and repeats an argument's ``...`` in the usage line (``[FILE...]...``). Here an argument with a metavar
(``FILE...``, ``DIR``) shows it once, as its name, and without brackets in the usage line when its config requires it
(``required_by_config``, set by :mod:`rmbase.commands.config_options`); a flag (``--help``, ``--dry-run``) shows no
type; the other parameters keep their metavar (``PATH``, ``INT``, ``a|b``). A flag with an ``--no-x`` form shows
both in the option's own column (``--lora / --no-lora``, on two lines when that is wider than the panel's other
options), not in a column of its own as wide as the longest ``--no-x``. Only the rendering of the help changes.

Module-level imports: typer and the standard library only.
"""

from __future__ import annotations

import copy
from typing import Any

from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

_PATCHED = "_rmbase_readable_help"
_ONE_LINE = 24  # a flag's "--x / --no-x" fits on one line up to this width (or the panel's widest option)


def readable_help() -> None:
    """Apply the rules above to typer's parameter classes (once)."""
    if getattr(TyperArgument, _PATCHED, False):
        return
    needed = ((TyperArgument, "display_type_rich"), (TyperArgument, "_usage_display_name"),
              (TyperOption, "display_type_rich"))
    if not all(hasattr(cls, name) for cls, name in needed):  # another typer: its own help, unchanged (still correct)
        return
    argument_type = TyperArgument.display_type_rich
    argument_usage = TyperArgument._usage_display_name
    option_type = TyperOption.display_type_rich

    def argument_display_type(self: TyperArgument, ctx: Any) -> str | None:
        return None if self.metavar is not None else argument_type(self, ctx)

    def argument_usage_name(self: TyperArgument) -> str:
        if getattr(self, "required_by_config", False):  # e.g. STORE, not [STORE] (set by commands.config_options)
            return self.display_name_raw + ("" if self.nargs == 1 or self.display_name_raw.endswith("...") else "...")
        name = argument_usage(self)
        return name.removesuffix("...") if self.metavar is not None and self.metavar.endswith("...") else name

    def option_display_type(self: TyperOption, ctx: Any) -> str | None:
        return None if self.is_flag and self.metavar is None else option_type(self, ctx)

    for cls in (TyperCommand, TyperGroup):  # typer's rich help module is imported only when a help is printed
        cls.format_help = _with_compact_flags(cls.format_help)  # type: ignore[method-assign]
    TyperArgument.display_type_rich = argument_display_type  # type: ignore[method-assign]
    TyperArgument._usage_display_name = argument_usage_name  # type: ignore[method-assign]
    TyperOption.display_type_rich = option_display_type  # type: ignore[method-assign]
    setattr(TyperArgument, _PATCHED, True)


def _with_compact_flags(format_help: Any) -> Any:
    def formatted(self: Any, ctx: Any, formatter: Any) -> Any:
        from typer import rich_utils

        print_panel = getattr(rich_utils, "_print_options_panel", None)
        if print_panel is not None and not getattr(rich_utils, _PATCHED, False):

            def print_options_panel(*, params: list[Any], **kwargs: Any) -> None:
                print_panel(params=compact_flags(params), **kwargs)

            rich_utils._print_options_panel = print_options_panel
            setattr(rich_utils, _PATCHED, True)
        return format_help(self, ctx, formatter)

    return formatted


def compact_flags(params: list[Any]) -> list[Any]:
    """``params`` as shown: a flag with a ``--no-x`` form (a copy of it) carries both forms in its first column."""
    def paired(p: Any) -> bool:
        return isinstance(p, TyperOption) and p.is_flag and bool(p.opts) and bool(p.secondary_opts)

    widest = max([_ONE_LINE, *(len(", ".join(p.opts)) for p in params if not paired(p))])
    out = []
    for p in params:
        if paired(p):
            first, second = ", ".join(p.opts), ", ".join(p.secondary_opts)
            shown = copy.copy(p)
            one_line = f"{first} / {second}"
            shown.opts = [one_line if len(one_line) <= widest else f"{first} /\n{second}"]
            shown.secondary_opts = []
            p = shown
        out.append(p)
    return out
