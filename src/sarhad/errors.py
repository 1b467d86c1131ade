"""Errors that reach the user as one clear line (or a list of clear lines), never a traceback."""

from __future__ import annotations

from dataclasses import dataclass


class SarhadError(Exception):
    """Bad input or an impossible request.

    The CLI prints ``str(err)`` and exits with ``exit_code``."""

    exit_code: int = 2


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file: where it is, which field, and what was expected."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" [{self.field}]" if self.field else ""
        return f"{where}:{field} {self.message}"


class ValidationFailed(SarhadError):
    """Raised with every problem found at once, so a user can fix a file in one pass."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} found:"
        super().__init__("\n".join([head, *(f"  {p}" for p in self.problems)]))
