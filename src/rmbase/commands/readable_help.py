"""Help a user reads: typer 0.29 prints a type column beside every parameter (``<list[str]>``, ``<path>``,
``<bool>``) and repeats an argument's ``...`` in the usage line (``[FILE...]...``). Here an argument with a metavar
(``FILE...``, ``DIR``) shows it once, as its name, and without brackets in the usage line when its config requires it
(``required_by_config``, set by :mod:`rmbase.commands.config_options`); a flag (``--help``, ``--dry-run``) shows no
type; the other parameters keep their metavar (``PATH``, ``INT``, ``a|b``). Only the rendering of the help changes.

Module-level imports: typer and the standard library only.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperArgument, TyperOption

_PATCHED = "_rmbase_readable_help"


def readable_help() -> None:
    """Apply the rules above to typer's parameter classes (once)."""
    if getattr(TyperArgument, _PATCHED, False):
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

    TyperArgument.display_type_rich = argument_display_type  # type: ignore[method-assign]
    TyperArgument._usage_display_name = argument_usage_name  # type: ignore[method-assign]
    TyperOption.display_type_rich = option_display_type  # type: ignore[method-assign]
    setattr(TyperArgument, _PATCHED, True)
