"""The errors the lock-lifecycle services raise, on top of ``planner.errors``.

Every message is Swedish and names what was wrong and what would be accepted; the CLI and the app
print ``str(error)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from planner.errors import ImportRowError, PlannerError


class UnknownRecord(PlannerError):
    """A consent, job, lock, key, member of staff or fault that does not exist."""


class DocumentRefused(PlannerError):
    """A scanned consent form that is not a PDF, JPEG or PNG, is empty, or is too large."""


class InvalidValue(PlannerError):
    """A value given to a service that the rules do not accept (an empty reason, a bad date …)."""


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong with one row (or the whole file, when ``row`` is None) of a file."""

    file: str
    row: int | None  # the line number in the file, header = 1, as a spreadsheet shows it
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"rad {self.row}")
        if self.column:
            where.append(f"kolumn {self.column!r}")
        return ", ".join(where) + f": {self.message}"


class FileRejected(ImportRowError):
    """A file refused as a whole: nothing of it was stored. ``problems`` lists every bad row."""

    def __init__(self, file: str, problems: Sequence[RowProblem]) -> None:
        self.file = file
        self.problems = tuple(problems)
        count = len(self.problems)
        first = str(self.problems[0]) if self.problems else ""
        msg = (
            f"{file} avvisades i sin helhet ({count} fel); inget sparades. "
            f"Rätta filen och läs in den igen. Första felet: {first}"
        )
        super().__init__(msg)
