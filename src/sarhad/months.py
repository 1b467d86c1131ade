"""Calendar months, the time step of every series, model and forecast in sarhad.

A month is written ``"YYYY-MM"`` and counted as ``index = year * 12 + month - 1``, so the
difference of two indices is a number of months. Every stage uses these helpers rather than
writing its own month arithmetic.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from sarhad.errors import SarhadError

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def month_index(month: str) -> int:
    """``"YYYY-MM"`` -> ``year * 12 + month - 1``; a clear error for anything else."""
    m = _MONTH.match(month) if isinstance(month, str) else None
    if m is None:
        raise SarhadError(f"{month!r} is not a month; expected YYYY-MM, e.g. 2021-12")
    return int(m.group(1)) * 12 + int(m.group(2)) - 1


def month_label(index: int) -> str:
    """Inverse of :func:`month_index`."""
    year, month0 = divmod(int(index), 12)
    return f"{year:04d}-{month0 + 1:02d}"


def add_months(month: str, n: int) -> str:
    return month_label(month_index(month) + n)


def month_range(start: str, end: str) -> list[str]:
    """Every month from ``start`` to ``end`` inclusive (empty if ``end`` precedes ``start``)."""
    return [month_label(i) for i in range(month_index(start), month_index(end) + 1)]


def month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def first_day(month: str) -> dt.date:
    i = month_index(month)
    return dt.date(i // 12, i % 12 + 1, 1)


def last_day(month: str) -> dt.date:
    d = first_day(month)
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def shift_date(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (earlier if negative), clamped to the month's last day:
    31 Dec minus 6 months is 30 Jun; 31 Mar minus 1 month is 28 (or 29) Feb."""
    target = first_day(month_label(month_index(month_of(day)) + months))
    last = calendar.monthrange(target.year, target.month)[1]
    return target.replace(day=min(day.day, last))
