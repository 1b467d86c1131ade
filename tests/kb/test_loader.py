"""Loading, layering, and validation that reports every problem with file, line and field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sarhad.errors import ValidationFailed
from sarhad.kb import load_scenario, relations_as_of
from sarhad.kb.dates import FuzzyDate

BASE = """\
scenario:
  name: mini
  title: A small test system
  knowledge_date: 2021-12-31
actors:
  - id: state
    name: The State
    kind: state
  - id: rebels
    name: The Rebels
    kind: armed-group
    aliases: [Rebel Front]
  - id: rebels-north
    name: Northern faction
    kind: faction
    parent: rebels
  - id: neighbour
    name: Neighbour regime
    kind: armed-group
relations:
  - id: war
    source: rebels
    target: state
    type: armed-conflict
    start: 2007
    sources: [{ref: P03, note: "they fight"}]
  - id: haven
    source: neighbour
    target: rebels
    type: sanctuary
    start: 2021-08-15
    sources: [{ref: P05, note: "shelter after the takeover"}]
events:
  - id: takeover
    name: Takeover
    kind: regime-change
    start: 2021-08-15
    sources: [{ref: P05, note: "the takeover"}]
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def problems_of(*paths: Path) -> list:
    with pytest.raises(ValidationFailed) as info:
        load_scenario([str(p) for p in paths])
    return info.value.problems


def test_minimal_file_loads(tmp_path):
    scn = load_scenario([str(write(tmp_path, "base.yaml", BASE))])
    assert scn.scenario.name == "mini"
    assert {a.id for a in scn.actors} == {"state", "rebels", "rebels-north", "neighbour"}
    assert scn.relations[1].start == FuzzyDate.parse("2021-08-15")


def test_layering_adds_and_closes_relations(tmp_path):
    base = write(tmp_path, "base.yaml", BASE)
    update = write(tmp_path, "update.yaml", """\
        scenario:
          knowledge_date: 2022-06-30
        relations:
          - id: haven
            end: 2022-03
          - id: talks
            source: state
            target: rebels
            type: negotiation
            start: 2022-01
            sources: [{ref: P18, note: "talks resume"}]
        """)
    scn = load_scenario([str(base), str(update)])
    assert scn.knowledge_date.isoformat() == "2022-06-30"
    haven = next(r for r in scn.relations if r.id == "haven")
    assert haven.source == "neighbour" and haven.end.precision == "month"
    import datetime as dt

    assert [r.id for r in relations_as_of(scn, dt.date(2022, 2, 1), type="sanctuary")] == ["haven"]
    assert relations_as_of(scn, dt.date(2022, 3, 31), type="sanctuary") == []
    talks = relations_as_of(scn, dt.date(2022, 2, 1), type="negotiation")
    assert [r.id for r in talks] == ["talks"]
    assert scn.files == (str(base), str(update))


def test_update_beyond_knowledge_date_is_refused(tmp_path):
    base = write(tmp_path, "base.yaml", BASE)
    update = write(tmp_path, "update.yaml", """\
        relations:
          - id: haven
            end: 2022-03
        """)
    (p,) = problems_of(base, update)
    assert p.file == str(update) and p.line == 3 and "knowledge date" in p.message
    assert p.field == "relations[haven].end"


def _bad(tmp_path: Path, old: str, new: str) -> list:
    assert old in BASE
    return problems_of(write(tmp_path, "bad.yaml", BASE.replace(old, new, 1)))


def test_unknown_actor_in_relation(tmp_path):
    (p,) = _bad(tmp_path, "    source: neighbour\n", "    source: nobody\n")
    assert p.field == "relations[haven].source" and "unknown actor id 'nobody'" in p.message
    assert p.line == 28


def test_unknown_relation_type_lists_vocabulary(tmp_path):
    (p,) = _bad(tmp_path, "type: sanctuary", "type: shelter")
    assert p.field == "relations[haven].type" and p.line == 30
    assert "unknown relation type 'shelter'" in p.message and "sanctuary" in p.message


def test_coarse_end_overlapping_start_is_allowed(tmp_path):
    old = "    start: 2021-08-15\n    sources: [{ref: P05, note: \"shelter"
    text = BASE.replace(old, old.replace("\n", "\n    end: 2021-08\n", 1), 1)
    scn = load_scenario([str(write(tmp_path, "ok.yaml", text))])
    assert next(r for r in scn.relations if r.id == "haven").end.precision == "month"


def test_end_strictly_before_start_is_an_error(tmp_path):
    (p,) = _bad(tmp_path, "    start: 2021-08-15\n    sources: [{ref: P05, note: \"shelter",
                "    start: 2021-08-15\n    end: 2021-07\n    sources: [{ref: P05, note: \"shelter")
    assert p.field == "relations[haven].end" and "before start" in p.message and p.line == 32


def test_relation_without_source(tmp_path):
    (p,) = _bad(tmp_path, '    sources: [{ref: P03, note: "they fight"}]\n', "")
    assert p.field == "relations[war].sources" and "no source" in p.message


