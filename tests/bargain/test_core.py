"""Core math: compiled kernels against the numpy formulas, elections against direct solutions,
and the model's invariants."""

from __future__ import annotations

import numpy as np
import pytest
from tests.bargain.conftest import KTAB

from sarhad.bargain import Options, SpatialModel, core, engine, kernels, read_ktab_csv, run_batch
from sarhad.errors import SarhadError


def _random_state(rng, B=3, n=7, d=3):
    x = rng.uniform(0, 1, (B, n, d))
    s = rng.uniform(0.05, 0.3, (B, n, d))
    cap = rng.uniform(5, 100, (B, n))
    return x, s, cap


@pytest.mark.parametrize("rule", list(kernels.RULES))
@pytest.mark.parametrize("tpc", list(kernels.COMMITS))
def test_challenge_kernel_equals_numpy_formula(rule, tpc) -> None:
    rng = np.random.default_rng(7)
    x, s, cap = _random_state(rng)
    o = Options(voting_rule=rule, third_party_commit=tpc)
    a = engine.assess(x, cap, s, o)
    ssum = s.sum(axis=2)
    pk, ek = engine.challenges(a, cap, ssum, o, use_kernel=True)
    pn, en = engine.challenges(a, cap, ssum, o, use_kernel=False)
    np.testing.assert_allclose(pk, pn, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ek, en, rtol=1e-12, atol=1e-12)


def test_challenge_probability_by_hand() -> None:
    # three actors on one dimension, risk neutral, proportional votes, semi-commitment:
    # the formula worked out with plain Python arithmetic
    d = np.array([[0.0, 0.6, 0.2], [0.6, 0.0, 0.4], [0.2, 0.4, 0.0]])
    w = np.array([2.0, 1.0, 1.5])
    u = 1 - d                      # u[a, b]
    ci, cj = w[0] * (u[0, 0] - u[0, 1]), w[1] * (u[1, 0] - u[1, 1])
    chij, chji = 1e-10 + ci, 1e-10 - cj
    vn = w[2] * (u[2, 0] - u[2, 1])
    pin = (chij + vn) / (chij + vn + chji)
    a1 = pin * (2 * u[2, 0] + 1) + (1 - pin) * 3 * u[2, 1]
    a2 = pin * 3 * u[2, 0] + (1 - pin) * (2 * u[2, 1] + 1)
    vk = w[2] * (a1 - a2)
    expect = (chij + max(vk, 0)) / (chij + max(vk, 0) + chji + max(-vk, 0))
    got = kernels.challenge_from_d(d[None], np.zeros((1, 3, 3)), w[None], 2, 1)[0][0, 0, 1]
    assert got == pytest.approx(expect, rel=1e-12)


@pytest.mark.parametrize("rule", list(kernels.RULES))
def test_coalition_kernel_equals_numpy(rule) -> None:
    rng = np.random.default_rng(3)
    u = rng.uniform(0, 1, (4, 9, 5))
    w = rng.uniform(1, 10, (4, 9))
    np.testing.assert_allclose(kernels.coalitions(u, w, kernels.RULES[rule], 1e-8),
                               core.coalitions(rule, w, u), rtol=1e-12)


def test_conditional_election_matches_product_formula() -> None:
    rng = np.random.default_rng(1)
    u, w = rng.uniform(0, 1, (1, 6, 4)), rng.uniform(1, 5, (1, 6))
    c = core.coalitions("Prop", w, u)[0]
    pv = c / (c + c.T)
    np.fill_diagonal(pv, 0.5)
    p = pv.prod(axis=1)
    np.testing.assert_allclose(core.election(u, w, rule="Prop", vpm="Linear",
                                             pce="Conditional")[0], p / p.sum(), rtol=1e-12)


