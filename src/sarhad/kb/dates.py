"""Dates with a precision: the source often says "early November" or "in 2021", never a day.

A :class:`FuzzyDate` is a closed interval ``[earliest, latest]`` of calendar days together with
the precision it was written with:

=============  ======================  =====================================
written as     precision               interval
=============  ======================  =====================================
``2021-11-09`` ``day``                 that day
``2021-11``    ``month``               1 to 30 November 2021
``2021``       ``year``                1 January to 31 December 2021
``2021-11-01/2021-11-10``  ``range``   the days between, both included
``null``       ``open``                unbounded (no start known / not ended)
=============  ======================  =====================================

As-of semantics (used by every query): a relation *counts* as of day D when it may have started
by D and has not certainly ended by D::

    start.earliest <= D  and  (end is open  or  D < end.latest)

and it holds *for certain* when ``start.latest <= D`` and ``(end is open or D < end.earliest)``.
So the JSON fields ``start`` (= earliest start) and ``end`` (= latest end) reproduce the rule as
``start <= D < end`` for any script that reads them.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import ClassVar, Literal

Precision = Literal["day", "month", "year", "range", "open"]

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")
_YEAR = re.compile(r"^\d{4}$")


class DateFormatError(ValueError):
    """A date that is not one of the accepted forms."""


EXPECTED_DATE_FORMS = "YYYY-MM-DD, YYYY-MM, YYYY, 'FROM/TO' with two of those, or null for open"


def _parse_point(text: str) -> tuple[dt.date, dt.date, Precision]:
    try:
        if _DAY.match(text):
            d = dt.date.fromisoformat(text)
            return d, d, "day"
        if _MONTH.match(text):
            y, m = int(text[:4]), int(text[5:7])
            last = calendar.monthrange(y, m)[1]
            return dt.date(y, m, 1), dt.date(y, m, last), "month"
        if _YEAR.match(text):
            y = int(text)
            return dt.date(y, 1, 1), dt.date(y, 12, 31), "year"
    except ValueError as err:  # e.g. month 13, day 31 of a 30-day month
        raise DateFormatError(f"{text!r} is not a real calendar date ({err})") from None
    raise DateFormatError(f"{text!r} is not a date; expected {EXPECTED_DATE_FORMS}")


@dataclass(frozen=True, order=False)
class FuzzyDate:
    """A day, month, year or range of days; or open (``earliest``/``latest`` are ``None``)."""

    earliest: dt.date | None
    latest: dt.date | None
    precision: Precision
    text: str | None

    OPEN: ClassVar[FuzzyDate]

    @classmethod
    def parse(cls, value: object) -> FuzzyDate:
        """Parse YAML values: ``None``/"open", ``date``, ``int`` year, or a string form."""
        if value is None or (isinstance(value, str) and value.strip().lower() in ("", "open")):
            return FuzzyDate(None, None, "open", None)
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return FuzzyDate(value, value, "day", value.isoformat())
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise DateFormatError(f"{value!r} is not a date; expected {EXPECTED_DATE_FORMS}")
        text = value.strip()
        if "/" in text:
            left, _, right = text.partition("/")
            lo, _, _ = _parse_point(left.strip())
            _, hi, _ = _parse_point(right.strip())
            if hi < lo:
                raise DateFormatError(f"range {text!r} ends before it begins")
            return FuzzyDate(lo, hi, "range", text)
        lo, hi, precision = _parse_point(text)
        return FuzzyDate(lo, hi, precision, text)

    @property
    def is_open(self) -> bool:
        return self.precision == "open"

    def __str__(self) -> str:
        if self.is_open:
            return "open"
        if self.precision == "range":
            return f"between {self.earliest} and {self.latest}"
        return self.text or ""

    def label(self) -> str:
        """Human form: '9 Nov 2021', 'Nov 2021', '2021', 'early Nov 2021 (1-10 Nov)'."""
        if self.is_open or self.earliest is None or self.latest is None:
            return "—"
        if self.precision == "day":
            return self.earliest.strftime("%-d %b %Y")
        if self.precision == "month":
            return self.earliest.strftime("%b %Y")
        if self.precision == "year":
            return str(self.earliest.year)
        lo, hi = self.earliest, self.latest
        if lo.year == hi.year:
            return f"{lo.strftime('%-d %b')}–{hi.strftime('%-d %b %Y')}"
        return f"{lo.strftime('%-d %b %Y')}–{hi.strftime('%-d %b %Y')}"


FuzzyDate.OPEN = FuzzyDate(None, None, "open", None)


def parse_as_of(value: str | dt.date | None, *, default: dt.date) -> dt.date:
    """Parse an ``--as-of`` value; a month or year means its last day ("as of end of 2021-06")."""
    if value is None:
        return default
    if isinstance(value, dt.date):
        return value
    fd = FuzzyDate.parse(value)
    if fd.is_open or fd.latest is None:
        raise DateFormatError(f"--as-of needs a date such as 2021-12-31, got {value!r}")
    return fd.latest


def end_before_start(start: FuzzyDate, end: FuzzyDate) -> bool:
    """True when ``end`` certainly lies before ``start`` (an impossible interval)."""
    if start.earliest is None or end.latest is None:
        return False
    return end.latest < start.earliest


def counts_as_of(start: FuzzyDate, end: FuzzyDate, day: dt.date) -> bool:
    """The as-of rule of the module docstring: may have started, and not certainly ended."""
    started = start.is_open or (start.earliest is not None and start.earliest <= day)
    not_ended = end.is_open or (end.latest is not None and day < end.latest)
    return started and not_ended


def certain_as_of(start: FuzzyDate, end: FuzzyDate, day: dt.date) -> bool:
    """True when the interval certainly covers ``day`` given the dates' precision."""
    started = start.is_open or (start.latest is not None and start.latest <= day)
    not_ended = end.is_open or (end.earliest is not None and day < end.earliest)
    return started and not_ended
