"""The terminal side of the reports: the console the commands print to, and the pieces the selection commands
share (the guidance for candidates that no table scores).

Renderers return rich renderables built only from escaped text: every user string either goes through
:func:`rmbase.escaping.terminal` before it meets markup, or is a plain :class:`rich.text.Text` (no markup at all).
The console does not replace ``:emoji:`` codes, so a model name is printed as typed. rich is imported lazily.
"""

from __future__ import annotations


def wide_console(**kwargs):
    """A rich console without highlighting or emoji codes; at least 160 columns wide when the output is not a
    terminal (pipes, files), so that tables are not folded."""
    from rich.console import Console

    con = Console(highlight=False, emoji=False, **kwargs)
    return con if con.is_terminal else Console(highlight=False, emoji=False, width=max(con.width, 160), **kwargs)


def markup(text: str):
    """A line of rich markup whose user strings were escaped by the caller (:func:`rmbase.escaping.terminal`)."""
    from rich.text import Text

    return Text.from_markup(text, emoji=False)


def plain(text: str):
    """A line printed exactly as given (no markup read in it)."""
    from rich.text import Text

    return Text(text)


def no_scores_lines(entries: list[dict]) -> list:
    """For each candidate that no table scores (``no_scores`` of recommend and plan): the two commands that score
    it, the time they take and what the prediction rests on without them."""
    if not entries:
        return []
    lines = [markup(f"[yellow]No benchmark scores anywhere for {len(entries)} candidate(s)[/] (not in the bundled "
                    "table nor in a given file):")]
    for g in entries:
        lines += [plain(f"  {g['model']}:"), plain("    1. " + g["commands"][0]), plain("    2. " + g["commands"][1]),
                  plain("    time: " + g["estimate_text"]),
                  plain("    without them the prediction would rest on " + g["without_scores"])]
    if len(entries) > 1:
        lines.append(plain("  " + entries[0]["several"]))
    return lines


def render_text(renderable, width: int = 160) -> str:
    """What ``renderable`` prints on a console ``width`` columns wide, as plain text (no colour codes)."""
    import io

    from rich.console import Console

    buf = io.StringIO()
    Console(file=buf, width=width, highlight=False, emoji=False, color_system=None).print(renderable)
    return buf.getvalue()
