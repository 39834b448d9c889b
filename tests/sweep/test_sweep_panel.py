"""Issue 20, signs of life: the sweep's live panel, drawn on a captured console (no Ray): the clock moves between
Tune events, running cells sit in their own table under their own headers, the ETA uses how long each running cell
has run; off a terminal the panel is plain lines."""

from __future__ import annotations

import io

from rich.console import Console

from rmbase.sweep.display import PanelState, eta_seconds, render_panel, status_line


def _draw(state, now):
    out = io.StringIO()
    Console(file=out, width=140, color_system=None).print(render_panel(state, now=now))
    return out.getvalue()


def _state():
    state = PanelState(total=6, already_done=1, concurrency=2, t0=1000.0)
    state.durations = [600.0]
    state.counts["done"] = 1
    state.started = {"a__bt__lr1e-05__s0": 1500.0, "b__bt__lr1e-05__s0": 1590.0}
    state.last = {"a__bt__lr1e-05__s0": {"step": 3, "val_accuracy": 0.708}}
    return state


def test_the_clock_moves_without_events():
    state = _state()
    assert "10m00s" in _draw(state, 1600.0) and "20m00s" in _draw(state, 2200.0)


def test_running_cells_have_their_own_headers():
    text = _draw(_state(), 1600.0)
    summary, running = text.split("running cells")
    assert "a__bt" not in summary and "val" not in summary  # nothing drawn under the summary's columns
    header = next(line for line in running.splitlines() if "cell" in line and "step" in line)
    assert "val acc" in header and "running for" in header
    row = next(line for line in running.splitlines() if "a__bt__lr1e-05__s0" in line)
    assert "3" in row and "0.708" in row and "1m40s" in row
    assert "—" in next(line for line in running.splitlines() if "b__bt__lr1e-05__s0" in line)  # no result yet


def test_eta_counts_what_running_cells_have_done():
    # mean cell 600 s; 3 pending; running since 500 s and 10 s: (3*600 + 100 + 590) / 2
    assert eta_seconds([600.0], 5, 2, 2, [500.0, 10.0]) == (3 * 600 + 100 + 590) / 2
    # near the end a long-running cell is not counted as half a cell still to go
    assert eta_seconds([600.0], 1, 1, 2, [590.0]) == 5.0


def test_plain_line_off_a_terminal():
    line = status_line(_state(), now=1600.0)
    assert line.startswith("sweep 10m00s: 2/6 done, 2 running, 0 failed, 0 stopped, 2 pending, ETA")
