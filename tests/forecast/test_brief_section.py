"""The brief's forecast section: a fan chart from the latest origin the brief's date allows,
the intervals, the ledger; never data after the as-of date."""

from __future__ import annotations

import datetime as dt

import pytest

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


@pytest.mark.slow
def test_full_section_leads_with_the_out_of_sample_verdict(bundled_scenario) -> None:
    """The headline verdict is the ensemble's (chosen without later outcomes); the best model in
    hindsight is shown beside it and labelled as an in-sample choice."""
    from sarhad.report.doc import Para

    (section,) = build(BriefContext(scenario=bundled_scenario, as_of=dt.date(2021, 12, 31)))
    bt = section.data["backtest"]
    assert bt["model"] == "ensemble" and bt["in_sample_best"] != "ensemble"
    texts = [b.text for b in section.blocks if isinstance(b, Para)]
    head = next(t for t in texts if t.startswith("Backtest verdict"))
    v = bt["verdict"]
    assert f"at {v['beats_every_baseline_on_mean_crps']} of 12 horizons" in head
    assert f"at {v['interval_excludes_zero_vs_every_baseline']} of 12" in head
    hindsight = next(t for t in texts if t.startswith("In hindsight"))
    assert bt["in_sample_best"] in hindsight and "flatter" in hindsight
