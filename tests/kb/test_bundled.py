"""The bundled scenario encodes DESIGN.md section 2: actors, relation types, citations, dates."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from sarhad.kb import relations_as_of
from sarhad.kb.query import descendants, regime_dates
from sarhad.kb.schema import PARAGRAPH_REF

END_2021 = dt.date(2021, 12, 31)

REQUIRED_ACTORS = {
    "ttp", "noor-wali-mehsud", "afghan-taliban", "hibatullah-akhundzada", "siraj-haqqani",
    "pakistan", "pak-civilian-gov", "pak-military", "imran-khan", "arif-alvi",
    "pak-interior-minister", "tribal-elders", "al-qaeda", "is-k", "united-states", "china",
    "india", "afghan-republic", "jaish-e-muhammad", "punjabi-taliban", "asmatullah-muawiya",
    "faqir-muhammad",
}

REQUIRED_TYPES = {
    "leads", "allegiance", "patronage", "sanctuary", "freedom-of-movement", "prisoner-release",
    "alliance", "mediation", "negotiation", "ceasefire", "commitment", "armed-conflict",
    "attack-on", "rivalry", "defection", "merger", "alleged-support", "designation",
    "cooperation", "friction",
}


def test_every_actor_of_the_design_is_present(bundled_scenario):
    assert bundled_scenario.actor_ids >= REQUIRED_ACTORS


def test_every_relation_type_of_the_design_is_used(bundled_scenario):
    assert {r.type for r in bundled_scenario.relations} >= REQUIRED_TYPES


def test_every_relation_and_event_is_cited_with_a_note(bundled_scenario):
    for item in [*bundled_scenario.relations, *bundled_scenario.events]:
        assert item.sources, item.id
        for s in item.sources:
            assert s.note.strip()
            assert PARAGRAPH_REF.match(s.ref) or s.ref in {r.key for r in
                                                           bundled_scenario.references}


def test_cited_paragraphs_exist_in_the_source(bundled_scenario):
    refs = {s.ref for x in [*bundled_scenario.relations, *bundled_scenario.events,
                            *bundled_scenario.actors] for s in x.sources}
    paragraphs = {r for r in refs if PARAGRAPH_REF.match(r)}
    assert paragraphs and all(1 <= int(r[1:]) <= 27 for r in paragraphs)
    # the substantive paragraphs of the analysis are all used somewhere
    assert {"P03", "P04", "P05", "P06", "P08", "P09", "P10", "P11", "P12", "P14", "P15",
            "P16", "P19", "P20", "P21", "P23", "P24", "P25", "P26"} <= paragraphs


def test_nothing_after_2021(bundled_scenario):
    assert bundled_scenario.knowledge_date == END_2021
    for item in [*bundled_scenario.relations, *bundled_scenario.events]:
        for d in (item.start, item.end):
            assert d.is_open or d.latest <= END_2021, item.id


def test_no_year_after_2021_written_anywhere_in_the_files(bundled_scenario):
    for f in bundled_scenario.files:
        # publication years of cited works are not knowledge of events; everything else is
        text = "\n".join(line for line in Path(f).read_text(encoding="utf-8").splitlines()
                         if "citation:" not in line)
        years = {int(y) for y in re.findall(r"(?<![\d.])(20[2-9]\d)(?![\d])", text)}
        assert not {y for y in years if y > 2021}, f


def test_sanctuary_for_ttp_end_2021_but_not_mid_2021(bundled_scenario):
    def shelterers(day):
        return {r.source for r in relations_as_of(bundled_scenario, day, type="sanctuary",
                                                  actor="ttp")
                if r.target == "ttp"}

    assert shelterers(END_2021) == {"afghan-taliban"}
    assert shelterers(dt.date(2021, 6, 30)) == set()


def test_who_mediated_the_talks(bundled_scenario):
    talks = [r for r in bundled_scenario.relations
             if r.type == "negotiation" and {r.source, r.target} == {"pakistan", "ttp"}
             and r.start.earliest and r.start.earliest.year == 2021]
    assert len(talks) == 1
    mediators = {r.source for r in bundled_scenario.relations
                 if r.type == "mediation" and r.about == talks[0].id}
    assert "siraj-haqqani" in mediators
    during = relations_as_of(bundled_scenario, dt.date(2021, 11, 20), type="mediation")
    assert "siraj-haqqani" in {r.source for r in during}


def test_relations_citing_p16(bundled_scenario):
    cited = relations_as_of(bundled_scenario, END_2021, cites="P16")
    assert {r.type for r in cited} >= {"friction"}
    assert all(any(s.ref == "P16" for s in r.sources) for r in cited)


def test_ceasefire_window_and_regime_dates(bundled_scenario):
    cf = relations_as_of(bundled_scenario, dt.date(2021, 11, 20), type="ceasefire")
    assert [(r.source, r.target) for r in cf] == [("pakistan", "ttp")]
    assert relations_as_of(bundled_scenario, dt.date(2021, 12, 20), type="ceasefire") == []
    regimes = {e.id: e for e in regime_dates(bundled_scenario)}
    assert regimes["kabul-takeover"].start.earliest == dt.date(2021, 8, 15)
    assert regimes["ceasefire-2021"].end.latest <= dt.date(2021, 12, 10)


def test_ttp_factions_carry_ucdp_ids(bundled_scenario):
    ids = {u for a in descendants(bundled_scenario, "ttp")
           for u in bundled_scenario.actor(a).external_ids.ucdp}
    assert {356, 5928, 1101, 1102, 1103, 3047, 5864, 5865} <= ids


@pytest.mark.parametrize(("actor", "ucdp", "name"), [
    ("afghan-taliban", 303, "Taleban"), ("is-k", 234, "IS"), ("al-qaeda", 769, "al-Qaida"),
    ("pakistan", 142, "Government of Pakistan"), ("ttp", 356, "TTP"),
    ("jamaat-ul-ahrar", 5928, "Jamaat-ul-Ahrar")])
def test_ucdp_ids_match_the_actor_list(bundled_scenario, actor, ucdp, name):
    """Checked against the UCDP actor list that ships with sarhad, not against the YAML itself."""
    from importlib import resources

    import polars as pl

    assert ucdp in bundled_scenario.actor(actor).external_ids.ucdp
    table = pl.read_parquet(str(resources.files("sarhad") / "data" / "ucdp_actors_22.1.parquet"))
    row = table.filter(pl.col("ActorId").cast(pl.Int64) == ucdp)
    assert row.height == 1 and row["NameData"][0].strip() == name


def test_every_ucdp_id_in_the_scenario_exists(bundled_scenario):
    from importlib import resources

    import polars as pl

    table = pl.read_parquet(str(resources.files("sarhad") / "data" / "ucdp_actors_22.1.parquet"))
    known = set(table["ActorId"].cast(pl.Int64).to_list())
    used = {u for a in bundled_scenario.actors for u in a.external_ids.ucdp}
    assert used and used <= known


def test_regime_months_half_month_rule(bundled_scenario):
    from sarhad.kb.query import regime_months

    assert dict((i, (a, b)) for i, a, b in regime_months(bundled_scenario)) == {
        "kabul-takeover": ("2021-08", None), "ceasefire-2021": ("2021-11", "2021-11")}
    # as known at the end of 2021-11 the cease-fire had not ended: a step from November
    known = regime_months(bundled_scenario, known_by=dt.date(2021, 11, 30))
    assert ("ceasefire-2021", "2021-11", None) in known
    # as known in mid-2021 there is no regime date at all
    assert regime_months(bundled_scenario, known_by=dt.date(2021, 6, 30)) == []


def test_regime_months_edges(tmp_path):
    from sarhad.kb import load_scenario
    from sarhad.kb.query import regime_months

    text = """\
scenario: {name: t, title: T, knowledge_date: 2021-12-31}
actors: [{id: a, name: A, kind: state}]
events:
  - {id: late, name: Late, kind: regime-change, start: 2021-03-20, sources: [{ref: P01, note: n}]}
  - {id: early, name: Early, kind: regime-change, start: 2021-03-16, sources: [{ref: P01, note: n}]}
  - {id: blip, name: Blip, kind: window, start: 2021-05-02, end: 2021-05-10,
     sources: [{ref: P01, note: n}]}
  - {id: long, name: Long, kind: window, start: 2021-06, end: 2021-09,
     sources: [{ref: P01, note: n}]}
  - {id: note, name: Note, kind: incident, start: 2021-07-01, sources: [{ref: P01, note: n}]}
"""
    p = tmp_path / "t.yaml"
    p.write_text(text, encoding="utf-8")
    got = {i: (a, b) for i, a, b in regime_months(load_scenario([str(p)]))}
    # 20 March leaves 12 of 31 days: the step starts in April; 16 March leaves 16: March
    assert got == {"late": ("2021-04", None), "early": ("2021-03", None),
                   "long": ("2021-06", "2021-09")}
