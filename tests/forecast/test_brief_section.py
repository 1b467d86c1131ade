"""The brief's forecast section: a fan chart from the latest origin the brief's date allows,
the intervals, the ledger; never data after the as-of date."""

from __future__ import annotations

import datetime as dt

from sarhad.report.brief import BriefContext
from sarhad.report.doc import Figure, Table
from sarhad.report.sections.forecast import build


def test_fast_section_has_fan_chart_table_and_cites(bundled_scenario) -> None:
    ctx = BriefContext(scenario=bundled_scenario, as_of=dt.date(2021, 12, 31), fast=True)
    [sec] = build(ctx)
    assert sec.key == "forecast"
    figs = [b for b in sec.blocks if isinstance(b, Figure)]
    assert figs and figs[0].svg.lstrip().startswith("<svg")
    assert any(isinstance(b, Table) for b in sec.blocks)
    assert {"P18", "P05"} <= sec.cites()
    assert sec.data["forecast"]["origin"] == "2021-12"
    assert len(sec.data["forecast"]["months"]) == 12
    assert len(sec.data["ledger"]) >= 10


def test_as_of_date_bounds_the_origin(bundled_scenario) -> None:
    ctx = BriefContext(scenario=bundled_scenario, as_of=dt.date(2021, 6, 15), fast=True)
    [sec] = build(ctx)
    # 15 June: June is not over, so the forecast starts after May
    assert sec.data["forecast"]["origin"] == "2021-05"
    assert sec.data["forecast"]["months"][0]["month"] == "2021-06"
