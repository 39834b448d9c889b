"""Errors a user can cause. The CLI turns :class:`InputError` into one clear message and exit code 2."""

from __future__ import annotations

EXIT_BAD_INPUT = 2


class InputError(ValueError):
    """Bad input from the user: a file, row or column that cannot be used.

    The message names what was wrong and where (file, row, column) and what was expected.
    """

    def __init__(self, message: str, *, path: str | None = None, row: int | None = None,
                 column: str | None = None, expected: str | None = None):
        self.path, self.row, self.column, self.expected = path, row, column, expected
        where = []
        if path is not None:
            where.append(str(path))
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        text = (": ".join([", ".join(where), message]) if where else message)
        if expected:
            text += f" (expected {expected})"
        super().__init__(text)


class TrainingDiverged(InputError):
    """Training produced a non-finite loss or gradient: the run stops before a NaN model is saved. Raised as an
    input error (one message, exit code 2) because the remedy is in the user's hands: the learning rate, the
    precision or the data."""
