"""Matplotlib plumbing shared by every report figure: the Agg backend, a colour-blind-safe palette, literal text,
and saving one figure as PNG (200 dpi) + SVG while embedding it in a page.

matplotlib is imported inside the functions (never at module level), so importing rmbase.report stays light.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# Okabe & Ito (2008), ordered so that the first colours differ most for every kind of colour vision; the yellow is
# last (weak on white)
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#000000", "#F0E442")
LINESTYLES = ("-", "--", "-.", ":")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
GREY = "#8C8C8C"
DPI = 200
PAGE_SCALE = 1.35  # figures are drawn at print size in inches; on screen they are shown this much larger


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def style(i: int) -> dict:
    """Colour, line style and marker of the i-th series: series stay apart in grey print too."""
    return {"color": colour(i), "linestyle": LINESTYLES[(i // len(PALETTE) + i) % len(LINESTYLES)],
            "marker": MARKERS[i % len(MARKERS)]}


def tex(text) -> str:
    """A user string as literal matplotlib text: ``$`` would start mathtext, so it is escaped."""
    return str(text).replace("$", r"\$")


def pyplot():
    """matplotlib.pyplot on the Agg backend with the report's style (deterministic SVG output)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({
        "figure.dpi": 100, "savefig.dpi": DPI, "font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9,
        "legend.fontsize": 7.5, "xtick.labelsize": 8, "ytick.labelsize": 8, "axes.spines.top": False,
        "axes.spines.right": False, "axes.prop_cycle": matplotlib.cycler(color=list(PALETTE)),
        "svg.fonttype": "path", "svg.hashsalt": "rmbase", "figure.constrained_layout.use": True,
        "axes.grid": True, "grid.color": "#E5E5E5", "grid.linewidth": 0.6, "axes.axisbelow": True,
        "text.usetex": False,
    })
    return plt


def declutter(fig, annotations, *, iterations: int = 60, pad_px: float = 1.5) -> None:
    """Push overlapping labels (annotations placed with ``textcoords="offset points"``) apart vertically, so that
    every name stays readable; the labels keep pointing at their points."""
    if len(annotations) < 2:
        return
    from matplotlib.text import Text

    fig.draw_without_rendering()  # lay the figure out first (constrained layout moves the axes)
    renderer = fig.canvas.get_renderer()
    to_pt = 72.0 / fig.dpi
    for _ in range(iterations):
        # the text's own box (Annotation.get_window_extent would include the leader line, and is slow)
        boxes = [Text.get_window_extent(a, renderer) for a in annotations]
        moved = False
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                a, b = boxes[i], boxes[j]
                if a.x1 < b.x0 or b.x1 < a.x0 or a.y1 + pad_px < b.y0 or b.y1 + pad_px < a.y0:
                    continue
                shift = (min(a.y1, b.y1) - max(a.y0, b.y0) + pad_px) / 2 * to_pt
                up, down = (annotations[i], annotations[j]) if a.y0 >= b.y0 else (annotations[j], annotations[i])
                up.xyann = (up.xyann[0], up.xyann[1] + shift)
                down.xyann = (down.xyann[0], down.xyann[1] - shift)
                moved = True
        if not moved:
            return


@dataclass
class FigureSpec:
    """One figure of a report: ``draw()`` returns a matplotlib Figure; the rest is what the page says about it."""
    name: str          # file stem under figures/ (a fixed identifier, never user text)
    title: str
    caption: str       # what it shows
    key: str           # the study.json key(s) its numbers come from
    alt: str           # alt text: what a reader who cannot see it needs to know
    draw: Callable[[], object]
    section: str = "figures"
    source: str = "study.json"  # where ``key`` lives
    files: dict[str, str] = field(default_factory=dict)


@dataclass
class Rendered:
    spec: FigureSpec
    data_uri: str      # the SVG, base64, embedded in the page
    width_px: int
    height_px: int


def render(spec: FigureSpec, figdir: Path | None) -> Rendered:
    """Draw the figure, save figdir/NAME.png (200 dpi) and NAME.svg when figdir is given, and return the SVG for
    the page."""
    plt = pyplot()
    fig = spec.draw()
    try:
        svg = io.BytesIO()
        fig.savefig(svg, format="svg", metadata={"Date": None})
        fig.set_layout_engine("none")  # laid out by the first save: the PNG keeps that layout (and its time)
        if figdir is not None:
            figdir.mkdir(parents=True, exist_ok=True)
            fig.savefig(figdir / f"{spec.name}.png", format="png", dpi=DPI, metadata={"Software": None})
            (figdir / f"{spec.name}.svg").write_bytes(svg.getvalue())
            spec.files = {"png": f"figures/{spec.name}.png", "svg": f"figures/{spec.name}.svg"}
        w, h = fig.get_size_inches()
    finally:
        plt.close(fig)
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg.getvalue()).decode("ascii")
    return Rendered(spec, uri, int(w * 96 * PAGE_SCALE), int(h * 96 * PAGE_SCALE))


def render_all(specs: list[FigureSpec], figdir: Path | None) -> list[Rendered]:
    return [render(s, figdir) for s in specs]
