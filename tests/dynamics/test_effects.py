"""Mechanism tests (``sarhad effects``): regime months, the level effect on simulated data,
'the data cannot speak', the CLI contract and the brief section."""

from __future__ import annotations

import datetime as dt
import json
import math
import subprocess
import sys

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from sarhad.cli import app
from sarhad.dynamics.effects import (
    excitation_effect,
    level_effects,
    parse_regime,
    scenario_regimes,
    share_effects,
)
from sarhad.errors import SarhadError

runner = CliRunner()


def test_scenario_regimes_follow_the_half_month_rule(bundled_scenario):
    regs = dict((r[0], r[1:]) for r in scenario_regimes(bundled_scenario))
    # 15 Aug 2021 leaves 17 of 31 days: August counts; the cease-fire (early Nov to early Dec)
    # covers November only
    assert regs["kabul-takeover"] == ("2021-08", None)
    assert regs["ceasefire-2021"] == ("2021-11", "2021-11")


def test_scenario_regimes_edges(tmp_path):
    from sarhad.kb import load_scenario

    text = """\
scenario: {name: t, title: T, knowledge_date: 2021-12-31}
actors: [{id: a, name: A, kind: state}]
events:
  - {id: late, name: Late, kind: regime-change, start: 2021-08-20, sources: [{ref: P01, note: n}]}
  - {id: blip, name: Blip, kind: window, start: 2021-03-05, end: 2021-03-10,
     sources: [{ref: P01, note: n}]}
  - {id: w, name: W, kind: window, start: 2021-03-01, end: 2021-05-16,
     sources: [{ref: P01, note: n}]}
"""
    p = tmp_path / "t.yaml"
    p.write_text(text, encoding="utf-8")
    got = scenario_regimes(load_scenario([str(p)]))
    # 20 Aug leaves 12 of 31 days: September; a 6-day window covers no month
    assert sorted(got) == [("late", "2021-09", None), ("w", "2021-03", "2021-05")]


def test_parse_regime():
    assert parse_regime("op:2019-03") == ("op", "2019-03", None)
    assert parse_regime("op:2019-03:2019-06") == ("op", "2019-03", "2019-06")
    for bad, msg in [("op", "expected"), ("op:2022-01", "after the data end"),
                     ("op:2019-06:2019-03", "before it starts"), ("op:2019-13", "not a month")]:
        with pytest.raises(SarhadError, match=msg):
            parse_regime(bad)


def _simulated_level(effect: float, seed: int, n: int = 48, post: int = 5) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    mu = np.exp(2.5 + 0.05 * t / 12 + 0.3 * np.sin(2 * np.pi * t / 12)
                + math.log(effect) * (t >= n - post))
    r = 1 / 0.2
    return rng.poisson(rng.gamma(r, mu / r)).astype(float)


def test_level_effect_recovers_a_known_multiplier():
    y = _simulated_level(2.5, seed=1, n=72, post=12)
    effs, model = level_effects(y, start_month="2016-01", measure="events",
                                regimes=[("step", "2021-01", None)])
    (e,) = effs
    assert model is not None and e.speaks
    assert e.lower < 2.5 < e.upper and e.lower > 1
    assert "times" in e.reading and "rise" in e.reading
    assert e.window == "2016-01 to 2021-12" and e.level == 0.9


def test_level_effect_says_when_the_data_cannot_speak():
    y = _simulated_level(1.0, seed=2)
    # a step 2 months before the end, and one with too little history before it
    effs, _ = level_effects(y, start_month="2018-01", measure="events",
                            regimes=[("late", "2021-11", None), ("early", "2018-06", None)])
    by = {e.key: e for e in effs}
    assert not by["late-events"].speaks and "month(s)" in by["late-events"].reason
    assert not by["early-events"].speaks and "need 24" in by["early-events"].reason
    for e in effs:
        assert e.estimate is None and e.reading.startswith("The data cannot speak")
        assert e.as_dict()["estimate"] is None


