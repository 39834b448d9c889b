"""One escaping function per output kind. Every user string (model ids, file names, subset and stage names,
reasons that quote them) that reaches a terminal table, a Markdown file or an HTML page goes through the one for
its output; JSON needs none (the encoder escapes).

- :func:`terminal`: rich markup (``[red]``, ``[/]``) is printed as typed, never interpreted;
- :func:`markdown`: safe inside a Markdown table cell or paragraph (``|``, HTML, backticks, emphasis, links,
  newlines);
- :func:`html`: safe as HTML text or a quoted attribute value.
"""

from __future__ import annotations

import html as _html
import re
from typing import Any

_MD_SPECIAL = re.compile(r"([\\`*\[\]|])")
_NEWLINES = re.compile(r"[\r\n]+")


def terminal(value: Any) -> str:
    """For rich output (tables, titles, console.print with markup on)."""
    from rich.markup import escape

    return escape(str(value))


def markdown(value: Any) -> str:
    """For Markdown: HTML special characters as entities, Markdown punctuation backslash-escaped, line breaks as
    spaces (a table row is one line)."""
    text = _NEWLINES.sub(" ", str(value))
    text = _html.escape(text, quote=False)
    return _MD_SPECIAL.sub(r"\\\1", text)


def html(value: Any) -> str:
    """For HTML text and attribute values."""
    return _html.escape(str(value), quote=True)
