"""Each mechanism moves in its documented direction; states stay in range (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sarhad.simulate import mechanisms as m

R = 5


def a(x: float) -> np.ndarray:
    return np.full(R, float(x))


unit = st.floats(0.0, 1.0)


def test_more_sanctuary_more_capacity():
    lo = m.sanctuary_capacity(a(0.5), a(0.2), capacity_growth=a(0.05), capacity_decay=a(0.04))
    hi = m.sanctuary_capacity(a(0.5), a(0.9), capacity_growth=a(0.05), capacity_decay=a(0.04))
    assert np.all(hi > lo)
    assert np.all(hi > 0.5) and np.all(lo < 0.5)


def test_broken_commitment_shortens_ceasefire():
    kept = m.ceasefire_break_prob(a(0.0), a(0.8), ceasefire_hazard=a(0.1),
                                  broken_commitment=a(0.4), cohesion_hazard=a(0.1))
    broken = m.ceasefire_break_prob(a(0.5), a(0.8), ceasefire_hazard=a(0.1),
                                    broken_commitment=a(0.4), cohesion_hazard=a(0.1))
    assert np.all(broken > kept)
    # expected length of a cease-fire is 1 / hazard months: shorter when promises are broken
    assert np.all(1 / broken < 1 / kept)


def test_low_cohesion_raises_collapse_risk():
    hi = m.ceasefire_break_prob(a(0.0), a(0.9), ceasefire_hazard=a(0.1),
                                broken_commitment=a(0.4), cohesion_hazard=a(0.2))
    lo = m.ceasefire_break_prob(a(0.0), a(0.3), ceasefire_hazard=a(0.1),
                                broken_commitment=a(0.4), cohesion_hazard=a(0.2))
    assert np.all(lo > hi)


def test_concessions_and_mediation_raise_ceasefire_chance():
    kw = dict(talks_base=a(-2.5), concession_weight=a(3.0), mediation_weight=a(1.5))
    p = m.ceasefire_start_prob
    assert np.all(p(0.6, a(0.5), **kw) > p(0.1, a(0.5), **kw))
    assert np.all(p(0.3, a(0.8), **kw) > p(0.3, a(0.2), **kw))


def test_delivery_only_during_ceasefire_and_with_intent():
    base = dict(delivery_rate=a(0.5))
    assert np.all(m.prisoner_delivery(a(0.6), a(0.0), a(0.0), 1.0, **base) == 0)
    full = m.prisoner_delivery(a(0.6), a(0.0), a(1.0), 1.0, **base)
    half = m.prisoner_delivery(a(0.6), a(0.0), a(1.0), 0.5, **base)
    assert np.all(full > half) and np.all(half > 0)


def test_deals_strengthen_ttp_and_aq():
    s0, q0 = m.deal_dividend(a(0.5), a(0.5), a(0.0), a(0.0), deal_gain=a(0.2), aq_gain=a(0.2))
    s1, q1 = m.deal_dividend(a(0.5), a(0.5), a(0.1), a(0.2), deal_gain=a(0.2), aq_gain=a(0.2))
    assert np.all(s1 > s0) and np.all(q1 > q0)


def test_strikes_thin_leadership():
    kw = dict(strike_hit_rate=a(0.5), leadership_loss=a(0.2), leadership_regrowth=a(0.01))
    u = np.linspace(0.05, 0.95, R)
    none, hit0 = m.leadership_attrition(a(0.8), a(0.0), u, **kw)
    full, hit1 = m.leadership_attrition(a(0.8), a(1.0), u, **kw)
    assert not hit0.any() and hit1.any()
    assert np.all(full <= none) and np.any(full < none)


def test_cooperation_sharpens_strikes():
    lo = m.strike_intensity(a(0.3), 0.05, a(0.1), coop_intel=a(0.5))
    hi = m.strike_intensity(a(0.3), 0.05, a(0.6), coop_intel=a(0.5))
    assert np.all(hi > lo) and np.all(m.strike_intensity(a(0.9), 0.5, a(1.0),
                                                         coop_intel=a(1.0)) == 1.0)


def test_long_ceasefire_and_inducements_cut_loyalty():
    hard = np.array([True, False])
    kw = dict(ceasefire_strain=a(0.06), inducement_effect=a(0.1), loyalty_recovery=a(0.05))
    loy = np.full((R, 2), 0.6)
    short = m.faction_loyalty(loy, a(0.5), a(1), 0.0, hard, **kw)
    long = m.faction_loyalty(loy, a(0.5), a(8), 0.0, hard, **kw)
    assert np.all(long < short)
    induced = m.faction_loyalty(loy, a(0.5), a(0), 1.0, hard, **kw)
    # inducements wean the malleable faction, not the hardline one
    assert np.all(induced[:, 1] < 0.6) and np.all(induced[:, 0] == 0.6)


def test_disloyal_hardliners_go_to_isk_and_feed_it():
    status = np.zeros((R, 2), dtype=np.int8)
    loy = np.full((R, 2), 0.1)
    hard = np.array([True, False])
    new, _, to_isk = m.faction_moves(status, loy, a(0.5), np.zeros((R, 2)), hard,
                                     split_threshold=a(0.3), split_prob=a(0.5), rejoin_prob=a(0.1))
    assert np.all(new[:, 0] == 2) and np.all(new[:, 1] == 1) and to_isk[:, 0].all()
    grown = m.isk_growth(a(0.3), a(0.2), isk_absorb=a(0.5), isk_decay=a(0.02))
    assert np.all(grown > m.isk_growth(a(0.3), a(0.0), isk_absorb=a(0.5), isk_decay=a(0.02)))
    size = np.array([0.5, 0.5])
    assert np.all(m.cohesion(new, loy, size) < m.cohesion(status, loy, size))


def test_isk_outbids_during_ttp_ceasefire_and_grows_with_strength():
    kw = dict(isk_violence=a(1.0), isk_outbid=a(0.3))
    calm = m.isk_mean(a(0.3), 0.3, 3.0, a(0.0), **kw)
    np.testing.assert_allclose(calm, 3.0)
    assert np.all(m.isk_mean(a(0.3), 0.3, 3.0, a(1.0), **kw) > calm)
    assert np.all(m.isk_mean(a(0.6), 0.3, 3.0, a(0.0), **kw) > calm)


def test_strong_ttp_reabsorbs_splinters():
    status = np.ones((R, 1), dtype=np.int8)
    u = np.full((R, 1), 0.05)
    kw = dict(split_threshold=a(0.3), split_prob=a(0.5), rejoin_prob=a(0.2))
    weak, _, _ = m.faction_moves(status, np.full((R, 1), 0.5), a(0.1), u, np.array([False]), **kw)
    strong, _, _ = m.faction_moves(status, np.full((R, 1), 0.5), a(0.9), u, np.array([False]), **kw)
    assert np.all(weak == 1) and np.all(strong == 0)


def test_violence_multiplier_directions():
    ref = {"sanctuary": 0.8, "effective": 0.5, "leadership": 0.9, "cohesion": 0.6}
    kw = dict(sanctuary_effect=a(1.0), strength_elasticity=a(1.0), leadership_elasticity=a(0.5),
              cohesion_elasticity=a(0.5), ceasefire_effect=a(0.8))
    at_ref = m.violence_multiplier(a(0.8), a(0.5), a(0.9), a(0.6), a(0.0), ref, **kw)
    np.testing.assert_allclose(at_ref, 1.0)
    assert np.all(m.violence_multiplier(a(0.95), a(0.5), a(0.9), a(0.6), a(0), ref, **kw) > 1)
    assert np.all(m.violence_multiplier(a(0.8), a(0.5), a(0.9), a(0.6), a(1), ref, **kw) < 1)
    assert np.all(m.violence_multiplier(a(0.8), a(0.5), a(0.5), a(0.6), a(0), ref, **kw) < 1)
    assert np.all(m.violence_multiplier(a(0.8), a(0.5), a(0.9), a(0.3), a(0), ref, **kw) < 1)
    assert np.all(m.violence_multiplier(a(0.8), a(0.7), a(0.9), a(0.6), a(0), ref, **kw) > 1)


def test_urban_violence_raises_pressure():
    kw = dict(pressure_sensitivity=a(0.3), pressure_decay=a(0.2), pressure_scale=a(20.0))
    hi, lo = m.domestic_pressure(a(0.3), a(50.0), **kw), m.domestic_pressure(a(0.3), a(0.0), **kw)
    assert np.all(hi > lo)


def test_fence_and_strikes_degrade_relations_and_diplomacy_follows():
    kw = dict(fence_friction=a(0.05), strike_friction=a(0.1), relations_recovery=a(0.1))
    calm = m.fence_friction(a(0.6), 0.6, 0.0, a(0.0), **kw)
    fenced = m.fence_friction(a(0.6), 0.6, 1.0, a(0.0), **kw)
    struck = m.fence_friction(a(0.6), 0.6, 0.0, a(1.0), **kw)
    assert np.all(fenced < calm) and np.all(struck < calm)
    assert np.all(m.diplomacy_follows(a(0.7), a(0.2), diplomacy_adjust=a(0.2)) < 0.7)


def test_diplomacy_buys_restraint():
    kw = dict(taliban_adjust=a(0.3), taliban_leverage=a(0.3))
    more = m.taliban_sanctuary(a(0.8), 0.9, a(0.2), 0.7, **kw)
    less = m.taliban_sanctuary(a(0.8), 0.9, a(0.9), 0.7, **kw)
    assert np.all(less < more)


def test_threat_raises_us_cooperation_up_to_ceiling():
    kw = dict(threat_pull=a(0.4), coop_ceiling=a(0.45), coop_adjust=a(0.5), threat_scale=a(60.0))
    low = m.us_cooperation(a(0.25), a(0.0), 0.25, **kw)
    high = m.us_cooperation(a(0.25), a(500.0), 0.25, **kw)
    assert np.all(high > low)
    for _ in range(200):
        high = m.us_cooperation(high, a(1e6), 0.25, **kw)
    assert np.all(high <= 0.45 + 1e-12)


def test_ceasefire_infiltration_and_containment():
    kw = dict(infiltration=a(0.2), containment_effect=a(0.1), urban_reach=a(0.3))
    urban = np.array([False, True])
    pres = np.full((R, 2), 0.5)
    cf = m.infiltration(pres, a(1.0), a(0.9), urban, 0.0, **kw)
    assert np.all(cf > 0.5) and np.all(cf[:, 0] > cf[:, 1])
    contained = m.infiltration(pres, a(0.0), a(0.9), urban, 1.0, **kw)
    assert np.all(contained < 0.5)


def test_poisson_ppf_matches_scipy():
    from scipy import stats

    rng = np.random.default_rng(3)
    u = rng.random(4000)
    lam = np.concatenate([np.zeros(100), rng.gamma(0.5, 2, 1300), rng.gamma(2, 50, 1300),
                          rng.gamma(2, 5000, 1300)])
    np.testing.assert_array_equal(m.poisson_ppf(u, lam), stats.poisson.ppf(u, lam).astype(int))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 500), min_size=1, max_size=20), st.integers(1, 6),
       st.floats(0.0, 0.999999))
def test_systematic_split_sums_and_is_non_negative(totals, k, u):
    rng = np.random.default_rng(len(totals) * 7 + k)
    t = np.array(totals)
    w = rng.dirichlet(np.ones(k), len(t))
    n = m.systematic_split(t, w, np.full(len(t), u))
    assert np.all(n >= 0) and np.all(n.sum(axis=1) == t)
    assert np.all(np.abs(n - w * t[:, None]) < 1 + 1e-9)


def test_systematic_split_is_unbiased():
    rng = np.random.default_rng(5)
    t = np.full(20000, 7)
    w = np.tile([0.2, 0.5, 0.3], (20000, 1))
    n = m.systematic_split(t, w, rng.random(20000))
    np.testing.assert_allclose(n.mean(axis=0), [1.4, 3.5, 2.1], atol=0.03)


@settings(max_examples=80, deadline=None)
@given(unit, unit, unit, unit, unit, unit, st.floats(0, 1e4))
def test_every_update_stays_in_unit_range(x, s, p, q, c, v, y):
    arr = a
    assert m.sanctuary_capacity(arr(x), arr(s), capacity_growth=arr(p),
                                     capacity_decay=arr(q)).min() >= 0
    out = m.sanctuary_capacity(arr(x), arr(s), capacity_growth=arr(p), capacity_decay=arr(q))
    assert out.max() <= 1
    for f in (m.domestic_pressure(arr(x), arr(y), pressure_sensitivity=arr(p),
                                  pressure_decay=arr(q), pressure_scale=arr(20.0)),
              m.fence_friction(arr(x), c, s, arr(v), fence_friction=arr(p), strike_friction=arr(q),
                               relations_recovery=arr(c)),
              m.us_cooperation(arr(x), arr(y), s, threat_pull=arr(p), coop_ceiling=arr(q),
                               coop_adjust=arr(c), threat_scale=arr(60.0)),
              m.taliban_sanctuary(arr(x), s, arr(p), q, taliban_adjust=arr(c),
                                  taliban_leverage=arr(v)),
              m.ceasefire_break_prob(arr(x), arr(s), ceasefire_hazard=arr(p),
                                     broken_commitment=arr(q), cohesion_hazard=arr(c)),
              m.isk_growth(arr(x), arr(s), isk_absorb=arr(p), isk_decay=arr(q)),
              *m.deal_dividend(arr(x), arr(s), arr(p), arr(q), deal_gain=arr(c), aq_gain=arr(v)),
              m.leadership_attrition(arr(x), arr(s), arr(0.0), strike_hit_rate=arr(p),
                                     leadership_loss=arr(q), leadership_regrowth=arr(c))[0]):
        assert np.all((f >= 0) & (f <= 1))
