"""The vectorised engine agrees with the per-run loop oracle, run for run, on the same draws."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sarhad.simulate.engine import run_draws
from sarhad.simulate.policies import compile_policy

from .oracle import oracle_run


@pytest.mark.parametrize("policy", ["status-quo", "talks", "talks-then-strikes", "strikes",
                                    "divide", "taliban-restrain", "negotiated-talks"])
def test_engine_matches_loop_oracle(sim, policy):
    d = sim.draw(40, 30, seed=7)
    lv = sim.levers(policy, d)
    ens = run_draws(sim.spec, sim.baseline, sim.ctx, lv, d)
    ttp, isk, cf, coh, extra = oracle_run(sim.spec, sim.baseline, sim.ctx, lv, d)
    np.testing.assert_array_equal(ens.ttp, ttp)
    np.testing.assert_array_equal(ens.isk_fatalities, isk)
    np.testing.assert_array_equal(ens.ceasefire, cf)
    np.testing.assert_allclose(ens.series["cohesion"], coh, rtol=1e-9, atol=1e-12)
    for k, v in extra.items():
        np.testing.assert_allclose(ens.series[k], v, rtol=1e-9, atol=1e-12, err_msg=k)


def test_oracle_sees_events(sim):
    """The agreement above must not be vacuous: the runs contain cease-fires, rule switches,
    strikes that hit and faction moves."""
    d = sim.draw(40, 30, seed=7)
    lv = compile_policy(sim.spec, "talks-then-strikes")
    a = run_draws(sim.spec, sim.baseline, sim.ctx, lv, d)
    assert a.ceasefire.any() and (a.series["mode"][:, -1] == 1).any()
    b = run_draws(sim.spec, sim.baseline, sim.ctx, compile_policy(sim.spec, "divide"), d)
    assert (b.series["split"][:, -1] > 0).any()
    assert (b.series["hit"] > 0).any()
    c = run_draws(sim.spec, sim.baseline, sim.ctx, compile_policy(sim.spec, "talks"), d)
    assert c.total.sum() > 0 and (c.series["to_isk"][:, -1] > 0).any()


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**31), policy=st.sampled_from(
    ["status-quo", "talks", "talks-then-strikes", "strikes", "divide", "taliban-restrain"]),
    extreme=st.sampled_from([None, 0.0, 1.0]))
def test_engine_matches_oracle_for_random_seeds(sim, seed, policy, extreme):
    d = sim.draw(8, 15, seed=seed)
    over = {} if extreme is None else {"split_prob": extreme, "strike_hit_rate": extreme,
                                       "ceasefire_hazard": extreme}
    for k, v in over.items():
        d.params[k] = np.full(d.runs, v)
    lv = sim.levers(policy, d)
    ens = run_draws(sim.spec, sim.baseline, sim.ctx, lv, d)
    ttp, isk, cf, coh, _ = oracle_run(sim.spec, sim.baseline, sim.ctx, lv, d)
    np.testing.assert_array_equal(ens.ttp, ttp)
    np.testing.assert_array_equal(ens.isk_fatalities, isk)
    np.testing.assert_array_equal(ens.ceasefire, cf)
    np.testing.assert_allclose(ens.series["cohesion"], coh, rtol=1e-9, atol=1e-12)
