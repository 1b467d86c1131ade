"""The simulator at an earlier origin knows only what was true then: the state from the
knowledge base as of the origin, regime dates up to it, province shares from the record up to
it (issue 7, honest backtests)."""

from __future__ import annotations

import numpy as np
import pytest

from sarhad.kb.dates import FuzzyDate
from sarhad.simulate.baseline import Record, record_from_store
from sarhad.simulate.forecaster import SimulatorForecaster
from sarhad.simulate.origin import origin_as_of, regimes_as_of
from sarhad.simulate.priors import load_spec
from sarhad.simulate.state import CONTAINMENT

REGIMES = ["kabul-takeover", "ceasefire-2021"]


@pytest.fixture(scope="module")
def spec(bundled_scenario):
    return load_spec(bundled_scenario)


@pytest.fixture(scope="module")
def ttp(bundled_scenario):
    from sarhad.panels import monthly_series
    from sarhad.store import open_store

    return monthly_series(open_store(), actor="ttp", start="2007-01", end="2021-12",
                          scenario=bundled_scenario)["value"].to_numpy()


@pytest.fixture(scope="module")
def record(bundled_scenario, spec):
    from sarhad.store import open_store

    return record_from_store(open_store(), spec, bundled_scenario)


def upto(y: np.ndarray, origin: str) -> np.ndarray:
    n = (int(origin[:4]) - 2007) * 12 + int(origin[5:7])
    return y[:n]


def with_relation(scenario, rel_id: str, **dates: str):
    """A copy of the scenario with one relation's dates changed."""
    rels = [r.model_copy(update={k: FuzzyDate.parse(v) for k, v in dates.items()})
            if r.id == rel_id else r for r in scenario.relations]
    return scenario.model_copy(update={"relations": rels})


def test_state_at_the_knowledge_date_is_the_scenarios_initial_state(bundled_scenario, spec):
    o = origin_as_of(bundled_scenario, spec, spec.origin)
    for k, v in o.init.items():
        assert v == getattr(spec.initial, k).value
    assert not o.steady_strength and not o.ceasefire and not o.hold_sanctuary
    assert o.mode is None and o.split == () and all(
        f["held"] == (f["test"] != "holds" or "ceasefire" not in f["relation"]
                      and "commitment" not in f["relation"]) for f in o.facts)


def test_state_in_2016_has_no_taliban_sanctuary_talks_or_remerged_splinters(
        bundled_scenario, spec):
    o = origin_as_of(bundled_scenario, spec, "2016-06")
    assert o.init["sanctuary"] == pytest.approx(0.45)
    assert o.init["sanctuary"] < spec.initial.sanctuary.value
    assert o.steady_strength and o.hold_sanctuary and o.mode == CONTAINMENT
    assert o.init["relations"] == pytest.approx(0.7)
    split = {spec.factions[i].actor for i in o.split}
    assert split == {"jamaat-ul-ahrar", "hizb-ul-ahrar"}  # re-merged only from 2020 (P03)
    assert not o.ceasefire


def test_state_during_the_2021_ceasefire(bundled_scenario, spec):
    o = origin_as_of(bundled_scenario, spec, "2021-11")
    assert o.ceasefire and o.cf_len == 1 and o.promised == pytest.approx(0.3)
    assert o.mode is None and o.init["sanctuary"] == spec.initial.sanctuary.value


def test_regimes_known_at_the_origin(bundled_scenario):
    assert regimes_as_of(bundled_scenario, REGIMES, "2016-06") == []
    assert regimes_as_of(bundled_scenario, REGIMES, "2021-10") == [
        ("kabul-takeover", "2021-08", None)]
    # a window open at the origin ends there: its end is not yet known
    assert regimes_as_of(bundled_scenario, REGIMES, "2021-11")[1] == (
        "ceasefire-2021", "2021-11", "2021-11")
    assert regimes_as_of(bundled_scenario, REGIMES, None)[1] == (
        "ceasefire-2021", "2021-11", "2021-11")


def test_record_facts_read_only_the_window_up_to_the_origin():
    prov = np.arange(24 * 3, dtype=float).reshape(24, 3)
    isk = np.arange(24, dtype=float)
    rec = Record("2020-01", prov, isk)
    shares, level = rec.facts("2020-12", 6)            # months 6..11
    want = prov[6:12].sum(axis=0)
    np.testing.assert_allclose(shares, want / want.sum())
    assert level == pytest.approx(isk[6:12].mean())
    changed = Record("2020-01", np.where(np.arange(24)[:, None] > 11, 1e6, prov),
                     np.where(np.arange(24) > 11, 1e6, isk))
    s2, l2 = changed.facts("2020-12", 6)
    np.testing.assert_array_equal(s2, shares)
    assert l2 == level
    # a window reaching before the record counts those months as zero
    _, l3 = rec.facts("2020-02", 6)
    assert l3 == pytest.approx((0 + 1) / 6)


