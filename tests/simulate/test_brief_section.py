"""The brief's simulation section: every declared strategy compared, with sources."""

from __future__ import annotations

import pytest

from sarhad.report.brief import BriefContext
from sarhad.report.doc import Bullets, Figure, Table
from sarhad.report.sections.simulate import build


def test_fast_section_lists_every_policy(bundled_scenario):
    ctx = BriefContext(scenario=bundled_scenario, as_of=bundled_scenario.knowledge_date,
                       fast=True)
    (sec,) = build(ctx)
    table = next(b for b in sec.blocks if isinstance(b, Table))
    names = [r[0] for r in table.rows]
    assert names == list(bundled_scenario.simulation["policies"])
    assert all(rc for rc in table.row_cites)
    assert set(sec.data["outcomes"]) == set(names)
    assert {"P18", "P20", "P21"} <= sec.cites()
    assert not any(isinstance(b, Figure) for b in sec.blocks)  # --fast: no figure


@pytest.mark.slow
def test_full_section_explains_and_discovers(bundled_scenario):
    ctx = BriefContext(scenario=bundled_scenario, as_of=bundled_scenario.knowledge_date)
    (sec,) = build(ctx)
    assert any(isinstance(b, Figure) and b.svg.lstrip().startswith("<svg") for b in sec.blocks)
    bullets = [p.text for b in sec.blocks if isinstance(b, Bullets) for p in b.items]
    assert any("fail" in t for t in bullets)
    assert any(t.startswith("sanctuary-capacity") for t in bullets)
    tables = [b for b in sec.blocks if isinstance(b, Table)]
    assert any("posterior median" in t.columns for t in tables)
