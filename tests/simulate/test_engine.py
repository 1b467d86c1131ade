"""Engine: reproducibility, common random numbers, ranges, system-level directions, policies."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sarhad.errors import SarhadError
from sarhad.simulate.engine import MECHANISMS, run_draws
from sarhad.simulate.policies import compile_policy
from sarhad.simulate.priors import UNIT_PARAMETERS
from sarhad.simulate.results import compare_rows, outcomes, summary_rows

UNIT_SERIES = ("cohesion", "strength", "sanctuary", "relations", "diplomacy", "us_coop",
               "aq_room", "pressure", "leadership", "isk_strength", "released")


def test_same_seed_same_output_and_different_seed_differs(sim):
    a = sim.run("status-quo", runs=50, months=12, seed=4)
    b = sim.run("status-quo", runs=50, months=12, seed=4)
    c = sim.run("status-quo", runs=50, months=12, seed=5)
    np.testing.assert_array_equal(a.ttp, b.ttp)
    for k in a.series:
        np.testing.assert_array_equal(a.series[k], b.series[k])
    assert not np.array_equal(a.ttp, c.ttp)


def test_compare_uses_common_random_numbers(sim):
    a, b = sim.compare("status-quo", "status-quo", runs=60, months=12, seed=2)
    np.testing.assert_array_equal(a.ttp, b.ttp)
    x, y = sim.compare("status-quo", "strikes", runs=60, months=12, seed=2)
    np.testing.assert_array_equal(x.params["capacity_growth"], y.params["capacity_growth"])
    assert not np.array_equal(x.ttp, y.ttp)


def test_runs_are_independent_of_ensemble_size(sim):
    """Run r uses row r of every draw; the parameter draws of the first runs do not depend on
    how many runs follow (priors are drawn per parameter with a fixed order)."""
    big = sim.run("talks", runs=30, months=6, seed=9)
    assert big.ttp.shape == (30, 6, len(sim.spec.provinces))


POLICIES = ["status-quo", "talks", "strikes", "divide", "talks-then-strikes", "taliban-restrain"]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**31), policy=st.sampled_from(POLICIES),
       extreme=st.sampled_from([0.0, 1.0]),
       names=st.lists(st.sampled_from(sorted(UNIT_PARAMETERS)), max_size=6))
def test_every_state_stays_in_range(sim, seed, policy, extreme, names):
    ens = sim.run(policy, runs=20, months=18, seed=seed, overrides={n: extreme for n in names})
    for k in UNIT_SERIES:
        v = ens.series[k]
        assert np.all(np.isfinite(v)) and v.min() >= 0 and v.max() <= 1, k
    assert ens.ttp.min() >= 0 and ens.isk_fatalities.min() >= 0
    assert set(np.unique(ens.status)) <= {0, 1, 2}
    assert np.all(ens.series["to_isk"] + ens.series["split"] <= len(sim.spec.factions))
    assert np.all(ens.episodes <= ens.ceasefire.sum(axis=1))


def test_restraint_lowers_violence_on_common_draws(sim):
    sq, rs = sim.compare("status-quo", "taliban-restrain", runs=800, months=24, seed=1)
    assert rs.series["sanctuary"][:, -1].mean() < sq.series["sanctuary"][:, -1].mean()
    assert rs.total.sum(axis=1).mean() < sq.total.sum(axis=1).mean()


def test_broken_commitments_shorten_ceasefires(sim):
    d = sim.draw(1500, 36, seed=3)
    lv = compile_policy(sim.spec, "talks")
    kept = run_draws(sim.spec, sim.baseline, sim.ctx, lv, d, overrides={"broken_commitment": 0.0})
    broken = run_draws(sim.spec, sim.baseline, sim.ctx, lv, d,
                       overrides={"broken_commitment": 0.9, "delivery_rate": 0.0})
    per_ep = lambda e: e.ceasefire.sum() / max(e.episodes.sum(), 1)  # noqa: E731
    assert per_ep(broken) < per_ep(kept)


def test_talks_stall_rule_switches_to_strikes(sim):
    ens = sim.run("talks-then-strikes", runs=300, months=24, seed=5,
                  overrides={"talks_base": -9.0, "concession_weight": 0.0})
    # no cease-fire can start, so the stall rule fires in month 4 everywhere
    assert not ens.ceasefire.any()
    assert np.all(ens.series["mode"][:, :3] == 0) and np.all(ens.series["mode"][:, 3:] == 1)


def test_strikes_thin_leadership_and_strain_relations(sim):
    sq, st_ = sim.compare("status-quo", "strikes", runs=600, months=24, seed=8)
    assert st_.series["leadership"][:, -1].mean() < sq.series["leadership"][:, -1].mean()
    assert st_.series["relations"][:, -1].mean() < sq.series["relations"][:, -1].mean()


def test_inducements_split_factions(sim):
    sq, dv = sim.compare("strikes", "divide", runs=600, months=36, seed=8)
    assert dv.series["split"][:, -1].mean() > sq.series["split"][:, -1].mean()


def test_mechanism_switches_name_real_parameters(sim):
    for name, neutral in MECHANISMS.items():
        for p in neutral:
            assert p in sim.spec.parameters, (name, p)


def test_unknown_policy_is_a_clear_error(sim):
    with pytest.raises(SarhadError, match="unknown policy 'nope'.*status-quo"):
        sim.run("nope", runs=5, months=3)


def test_bad_sizes_are_clear_errors(sim):
    with pytest.raises(SarhadError, match="runs"):
        sim.run("talks", runs=0, months=3)
    with pytest.raises(SarhadError, match="months"):
        sim.run("talks", runs=3, months=0)


def test_summaries_and_comparison(sim):
    a, b = sim.compare("status-quo", "strikes", runs=200, months=12, seed=1)
    rows = summary_rows(a, sim.ctx.urban)
    tot = {r["outcome"]: r for r in rows}["ttp_fatalities"]
    assert tot["q05"] <= tot["median"] <= tot["q95"]
    assert tot["mean"] == pytest.approx(a.total.sum(axis=1).mean())
    comp = {r["outcome"]: r for r in compare_rows(a, b, sim.ctx.urban)}
    d = outcomes(b, sim.ctx.urban)["ttp_fatalities"] - outcomes(a, sim.ctx.urban)["ttp_fatalities"]
    assert comp["ttp_fatalities"]["diff_mean"] == pytest.approx(d.mean())
    assert comp["ceasefire_episodes"]["other_mean"] == 0.0  # no talks under 'strikes'


def test_negotiated_terms_come_from_the_negotiation_model(sim):
    from sarhad.bargain.talks import load_talks, run_talks

    d = sim.draw(300, 6, seed=12)
    terms = d.terms(sim.scenario)
    assert terms.shape == (300, 3) and terms.min() >= 0 and terms.max() <= 1
    assert np.ptp(terms[:, 0]) > 0  # runs differ: the settlement is uncertain
    np.testing.assert_array_equal(terms, sim.draw(300, 6, seed=12).terms(sim.scenario))
    ref = run_talks(load_talks(sim.scenario), draws=200, rng=np.random.default_rng(0))
    q = {r["dimension"]: r for r in ref.summary()}
    for j, k in enumerate(("prisoners", "arms", "amnesty")):
        assert q[k]["p10"] / 100 - 0.05 < np.median(terms[:, j]) < q[k]["p90"] / 100 + 0.05
    lv = sim.levers("negotiated-talks", d)
    assert isinstance(lv.package, np.ndarray) and lv.package.shape == (300,)
    np.testing.assert_allclose(lv.promise, terms[:, 0])


def test_negotiated_policy_runs_and_compares(sim):
    a, b = sim.compare("talks", "negotiated-talks", runs=200, months=12, seed=3)
    assert b.episodes.sum() > 0
    np.testing.assert_array_equal(a.params["talks_base"], b.params["talks_base"])


def test_episode_table_matches_a_direct_scan(sim):
    from sarhad.simulate.results import episodes

    ens = sim.run("talks", runs=200, months=24, seed=6)
    ep = episodes(ens)
    expect = []
    for r in range(ens.runs):
        t = 0
        while t < 24:
            if ens.ceasefire[r, t]:
                s = t
                while t < 24 and ens.ceasefire[r, t]:
                    t += 1
                expect.append((r, s, t - s, t == 24))
            else:
                t += 1
    got = list(zip(ep["run"].tolist(), ep["start"].tolist(), ep["length"].tolist(),
                   ep["censored"].tolist(), strict=True))
    assert got == expect and len(got) > 0
    # a cease-fire cannot break and restart in the same month: every stretch is one agreement
    assert len(got) == ens.episodes.sum()
