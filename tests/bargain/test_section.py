"""The brief's negotiation section."""

from __future__ import annotations

from pathlib import Path

from sarhad.kb import load_scenario
from sarhad.report.brief import BriefContext
from sarhad.report.doc import Callout, Figure, Table
from sarhad.report.sections import bargain as section

SYSTEM = (Path(__file__).resolve().parents[2] / "src" / "sarhad" / "scenarios"
          / "pakistan_ttp_2021" / "00-system.yaml")


def test_section_reports_outcomes_movers_and_reading(bundled_scenario) -> None:
    ctx = BriefContext(scenario=bundled_scenario, as_of=bundled_scenario.knowledge_date,
                       fast=True, seed=11)
    (sec,) = section.build(ctx)
    tables = [b for b in sec.blocks if isinstance(b, Table)]
    outcomes, movers = tables
    dims = sec.data["dimensions"]
    assert len(outcomes.rows) == len(dims)
    assert len(movers.rows) == 2 * len(dims)
    assert all(c and all(r.startswith("P") for r in c) for c in movers.row_cites)
    assert not any(isinstance(b, Figure) for b in sec.blocks)          # fast: no figures
    assert sec.cites() and all(1 <= int(c[1:]) <= 27 for c in sec.cites())
    again = section.build(ctx)[0]
    assert again.data == sec.data                                       # seeded


def test_section_without_negotiation_says_so() -> None:
    scn = load_scenario([str(SYSTEM)])
    (sec,) = section.build(BriefContext(scenario=scn, as_of=scn.knowledge_date, fast=True))
    assert isinstance(sec.blocks[0], Callout) and "no negotiation section" in sec.blocks[0].text
