"""Month arithmetic shared by every stage."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sarhad.errors import SarhadError
from sarhad.months import (
    add_months,
    first_day,
    last_day,
    month_index,
    month_label,
    month_of,
    month_range,
    shift_date,
)


@given(st.integers(min_value=1, max_value=9999 * 12))
def test_index_label_round_trip(i):
    assert month_index(month_label(i)) == i


@pytest.mark.parametrize("bad", ["2021-13", "2021-00", "2021-1", "21-01", "2021/01", 202101, None])
def test_malformed_months(bad):
    with pytest.raises(SarhadError, match="not a month"):
        month_index(bad)


def test_arithmetic():
    assert add_months("2021-12", 1) == "2022-01"
    assert add_months("2021-01", -1) == "2020-12"
    assert month_range("2021-11", "2022-02") == ["2021-11", "2021-12", "2022-01", "2022-02"]
    assert month_range("2021-02", "2021-01") == []
    assert month_of(dt.date(2021, 8, 15)) == "2021-08"
    assert first_day("2020-02") == dt.date(2020, 2, 1)
    assert last_day("2020-02") == dt.date(2020, 2, 29)


@pytest.mark.parametrize(("day", "n", "expected"), [
    (dt.date(2021, 12, 31), -6, dt.date(2021, 6, 30)),
    (dt.date(2021, 3, 31), -1, dt.date(2021, 2, 28)),
    (dt.date(2020, 3, 31), -1, dt.date(2020, 2, 29)),
    (dt.date(2021, 1, 15), -13, dt.date(2019, 12, 15)),
    (dt.date(2021, 8, 15), 5, dt.date(2022, 1, 15)),
])
def test_shift_date_clamps_to_month_end(day, n, expected):
    assert shift_date(day, n) == expected