def test_markov_uniform_is_the_stationary_distribution() -> None:
    # fixed point p = T p of the chain (uniform challenger), solved directly as an eigenvector
    rng = np.random.default_rng(2)
    u, w = rng.uniform(0, 1, (1, 8, 5)), rng.uniform(1, 5, (1, 8))
    c = core.coalitions("Prop", w, u)
    pv = core.victory_matrix("Linear", c)[0]
    m = len(pv)
    T = (np.diag(pv.sum(axis=1)) + pv) / m     # q_i = sum_j pv_ij (p_i + p_j) / m
    vals, vecs = np.linalg.eig(T)
    stat = np.real(vecs[:, np.argmin(np.abs(vals - 1))])
    stat /= stat.sum()
    got = core.condorcet("MarkovUniform", c, pv[None])[0]
    np.testing.assert_allclose(got, stat, atol=1e-5)


def test_markov_incentive_is_a_fixed_point() -> None:
    rng = np.random.default_rng(4)
    u, w = rng.uniform(0, 1, (1, 8, 5)), rng.uniform(1, 5, (1, 8))
    c = core.coalitions("Prop", w, u)[0]
    pv = core.victory_matrix("Linear", c[None])[0]
    p = core.condorcet("MarkovIncentive", c[None], pv[None])[0]
    inc = c * pv + np.eye(5) * 1e-10
    chl = inc / inc.sum(axis=0)
    ct = p[:, None] * chl.T
    q = (pv * (ct + ct.T)).sum(axis=1)
    assert p.sum() == pytest.approx(1)
    np.testing.assert_allclose(q, p, atol=1e-7)


@pytest.mark.parametrize("rr,lo,hi", [("Min", 0, 1), ("Mid", -0.5, 1), ("Max", -1, 1)])
def test_big_r_range(rr, lo, hi) -> None:
    p = np.array([[0.1, 0.5, 0.25, 0.15]])
    r = core.big_r(p, rr)
    assert r.min() == pytest.approx(lo) and r.max() == pytest.approx(hi)
    assert np.all(np.diff(r[0][np.argsort(p[0])]) > 0)


def test_utility_shape() -> None:
    d = np.linspace(0, 1, 11)
    assert np.allclose(core.utility(d, 0.0), 1 - d)
    assert np.all(core.utility(d[1:-1], 1.0) > 1 - d[1:-1])      # risk-averse: concave
    assert np.all(core.utility(d[1:-1], -1.0) < 1 - d[1:-1])
    assert core.utility(np.array(1.05), 0.5) == pytest.approx(-0.05 * 1.5)


def test_interpolated_bargain() -> None:
    t_i, t_j = np.array([[0.2]]), np.array([[0.8]])
    s = np.array([[0.5]])
    bi, bj = core.interpolate("S2P2", t_i, s, np.array([0.5]), t_j, s, np.array([0.5]))
    assert bi[0, 0] == pytest.approx(0.5, abs=1e-4) and bj[0, 0] == pytest.approx(0.5, abs=1e-4)
    # the likelier winner pulls the bargain towards itself, by P^2 s^2
    bi, _ = core.interpolate("S2P2", t_i, s, np.array([0.75]), t_j, s, np.array([0.25]))
    assert bi[0, 0] == pytest.approx(round((9 * 0.2 + 0.8) / 10, 4), abs=1e-4)


def test_batch_equals_single_runs() -> None:
    d = read_ktab_csv(KTAB / "inputs" / "dummyData_3Dim.csv")
    rng = np.random.default_rng(0)
    B = 4
    pw = d.power[None] * rng.uniform(0.7, 1.3, (B, len(d.actors)))
    final, states = run_batch(pw, np.repeat(d.position[None], B, 0),
                              np.repeat(d.salience[None], B, 0))
    for b in range(B):
        d.power = pw[b]
        m = SpatialModel().fit(d)
        assert states[b] == m.n_states_
        np.testing.assert_allclose(final[b], m.positions_[-1], atol=1e-9)