def _table(n_a: int, n_b: int, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    start = dt.date(2019, 1, 1)
    rows = []
    for actor, n in (("is-k", n_a), ("ttp", n_b)):
        for d in rng.integers(0, 731, n):
            day = start + dt.timedelta(days=int(d))
            rows.append((day, day, "day", actor, None))
    return pl.DataFrame(rows, schema={"date_start": pl.Date, "date_end": pl.Date,
                                      "date_precision": pl.Utf8, "side_a_actor": pl.Utf8,
                                      "side_b_actor": pl.Utf8}, orient="row")


SPEC = dict(key="x", source="is-k", target="ttp", start=dt.date(2019, 1, 1),
            end=dt.date(2020, 12, 31), mechanism="m", claim="c", cites=("P12",),
            source_label="IS-K", target_label="TTP")


def test_excitation_effect_needs_enough_events(bundled_scenario):
    eff, fits, _ = excitation_effect(_table(10, 200), bundled_scenario, seed=1, **SPEC)
    assert not eff.speaks and "too few" in eff.reason and "is-k has 10" in eff.reason
    assert fits == []


def test_excitation_effect_on_independent_streams_includes_zero(bundled_scenario):
    eff, fits, ks = excitation_effect(_table(80, 300), bundled_scenario, seed=1,
                                      imputations=2, **SPEC)
    assert eff.speaks and len(fits) == 2 and len(ks) == 2
    # no excitation in the data: zero is inside the interval, whose upper end is finite
    assert eff.lower == 0.0 and eff.estimate < eff.upper < 5.0
    assert any(n.startswith("events used") for n in eff.notes)
    d = eff.as_dict()["details"]
    assert d["events"] == {"is-k": 80, "ttp": 300} and len(d["imputations"]) == 2
    assert [r["stream"] for r in d["time_rescaling"]] == ["is-k", "ttp"]


def test_excitation_effect_detects_excitation_in_day_dated_data(bundled_scenario):
    """Simulate IS-K -> TTP excitation in continuous time, keep only the day (as UCDP does),
    and check the jittered fit finds it: interval above zero and covering the truth."""
    from sarhad.dynamics import HawkesProcess
    from sarhad.dynamics.hawkes import spectral_radius

    truth = 0.8
    h = HawkesProcess()
    h.background_ = np.array([[0.12], [0.25]])
    h.adjacency_ = np.array([[[0.0], [0.0]], [[truth], [0.2]]])
    h.decays_ = np.array([math.log(2) / 2.0])  # half-life of two days
    h.excitation_ = h.adjacency_.sum(axis=2)
    h.branching_ratio_ = spectral_radius(h.excitation_)
    h.breaks_ = np.zeros(0)
    isk, ttp = h.simulate(731.0, rng=np.random.default_rng(5))
    start = dt.date(2019, 1, 1)
    rows = [(start + dt.timedelta(days=int(t)),) * 2 + ("day", actor, None)
            for actor, ts in (("is-k", isk), ("ttp", ttp)) for t in ts]
    table = pl.DataFrame(rows, schema={"date_start": pl.Date, "date_end": pl.Date,
                                       "date_precision": pl.Utf8, "side_a_actor": pl.Utf8,
                                       "side_b_actor": pl.Utf8}, orient="row")
    eff, _, _ = excitation_effect(table, bundled_scenario, seed=2, imputations=2, **SPEC)
    assert eff.speaks and 0 < eff.lower < truth < eff.upper
    assert "followed by more TTP violence" in eff.reading


def test_effects_cli_json_contract_without_hawkes():
    res = runner.invoke(app, ["effects", "--no-hawkes", "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    keys = {r["key"] for r in rows}
    assert {"kabul-takeover-fatalities", "ceasefire-2021-events"} <= keys
    for r in rows:
        assert set(r) >= {"mechanism", "claim", "cites", "estimate", "lower", "upper", "window",
                          "method", "reading", "speaks", "level"}
        assert r["cites"] and r["level"] == 0.9
        if r["speaks"]:
            assert r["lower"] <= r["estimate"] <= (r["upper"] or math.inf)


@pytest.mark.parametrize(("args", "needle"), [
    (("effects", "--end", "2022-03"), "after the data end"),
    (("effects", "--regime", "x:2023-01"), "after the data end"),
    (("effects", "--since", "2021-12"), "before --end"),
    (("effects", "--coarse", "smear"), "--coarse"),
    (("effects", "--no-hawkes", "--ks-plot", "/tmp/x.png"), "--ks-plot"),
    (("effects", "--no-hawkes", "--province", "Atlantis"), "provinces in the record"),
])
def test_effects_bad_input_raises_a_sarhad_error(args, needle):
    res = runner.invoke(app, list(args))
    assert isinstance(res.exception, SarhadError) and needle in str(res.exception)


def test_effects_bad_input_is_one_line_and_exit_2():
    proc = subprocess.run([sys.executable, "-m", "sarhad", "effects", "--end", "2022-03"],
                          capture_output=True, text=True)
    assert proc.returncode == 2, proc.stderr
    assert "after the data end" in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_effects_level_option_widens_intervals():
    r90 = json.loads(runner.invoke(app, ["effects", "--no-hawkes", "--json"]).stdout)
    r95 = json.loads(runner.invoke(app, ["effects", "--no-hawkes", "--json", "--level",
                                         "0.95"]).stdout)
    a = {r["key"]: r for r in r90}["kabul-takeover-events"]
    b = {r["key"]: r for r in r95}["kabul-takeover-events"]
    assert b["level"] == pytest.approx(0.95) and b["estimate"] == pytest.approx(a["estimate"])
    assert b["lower"] < a["lower"] and b["upper"] > a["upper"]


def test_effects_help_teaches():
    res = runner.invoke(app, ["effects", "--help"])
    assert res.exit_code == 0 and "Example" in res.output and "--seed" in res.output


def test_brief_section_fast(bundled_scenario):
    from sarhad.report.brief import BriefContext
    from sarhad.report.sections import effects as section

    ctx = BriefContext(scenario=bundled_scenario, as_of=dt.date(2021, 12, 31), fast=True)
    (sec,) = section.build(ctx)
    assert sec.key == "effects" and sec.data["effects"]
    assert {"P04", "P05", "P09", "P11"} <= sec.cites()
    # before the takeover is in the record, the takeover row cannot speak
    early = BriefContext(scenario=bundled_scenario, as_of=dt.date(2021, 9, 30), fast=True)
    (sec2,) = section.build(early)
    rows = {r["key"]: r for r in sec2.data["effects"]}
    assert rows["kabul-takeover-fatalities"]["speaks"] is False


def test_excitation_effect_is_seeded(bundled_scenario):
    tab = _table(60, 200, seed=3)
    a, _, _ = excitation_effect(tab, bundled_scenario, seed=7, **SPEC)
    b, _, _ = excitation_effect(tab, bundled_scenario, seed=7, **SPEC)
    c, _, _ = excitation_effect(tab, bundled_scenario, seed=8, **SPEC)
    assert json.dumps(a.as_dict()) == json.dumps(b.as_dict())
    assert a.details["imputations"] != c.details["imputations"]


def test_share_effect_recovers_a_known_share_multiplier():
    rng = np.random.default_rng(21)
    n = 72
    total = rng.integers(80, 160, n).astype(float)
    share = 0.3 * np.where(np.arange(n) >= 60, 1.8, 1.0)
    y = rng.binomial(total.astype(int), share).astype(float)
    (e,) = share_effects(y, total, start_month="2016-01",
                         regimes=[("step", "2021-01", None), ("w", "2020-05", "2020-05")])
    assert e.speaks and e.key == "step-share" and e.lower < 1.8 < e.upper and e.lower > 1
    assert "larger part" in e.reading
    total[3] = 0
    (z,) = share_effects(y, total, start_month="2016-01", regimes=[("step", "2021-01", None)])
    assert not z.speaks and "2016-04" in z.reason


def test_all_zero_series_gives_cannot_speak_rows():
    effs, model = level_effects(np.zeros(48), start_month="2018-01", measure="events",
                                regimes=[("step", "2021-01", None)])
    assert model is None and len(effs) == 1 and not effs[0].speaks
    assert "zero" in effs[0].reason
    (sh,) = share_effects(np.zeros(48), np.full(48, 10.0), start_month="2018-01",
                          regimes=[("step", "2021-01", None)])
    assert not sh.speaks and "zero" in sh.reason
