"""Matplotlib plumbing shared by every report figure: the Agg backend, a colour-blind-safe palette, literal text,
and saving one figure as PNG (200 dpi) + SVG while embedding it in a page.

matplotlib is imported inside the functions (never at module level), so importing rmbase.report stays light.
"""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

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

    renderer = fig.canvas.get_renderer()
    engine = fig.get_layout_engine()
    if engine is not None:  # lay the figure out first (constrained layout moves the axes); no need to draw it
        engine.execute(fig)
    to_pt = 72.0 / fig.dpi
    # the text's own box (Annotation.get_window_extent would include the leader line, and is slow), measured once:
    # a label moved by d points moves its box by d / to_pt pixels, so the boxes follow the moves arithmetically
    boxes = [Text.get_window_extent(a, renderer) for a in annotations]
    x0 = [b.x0 for b in boxes]
    x1 = [b.x1 for b in boxes]
    y0 = [b.y0 for b in boxes]
    y1 = [b.y1 for b in boxes]
    for _ in range(iterations):
        moved = False
        now0, now1 = list(y0), list(y1)  # the boxes as they were at the start of this pass
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                if x1[i] < x0[j] or x1[j] < x0[i] or now1[i] + pad_px < now0[j] or now1[j] + pad_px < now0[i]:
                    continue
                shift = (min(now1[i], now1[j]) - max(now0[i], now0[j]) + pad_px) / 2 * to_pt
                up, down = (i, j) if now0[i] >= now0[j] else (j, i)
                annotations[up].xyann = (annotations[up].xyann[0], annotations[up].xyann[1] + shift)
                annotations[down].xyann = (annotations[down].xyann[0], annotations[down].xyann[1] - shift)
                y0[up] += shift / to_pt
                y1[up] += shift / to_pt
                y0[down] -= shift / to_pt
                y1[down] -= shift / to_pt
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


def render_all(specs: list[FigureSpec], figdir: Path | None, n_jobs: int | None = None) -> list[Rendered]:
    """Every figure, in ``n_jobs`` forked worker processes when asked for (each figure is drawn and saved in one
    worker; the page gets the same SVG), else here."""
    import multiprocessing

    jobs = min(len(specs), (os.cpu_count() or 1) if n_jobs == -1 else (n_jobs or 1))
    if jobs < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [render(s, figdir) for s in specs]
    from rmbase.processes import worker_pool

    global _FORKED_SPECS
    pyplot()  # matplotlib imported once, here: the forked workers inherit it
    _FORKED_SPECS = specs  # read by the workers (a figure's draw() is a closure: it cannot be pickled)
    try:
        with worker_pool(jobs) as pool:
            futures = [pool.submit(_render_forked, i, figdir) for i in range(len(specs))]
            done = [f.result() for f in futures]
    finally:
        _FORKED_SPECS = []
    out = []
    for spec, (uri, w, h, files) in zip(specs, done, strict=True):
        spec.files = files
        out.append(Rendered(spec, uri, w, h))
    return out


_FORKED_SPECS: list[FigureSpec] = []


def _render_forked(i: int, figdir: Path | None) -> tuple[str, int, int, dict[str, str]]:
    r = render(_FORKED_SPECS[i], figdir)
    return r.data_uri, r.width_px, r.height_px, r.spec.files


def label_points(ax, xs, ys, names, idx, *, fontsize=6.5):
    """Name the points ``idx`` (thin leader lines); returns the labels, for :func:`declutter`."""
    return [ax.annotate(tex(names[i]), (xs[i], ys[i]), xytext=(4, 3), textcoords="offset points",
                        fontsize=fontsize, color="#222",
                        arrowprops={"arrowstyle": "-", "color": "#BBBBBB", "linewidth": 0.5, "shrinkA": 0,
                                    "shrinkB": 2}) for i in idx]


def fit(x, y, log: bool = False):
    """Least-squares line of y on x (on log10 x when ``log``); returns the fitted values at x."""
    u = np.log10(x) if log else np.asarray(x, float)
    if len(u) < 2 or np.ptp(u) == 0:
        return np.full(len(y), float(np.mean(y)))
    return np.poly1d(np.polyfit(u, y, 1))(u)


def fit_line(ax, x, y, log: bool = False, **kw):
    x = np.asarray(x, float)
    if len(x) >= 2 and np.ptp(x) > 0:
        order = np.argsort(x)
        ax.plot(x[order], fit(x, y, log)[order], color=GREY, linewidth=1.2, **kw)
