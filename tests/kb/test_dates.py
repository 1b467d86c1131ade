"""FuzzyDate parsing and the as-of rule at its edges."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sarhad.kb.dates import (
    DateFormatError,
    FuzzyDate,
    certain_as_of,
    counts_as_of,
    parse_as_of,
)

D = dt.date


@pytest.mark.parametrize(
    ("value", "earliest", "latest", "precision"),
    [
        ("2021-11-09", D(2021, 11, 9), D(2021, 11, 9), "day"),
        (D(2021, 11, 9), D(2021, 11, 9), D(2021, 11, 9), "day"),
        ("2021-02", D(2021, 2, 1), D(2021, 2, 28), "month"),
        ("2020-02", D(2020, 2, 1), D(2020, 2, 29), "month"),
        ("2021", D(2021, 1, 1), D(2021, 12, 31), "year"),
        (2021, D(2021, 1, 1), D(2021, 12, 31), "year"),
        ("2021-11-01/2021-11-10", D(2021, 11, 1), D(2021, 11, 10), "range"),
        ("2012/2015", D(2012, 1, 1), D(2015, 12, 31), "range"),
        (None, None, None, "open"),
        ("open", None, None, "open"),
    ],
)
def test_parse_forms(value, earliest, latest, precision):
    fd = FuzzyDate.parse(value)
    assert (fd.earliest, fd.latest, fd.precision) == (earliest, latest, precision)


@pytest.mark.parametrize("bad", ["2021-13", "2021-02-30", "Nov 2021", "21-11-09", "2021/2020",
                                 "2021-11-10/2021-11-01", 3.5, True, [2021]])
def test_malformed_dates_are_refused(bad):
    with pytest.raises(DateFormatError):
        FuzzyDate.parse(bad)


def _fd(text):
    return FuzzyDate.parse(text)


OPEN = FuzzyDate.OPEN


def test_day_precision_start_is_inclusive_and_end_exclusive():
    start, end = _fd("2021-08-15"), _fd("2021-12-09")
    assert not counts_as_of(start, end, D(2021, 8, 14))
    assert counts_as_of(start, end, D(2021, 8, 15))
    assert counts_as_of(start, end, D(2021, 12, 8))
    assert not counts_as_of(start, end, D(2021, 12, 9))


def test_open_ends():
    assert counts_as_of(OPEN, OPEN, D(1900, 1, 1))
    assert counts_as_of(OPEN, _fd("2017"), D(2016, 6, 1))
    assert not counts_as_of(OPEN, _fd("2017-05-01"), D(2017, 5, 1))
    assert counts_as_of(_fd("2021-08-15"), OPEN, D(2999, 1, 1))


def test_month_precision_counts_from_first_day_certain_from_last():
    start = _fd("2021-11")
    assert not counts_as_of(start, OPEN, D(2021, 10, 31))
    assert counts_as_of(start, OPEN, D(2021, 11, 1))
    assert not certain_as_of(start, OPEN, D(2021, 11, 1))
    assert certain_as_of(start, OPEN, D(2021, 11, 30))


def test_month_precision_end_counts_until_last_day():
    end = _fd("2021-12")
    assert counts_as_of(OPEN, end, D(2021, 12, 30))
    assert not certain_as_of(OPEN, end, D(2021, 12, 1))
    assert certain_as_of(OPEN, end, D(2021, 11, 30))
    assert not counts_as_of(OPEN, end, D(2021, 12, 31))


def test_year_precision():
    start, end = _fd("2008"), _fd("2017")
    assert not counts_as_of(start, end, D(2007, 12, 31))
    assert counts_as_of(start, end, D(2008, 1, 1))
    assert counts_as_of(start, end, D(2017, 12, 30))
    assert not counts_as_of(start, end, D(2017, 12, 31))


def test_as_of_month_means_last_day():
    assert parse_as_of("2021-06", default=D(2000, 1, 1)) == D(2021, 6, 30)
    assert parse_as_of(None, default=D(2000, 1, 1)) == D(2000, 1, 1)
    with pytest.raises(DateFormatError):
        parse_as_of("yesterday", default=D(2000, 1, 1))


@given(st.dates(min_value=D(1900, 1, 1), max_value=D(2100, 1, 1)),
       st.dates(min_value=D(1900, 1, 1), max_value=D(2100, 1, 1)),
       st.dates(min_value=D(1900, 1, 1), max_value=D(2100, 1, 1)))
def test_certain_implies_counts_and_json_rule_matches(a, b, day):
    lo, hi = min(a, b), max(a, b)
    for start, end in [(FuzzyDate.parse(lo), FuzzyDate.parse(hi)),
                       (FuzzyDate.parse(f"{lo.year}-{lo.month:02d}"),
                        FuzzyDate.parse(str(hi.year))),
                       (FuzzyDate.parse(f"{lo}/{hi}"), OPEN)]:
        counts = counts_as_of(start, end, day)
        if certain_as_of(start, end, day):
            assert counts
        # the JSON contract: start = earliest start, end = latest end, rule start <= D < end
        json_rule = (start.earliest is None or start.earliest <= day) and (
            end.latest is None or day < end.latest)
        assert counts == json_rule


@given(st.dates(min_value=D(1000, 1, 1), max_value=D(9999, 12, 31)))
def test_iso_round_trip(day):
    fd = FuzzyDate.parse(day.isoformat())
    assert fd.earliest == fd.latest == day and fd.precision == "day"