def test_record_totals_match_the_monthly_series(bundled_scenario, record, ttp):
    """Independent check: the province record sums to the panel's actor series."""
    n = len(ttp)
    np.testing.assert_array_equal(record.provinces[:n].sum(axis=1), ttp)


def test_shares_come_from_the_record_up_to_the_origin(bundled_scenario, record, ttp, spec):
    f = SimulatorForecaster(scenario=bundled_scenario, record=record).fit(
        upto(ttp, "2016-06"), start_month="2007-01")
    want, _ = record.facts("2016-06", spec.violence.share_window)
    np.testing.assert_array_equal(f.baseline_.shares, want)
    urban = [p.urban for p in spec.provinces]
    assert f.baseline_.shares[urban].sum() > 0.05  # the urban-pressure channel is live


def sanctuary_factor(ens, sanctuary0, strength0):
    """The sanctuary channel's part of the violence multiplier, per run and month."""
    se = ens.params["sanctuary_effect"][:, None]
    el = ens.params["strength_elasticity"][:, None]
    return np.exp(se * (ens.series["sanctuary"] - sanctuary0)) \
        * (ens.series["strength"] / strength0) ** el


def test_a_2016_origin_gives_no_sanctuary_driven_uplift(bundled_scenario, record, ttp, spec):
    f16 = SimulatorForecaster(scenario=bundled_scenario, record=record).fit(
        upto(ttp, "2016-06"), start_month="2007-01")
    e16 = f16.ensemble(12, draws=400, rng=np.random.default_rng(1))
    strength0 = e16.series["strength"][:, :1]
    assert np.all(e16.series["sanctuary"] == pytest.approx(0.45))
    np.testing.assert_allclose(e16.series["strength"], np.broadcast_to(strength0, (400, 12)),
                               atol=1e-12)
    np.testing.assert_allclose(sanctuary_factor(e16, 0.45, strength0), 1.0, atol=1e-9)
    # at the end of 2021 the same channel does lift violence: sanctuary and capacity grow
    f21 = SimulatorForecaster(scenario=bundled_scenario, record=record).fit(
        ttp, start_month="2007-01")
    e21 = f21.ensemble(12, draws=400, rng=np.random.default_rng(1))
    up = sanctuary_factor(e21, spec.initial.sanctuary.value, spec.initial.strength.value)
    assert up[:, -1].mean() > 1.1


def test_origin_forecast_ignores_relations_dated_after_it(bundled_scenario, record, ttp):
    y = upto(ttp, "2016-06")

    def paths(scn):
        f = SimulatorForecaster(scenario=scn, record=record).fit(y, start_month="2007-01")
        return f.sample(6, draws=300, rng=np.random.default_rng(4))

    base = paths(bundled_scenario)
    later = with_relation(bundled_scenario, "taliban-sanctuary-ttp", start="2018-03")
    later = with_relation(later, "ttp-pakistan-ceasefire", start="2019-05", end="2019-09")
    later = with_relation(later, "splinters-rejoin-ttp", start="2017-01")
    np.testing.assert_array_equal(paths(later), base)
    # the same kind of change dated before the origin does change it (the test can fail)
    earlier = with_relation(bundled_scenario, "taliban-sanctuary-ttp", start="2015-01")
    assert not np.array_equal(paths(earlier), base)


def test_origin_forecast_ignores_records_after_it(bundled_scenario, record, ttp):
    y = upto(ttp, "2016-06")
    cut = len(y)
    noisy = Record(record.start_month,
                   np.where(np.arange(len(record.provinces))[:, None] >= cut,
                            record.provinces[::-1], record.provinces),
                   np.where(np.arange(len(record.isk)) >= cut, 999.0, record.isk))
    a = SimulatorForecaster(scenario=bundled_scenario, record=record).fit(
        y, start_month="2007-01").sample(6, draws=300, rng=np.random.default_rng(5))
    b = SimulatorForecaster(scenario=bundled_scenario, record=noisy).fit(
        y, start_month="2007-01").sample(6, draws=300, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)


