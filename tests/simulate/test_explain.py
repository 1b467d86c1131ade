"""Mechanism decomposition and scenario discovery (PRIM)."""

from __future__ import annotations

import numpy as np
import pytest

from sarhad.errors import SarhadError
from sarhad.simulate.explain import decompose, discover, prim


def test_prim_finds_a_planted_box():
    rng = np.random.default_rng(0)
    X = rng.random((6000, 6))
    fail = (X[:, 1] > 0.7) & (X[:, 4] < 0.4)
    noisy = fail ^ (rng.random(6000) < 0.03)
    names = [f"x{i}" for i in range(6)]
    box = prim(X, noisy, names, min_coverage=0.8)
    assert set(box.limits) == {"x1", "x4"}
    assert box.limits["x1"][0] == pytest.approx(0.7, abs=0.05)
    assert box.limits["x4"][1] == pytest.approx(0.4, abs=0.05)
    assert box.density > 0.85 and box.coverage >= 0.8
    assert box.base_rate == pytest.approx(noisy.mean())


def test_prim_without_failures_returns_the_whole_space():
    X = np.random.default_rng(1).random((100, 3))
    box = prim(X, np.zeros(100, bool), ["a", "b", "c"])
    assert box.limits == {} and box.coverage == 0.0


def test_decomposition_of_restraint_versus_status_quo(sim):
    rows = {r["mechanism"]: r for r in decompose(sim, "taliban-restrain", versus="status-quo",
                                                 runs=300, months=18, seed=2)}
    # the two policies differ only in the Taliban's stance: without sanctuary -> capacity the
    # gap in TTP deaths shrinks, so the mechanism's contribution is negative (restraint helps)
    assert rows["sanctuary-capacity"]["contribution"] < 0
    assert abs(rows["sanctuary-capacity"]["contribution"]) == max(
        abs(r["contribution"]) for k, r in rows.items() if k != "(interactions)")
    # neither policy has a pressure rule and IS-K strength does not feed TTP violence: exactly 0
    assert rows["urban-pressure"]["contribution"] == 0.0
    assert rows["defections-to-isk"]["contribution"] == 0.0
    on = rows["sanctuary-capacity"]["on"]
    assert on == pytest.approx(rows["(interactions)"]["on"])


def test_discover_flags_failures_relative_to_status_quo(sim):
    res = discover(sim, "status-quo", runs=200, months=6, seed=1)
    assert res["base_rate"] == 0.0  # a policy is never worse than itself on the same draws
    res = discover(sim, "talks", runs=600, months=12, seed=1)
    assert 0 < res["base_rate"] < 1
    assert res["density"] >= res["base_rate"]
    for lim in res["limits"]:
        assert lim["parameter"] in sim.spec.parameters and lim["cites"]


def test_discover_threshold_needed(sim):
    with pytest.raises(SarhadError, match="threshold"):
        discover(sim, "talks", runs=50, months=3, failure="above")
