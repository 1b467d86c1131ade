"""The brief's record section, built from the bundled data."""

from __future__ import annotations

import datetime as dt

from sarhad.report.brief import BriefContext
from sarhad.report.doc import Figure, Table
from sarhad.report.sections.record import build


def test_record_section_tables_figures_and_citation(bundled_scenario):
    (section,) = build(BriefContext(bundled_scenario, dt.date(2021, 12, 31)))
    assert section.key == "record"
    table = next(b for b in section.blocks if isinstance(b, Table))
    rows = {r[0]: r for r in table.rows}
    assert table.columns[-2:] == ("total", "TTP %")
    assert rows["2021"][-2] == "448" and rows["2009"][-2] == "7,460"
    # the provinces add up to the total in every year
    for r in table.rows:
        assert sum(int(x.replace(",", "")) for x in r[1:-2]) == int(r[-2].replace(",", ""))
    figs = [b for b in section.blocks if isinstance(b, Figure)]
    assert len(figs) == 2 and all(f.svg.lstrip().startswith("<svg") for f in figs)
    assert "UCDP-GED-22.1" in section.cites() and "P03" in section.cites()
    assert len(section.data["last_24_months"]) == 48          # all and TTP, 24 months each
    assert section.data["deaths"] == sum(r["total"] for r in section.data["by_year"])


def test_record_section_respects_the_as_of_date(bundled_scenario):
    (section,) = build(BriefContext(bundled_scenario, dt.date(2015, 6, 30)))
    years = [r["year"] for r in section.data["by_year"]]
    assert max(years) == 2015
    months = sorted({r["month"] for r in section.data["last_24_months"]})
    assert months[-1] == "2015-06-01" and months[0] == "2013-07-01"


def test_fast_brief_skips_the_figures_but_keeps_the_numbers(bundled_scenario):
    ctx = BriefContext(bundled_scenario, dt.date(2021, 12, 31), fast=True)
    (section,) = build(ctx)
    assert not [b for b in section.blocks if isinstance(b, Figure)]
    assert any(isinstance(b, Table) for b in section.blocks)