def test_deterministic_and_stochastic_transitions() -> None:
    d = read_ktab_csv(KTAB / "inputs" / "SOE-Pol-Comp.csv")
    a = SpatialModel().fit(d)
    b = SpatialModel().fit(d)
    np.testing.assert_array_equal(a.positions_, b.positions_)
    s1 = SpatialModel(state_transitions="Stochastic").fit(d, rng=np.random.default_rng(5))
    s2 = SpatialModel(state_transitions="Stochastic").fit(d, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(s1.positions_, s2.positions_)
    finals = [SpatialModel(state_transitions="Stochastic").fit(
        d, rng=np.random.default_rng(k)).positions_[-1] for k in range(6)]
    # random choice among bargains: runs differ from each other and from the deterministic one
    assert any(not np.allclose(f, finals[0]) for f in finals[1:])
    assert any(not np.allclose(f, a.positions_[-1]) for f in finals)
    with pytest.raises(SarhadError):
        SpatialModel(state_transitions="Stochastic").fit(d)


@pytest.mark.parametrize("opt", [
    {"victory_prob": "Square"}, {"victory_prob": "Binary"}, {"voting_rule": "Binary"},
    {"voting_rule": "Cubic"}, {"voting_rule": "ASymProsp"}, {"pce": "MarkovUniform"},
    {"pce": "MarkovIncentive"}, {"big_r_range": "Max"}, {"big_r_adjust": "Full"},
    {"big_r_adjust": "None"}, {"third_party_commit": "FullCommit"},
    {"inter_vec_bargain": "S1P1"}, {"inter_vec_bargain": "S2PMax"},
    {"bargain_model": "InitRcvrInterp"}, {"bargain_model": "PWCompInterp"},
])
def test_other_switches_run(opt) -> None:
    d = read_ktab_csv(KTAB / "inputs" / "dummyData_3Dim.csv")
    base = SpatialModel().fit(d)
    m = SpatialModel(**opt).fit(d)
    assert 3 <= m.n_states_ <= 101
    assert np.all((m.positions_ >= -1e-9) & (m.positions_ <= 100 + 1e-9))
    assert m.positions_.shape[1:] == base.positions_.shape[1:]


def test_bad_switch_is_one_line() -> None:
    with pytest.raises(SarhadError, match="voting_rule: 'Majority' is not one of"):
        SpatialModel(voting_rule="Majority")  # type: ignore[arg-type]


def test_numpy_path_reproduces_kernel_path_end_to_end() -> None:
    d = read_ktab_csv(KTAB / "inputs" / "SOE-Pol-Comp.csv")
    a = SpatialModel().fit(d)
    b = SpatialModel(use_kernels=False).fit(d)
    assert a.n_states_ == b.n_states_
    np.testing.assert_allclose(a.positions_, b.positions_, atol=1e-9)
    np.testing.assert_allclose(a.win_prob_, b.win_prob_, atol=1e-9)


def test_stopping_rule() -> None:
    d = read_ktab_csv(KTAB / "inputs" / "SOE-Pol-Comp.csv")
    assert SpatialModel(max_iter=3).fit(d).n_states_ == 4          # capped: 3 turns + initial
    # a ratio no turn can stay above stops at the minimum of 2 turns
    assert SpatialModel(min_delta_ratio=10.0).fit(d).n_states_ == 3
    m = SpatialModel().fit(d)
    moves = np.linalg.norm(np.diff(m.positions_ / 100, axis=0), axis=2).sum(axis=1)
    ratio = moves / (moves[0] + 1e-4)
    # it stops at the first turn (from the second on) whose move is under 2% of the first
    first_quiet = 1 + int(np.argmax(ratio[1:] < 0.02))
    assert m.n_states_ == first_quiet + 2


def test_everyone_agrees_nothing_moves() -> None:
    from sarhad.bargain import SMPInput

    d = SMPInput(name="same", description="", actors=["a", "b", "c"], dimensions=["x"],
                 power=np.array([1.0, 2.0, 3.0]), position=np.full((3, 1), 40.0),
                 salience=np.array([[50.0], [60.0], [70.0]]))
    m = SpatialModel().fit(d)
    assert m.n_states_ == 3                                         # stops at the minimum
    np.testing.assert_array_equal(m.positions_[-1], d.position)
    np.testing.assert_allclose(m.win_prob_[-1], 1.0)                # one shared position