def test_unknown_source_reference(tmp_path):
    (p,) = _bad(tmp_path, "ref: P03", "ref: Smith2020")
    assert "unknown source 'Smith2020'" in p.message


def test_duplicate_ids_in_one_file(tmp_path):
    probs = _bad(tmp_path, "  - id: neighbour\n", "  - id: rebels\n")
    (p,) = [p for p in probs if "duplicate" in p.message]
    assert "duplicate id 'rebels'" in p.message and "line 9" in p.message and p.line == 17


def test_malformed_date(tmp_path):
    (p,) = _bad(tmp_path, "start: 2007", "start: 2007-13")
    assert p.field == "relations[war].start" and "not a real calendar date" in p.message
    assert p.line == 25


def test_yaml_syntax_error_has_line(tmp_path):
    (p,) = _bad(tmp_path, "    kind: faction\n", "    kind: [faction\n")
    assert "YAML syntax error" in p.message and p.line is not None and 14 <= p.line <= 17


def test_unknown_field_and_kind(tmp_path):
    probs = _bad(tmp_path, "    kind: state\n", "    kind: country\n    colour: red\n")
    fields = sorted(p.field for p in probs)
    assert fields == ["actors[state].colour", "actors[state].kind"]
    assert all(p.line in (8, 9) for p in probs)


def test_all_problems_reported_at_once(tmp_path):
    text = (BASE.replace("type: sanctuary", "type: shelter")
            .replace("source: rebels", "source: ghost")
            .replace("start: 2007", "start: 2007-13"))
    probs = problems_of(write(tmp_path, "many.yaml", text))
    assert len(probs) == 3
    assert str(probs[0]).startswith(str(tmp_path / "many.yaml") + ":")


def test_missing_scenario_section_and_wrong_top_level(tmp_path):
    probs = problems_of(write(tmp_path, "x.yaml", "actors: []\nstuff: 1\n"))
    messages = " | ".join(p.message for p in probs)
    assert "unknown section 'stuff'" in messages and "missing 'scenario'" in messages


def test_event_without_start(tmp_path):
    (p,) = _bad(tmp_path, "    start: 2021-08-15\n    sources: [{ref: P05, note: \"the takeover",
                "    sources: [{ref: P05, note: \"the takeover")
    assert p.field == "events[takeover].start"


def test_parent_cycle(tmp_path):
    probs = _bad(tmp_path, "    kind: armed-group\n    aliases: [Rebel Front]\n",
                 "    kind: armed-group\n    parent: rebels-north\n    aliases: [Rebel Front]\n")
    assert any("cycle" in p.message for p in probs)


def test_huge_file_refused_quickly(tmp_path):
    p = tmp_path / "huge.yaml"
    with p.open("w") as f:
        f.write(BASE)
        f.write("# " + "x" * 1000 + "\n")
        chunk = ("# " + "x" * 1020 + "\n") * 1024
        for _ in range(50):
            f.write(chunk)
    (prob,) = problems_of(p)
    assert "MB" in prob.message and "refused" in prob.message


def test_deeply_nested_file_refused(tmp_path):
    p = write(tmp_path, "deep.yaml", BASE + "simulation: " + "[" * 5000 + "]" * 5000 + "\n")
    (prob,) = problems_of(p)
    assert "nested deeper" in prob.message


def test_billion_laughs_refused(tmp_path):
    lol = 'simulation:\n  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    lol += '  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n'
    (prob,) = problems_of(write(tmp_path, "lol.yaml", BASE + lol))
    assert "aliases" in prob.message


def test_unsafe_tags_rejected(tmp_path):
    text = BASE + "simulation: !!python/object/apply:os.system ['echo hacked']\n"
    (prob,) = problems_of(write(tmp_path, "evil.yaml", text))
    assert "YAML syntax error" in prob.message


def test_unknown_scenario_name():
    from sarhad.errors import SarhadError

    with pytest.raises(SarhadError, match="neither a file"):
        load_scenario(["no_such_scenario"])


def test_not_utf8(tmp_path):
    p = tmp_path / "latin.yaml"
    p.write_bytes(BASE.replace("The Rebels", "Les R\xe9bels").encode("latin-1"))
    (prob,) = problems_of(p)
    assert "not UTF-8" in prob.message


def test_section_line_prefers_the_last_layer(tmp_path):
    from sarhad.kb.loader import section_line

    base = write(tmp_path, "base.yaml", BASE + "simulation:\n  alpha: 1\n  beta: 2\n")
    update = write(tmp_path, "update.yaml", "simulation:\n  beta: 3\n")
    scn = load_scenario([str(base), str(update)])
    assert section_line(scn, "simulation", ["beta"]) == (str(update), 2)
    assert section_line(scn, "simulation", ["alpha"]) == (str(base), BASE.count("\n") + 2)
    file, line = section_line(scn, "simulation", ["alpha", "deeper"])
    assert (file, line) == (str(base), BASE.count("\n") + 2)
