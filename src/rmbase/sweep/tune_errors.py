"""Ray Tune's own report of a failed trial (its traceback) goes to the store, not to the user's terminal.

A failed cell is already recorded where the user looks for it: its traceback in ``cells/<cell>/errors/``, its last
error line in ``rmbase sweep status``, and one ``failed: CELL: ...`` line from ``rmbase sweep run`` (exit 1). Tune
also logs each failure with the whole traceback ("Trial task failed for trial ...") and a closing "Trials did not
complete" list; while a sweep runs those records are appended to ``STORE/tune/errors.log`` instead (so a failure the
cell could not record itself, such as a lost worker, is still kept), and every other Tune message is left alone.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

# the loggers and the opening words of Tune's failure reports (ray.tune.execution.tune_controller, ray.tune.tune)
TUNE_FAILURE_LOGGERS = ("ray.tune.execution.tune_controller", "ray.tune.tune")
TUNE_FAILURE_MESSAGES = ("Trial task failed", "Trials did not complete")


class TrialFailuresToFile(logging.Filter):
    """A logging filter: Tune's failure reports are written to ``path`` and not passed on; others pass."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = Path(path)
        self.kept = 0
        self._format = logging.Formatter("%(asctime)s %(name)s %(levelname)s: %(message)s")

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith(TUNE_FAILURE_MESSAGES):
            return True
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(self._format.format(record) + "\n")
        except OSError:
            return True  # cannot keep it in the store: show it rather than lose it
        self.kept += 1
        return False


@contextlib.contextmanager
def tune_failures_to(path: Path) -> Iterator[TrialFailuresToFile]:
    """While the block runs, Tune's failure reports go to ``path`` (see the module's docstring)."""
    keep = TrialFailuresToFile(path)
    loggers = [logging.getLogger(name) for name in TUNE_FAILURE_LOGGERS]
    for logger in loggers:
        logger.addFilter(keep)
    try:
        yield keep
    finally:
        for logger in loggers:
            logger.removeFilter(keep)