def test_a_longer_series_is_cut_at_the_violence_models_start(bundled_scenario, record, ttp):
    longer = np.concatenate([np.zeros(24, dtype=np.int64), upto(ttp, "2016-06")])
    a = SimulatorForecaster(scenario=bundled_scenario, record=record).fit(
        longer, start_month="2005-01").sample(4, draws=200, rng=np.random.default_rng(6))
    b = SimulatorForecaster(scenario=bundled_scenario, record=record).fit(
        upto(ttp, "2016-06"), start_month="2007-01").sample(
        4, draws=200, rng=np.random.default_rng(6))
    np.testing.assert_array_equal(a, b)


def test_steady_state_holds_strength_still(spec):
    from sarhad.simulate.mechanisms import capacity_steady_state, sanctuary_capacity

    rng = np.random.default_rng(0)
    s = rng.uniform(0.05, 0.95, 200)
    g, d = rng.uniform(0.001, 0.2, 200), rng.uniform(0.001, 0.2, 200)
    st = capacity_steady_state(s, np.full(200, 0.6), capacity_growth=g, capacity_decay=d)
    np.testing.assert_allclose(sanctuary_capacity(st, s, capacity_growth=g, capacity_decay=d),
                               st, atol=1e-12)
    off = capacity_steady_state(s, np.full(200, 0.6), capacity_growth=np.zeros(200),
                                capacity_decay=np.zeros(200))
    np.testing.assert_array_equal(off, 0.6)
    # more sanctuary, a higher steady strength (P04, P05)
    hi = capacity_steady_state(s + 0.04, st, capacity_growth=g, capacity_decay=d)
    assert np.all(hi > st)


def test_as_of_section_validation(bundled_scenario):
    from sarhad.errors import ValidationFailed

    raw = dict(bundled_scenario.simulation)
    raw["as_of"] = {"status_quo": "nope", "facts": [
        {"relation": {"source": "nobody", "type": "sanctuary", "target": "ttp"},
         "absent": {"sanctuary": 0.4}, "cites": ["P05"], "reason": "a test fact here"}]}
    scn = bundled_scenario.model_copy(update={"simulation": raw})
    with pytest.raises(ValidationFailed) as err:
        load_spec(scn)
    text = str(err.value)
    assert "nope" in text and "nobody" in text


@pytest.mark.parametrize("origin", ["2016-06", "2020-06", "2021-11"])
@pytest.mark.parametrize("policy", ["status-quo", "talks", "talks-then-strikes"])
def test_engine_matches_loop_oracle_at_earlier_origins(bundled_scenario, spec, record, ttp,
                                                       origin, policy):
    """The per-run oracle (tests/simulate/oracle.py) applies the origin's state in plain
    Python and must reproduce the vectorised engine run for run."""
    from sarhad.simulate.engine import draw_all, policy_levers, run_draws

    from .oracle import oracle_run

    f = SimulatorForecaster(scenario=bundled_scenario, record=record, policy=policy).fit(
        upto(ttp, origin), start_month="2007-01")
    d = draw_all(f.spec_, f.baseline_, 30, 18, 11)
    lv = policy_levers(f.spec_, bundled_scenario, policy, d)
    ens = run_draws(f.spec_, f.baseline_, f.ctx_, lv, d)
    ttp_o, isk, cf, coh, extra = oracle_run(f.spec_, f.baseline_, f.ctx_, lv, d)
    np.testing.assert_array_equal(ens.ttp, ttp_o)
    np.testing.assert_array_equal(ens.ceasefire, cf)
    np.testing.assert_allclose(ens.series["cohesion"], coh, rtol=1e-9, atol=1e-12)
    for k, v in extra.items():
        np.testing.assert_allclose(ens.series[k], v, rtol=1e-9, atol=1e-12, err_msg=k)
    if origin == "2021-11":
        assert ens.ceasefire[:, 0].any()  # the runs start inside the cease-fire


@pytest.mark.parametrize("origin, names", [("2016-06", []), ("2021-07", []),
                                           ("2021-10", ["kabul-takeover"]),
                                           ("2021-12", ["kabul-takeover", "ceasefire-2021"])])
def test_the_violence_model_gets_only_regimes_dated_by_the_origin(bundled_scenario, record, ttp,
                                                                  origin, names):
    f = SimulatorForecaster(scenario=bundled_scenario, record=record).fit(
        upto(ttp, origin), start_month="2007-01")
    assert [r[0] for r in f.baseline_.model.regimes] == names
