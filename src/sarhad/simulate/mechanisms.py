"""The mechanisms of the system, one small function each (DESIGN.md §2).

Every function is pure array math: it takes state arrays (shape ``(runs,)``, ``(runs,
factions)`` or ``(runs, provinces)``), policy levers and named parameters (arrays of shape
``(runs,)``: each run has its own draw from the priors in ``20-simulation.yaml``) and returns new
arrays; none reads a global or draws a random number (uniforms are passed in). Each docstring
gives the rule and the paragraphs of the source it encodes; the parameter values, their priors
and reasons live in the scenario file, not here.

Indices in ``[0, 1]`` (strength, sanctuary, relations, ...) stay in ``[0, 1]``: every update is a
convex move toward a bound or an explicit clip, which the property tests check.
"""

from __future__ import annotations

import numpy as np
from scipy import special

Array = np.ndarray


def _unit(x: Array) -> Array:
    return np.clip(x, 0.0, 1.0)


# --- Pakistan: talks, cease-fire, prisoners -------------------------------------------------

def ceasefire_start_prob(package: float | Array, relations: Array, *, talks_base: Array,
                         concession_weight: Array, mediation_weight: Array) -> Array:
    """Monthly chance that talks produce a cease-fire (P08-P11, P18-P19):

    ``p = logistic(talks_base + concession_weight * package
    + mediation_weight * (relations - 0.5))``

    ``package`` is the TTP's value of the concession package (weighted items, 0-1); Haqqani's
    mediation works better when Pakistan-Taliban ``relations`` are good (P08, P10)."""
    return special.expit(talks_base + concession_weight * package
                         + mediation_weight * (relations - 0.5))


def ceasefire_break_prob(unmet: Array, cohesion: Array, *, ceasefire_hazard: Array,
                         broken_commitment: Array, cohesion_hazard: Array) -> Array:
    """Monthly chance that a cease-fire collapses (P09, P11-P12):

    ``h = ceasefire_hazard + broken_commitment * unmet + cohesion_hazard * (1 - cohesion)``

    clipped to [0, 1]. ``unmet`` is the promised but undelivered share of prisoner releases: the
    TTP suspended the 2021 cease-fire over broken commitments (P09); a restive group with low
    cohesion pushes its leaders out of a cease-fire (P11, P12)."""
    return _unit(ceasefire_hazard + broken_commitment * unmet + cohesion_hazard * (1 - cohesion))


def prisoner_delivery(promised: Array, released: Array, ceasefire: Array, deliver: float, *,
                      delivery_rate: Array) -> Array:
    """Share of the prisoner stock released this month (P09, P19):

    ``delivered = ceasefire * delivery_rate * deliver * (promised - released)``

    ``deliver`` (policy lever, 0-1) is how far Pakistan means to keep its promise."""
    return ceasefire * delivery_rate * deliver * np.maximum(promised - released, 0.0)


def deal_dividend(strength: Array, aq_room: Array, delivered: Array, flow: Array, *,
                  deal_gain: Array, aq_gain: Array) -> tuple[Array, Array]:
    """Deals leave the TTP and al-Qaeda stronger (P23):

    ``strength += deal_gain * (delivered + flow) * (1 - strength)``;
    ``aq_room += aq_gain * (delivered + flow) * (1 - aq_room)``

    ``flow`` is the monthly value of the non-prisoner concessions while a cease-fire holds."""
    d = delivered + flow
    return (_unit(strength + deal_gain * d * (1 - strength)),
            _unit(aq_room + aq_gain * d * (1 - aq_room)))


def aq_host(aq_room: Array, strength: Array, *, aq_decay: Array) -> Array:
    """Al-Qaeda's room follows the strength of its host (P23, P24):
    ``aq_room += aq_decay * (strength - aq_room)``."""
    return _unit(aq_room + aq_decay * (strength - aq_room))


# --- the Taliban's sanctuary and the TTP's capacity ------------------------------------------

def taliban_sanctuary(sanctuary: Array, stance: float, diplomacy: Array, diplomacy0: float, *,
                      taliban_adjust: Array, taliban_leverage: Array) -> Array:
    """The Taliban move their sanctuary toward their stance (P05, P06, P14, P27):

    ``target = stance - taliban_leverage * (diplomacy - diplomacy0)``;
    ``sanctuary += taliban_adjust * (target - sanctuary)``

    Pakistan's diplomatic support buys a little restraint; losing it costs some (P16)."""
    target = _unit(stance - taliban_leverage * (diplomacy - diplomacy0))
    return _unit(sanctuary + taliban_adjust * (target - sanctuary))


def sanctuary_capacity(strength: Array, sanctuary: Array, *, capacity_growth: Array,
                       capacity_decay: Array) -> Array:
    """Sanctuary raises the TTP's strength; its absence erodes it (P04, P05):

    ``strength += capacity_growth * sanctuary * (1 - strength)
                  - capacity_decay * (1 - sanctuary) * strength``."""
    return _unit(strength + capacity_growth * sanctuary * (1 - strength)
                 - capacity_decay * (1 - sanctuary) * strength)


def capacity_steady_state(sanctuary: Array, fallback: Array, *, capacity_growth: Array,
                          capacity_decay: Array) -> Array:
    """The strength at which :func:`sanctuary_capacity` stands still for a given sanctuary:

    ``strength* = g s / (g s + d (1 - s))`` with ``g = capacity_growth``, ``d = capacity_decay``

    Used at an origin where the sanctuary had long been at its level (before the takeover), so
    the state adds no capacity drift the fitted record does not already show (P04, P05).
    ``fallback`` where the rule is switched off (``g s + d (1 - s) = 0``)."""
    up = capacity_growth * sanctuary
    den = up + capacity_decay * (1 - sanctuary)
    safe = np.where(den > 0, den, 1.0)
    return np.where(den > 0, _unit(up / safe), fallback)


def infiltration(presence: Array, ceasefire: Array, sanctuary: Array, reach: Array,
                 containment: float, *, infiltration: Array, containment_effect: Array,
                 urban_reach: Array) -> Array:
    """Attack capacity inside Pakistan by province, ``(runs, provinces)`` (P11, P18):

    ``presence += infiltration * ceasefire * sanctuary * r_p * (1 - presence)
                  - containment_effect * containment * presence``

    with ``r_p = 1`` for border provinces and ``urban_reach`` for urban ones (``reach`` is the
    urban indicator). A cease-fire lets fighters slip in from Afghan bases (P11); containment
    operations erode the presence (P18)."""
    r = np.where(reach, urban_reach[:, None], 1.0)
    grow = (infiltration * ceasefire * sanctuary)[:, None] * r * (1 - presence)
    return _unit(presence + grow - (containment_effect * containment)[:, None] * presence)


# --- strikes and the leadership ---------------------------------------------------------------

def strike_intensity(pakistan: Array, us: float, us_coop: Array, *, coop_intel: Array) -> Array:
    """Effective strike intensity on the TTP leadership (P20, P24-P26):

    ``min(1, (pakistan + us) * (1 + coop_intel * us_coop))``

    Pakistan's and the US's over-the-horizon strikes, sharpened by US-Pakistan intelligence
    help limited to a few targets (P25, P26)."""
    return np.minimum((pakistan + us) * (1.0 + coop_intel * us_coop), 1.0)


def leadership_attrition(leadership: Array, intensity: Array, u: Array, *,
                         strike_hit_rate: Array, leadership_loss: Array,
                         leadership_regrowth: Array) -> tuple[Array, Array]:
    """Drone strikes thin the leadership (P20, P24); leaders are replaced slowly:

    ``hit = u < strike_hit_rate * intensity``;
    ``l' = leadership * (1 - leadership_loss * hit)``;
    ``leadership = l' + leadership_regrowth * (1 - l')``

    ``intensity`` is Pakistan's plus the US's strike intensity, capped at 1. Returns
    ``(leadership, hit)``."""
    hit = u < strike_hit_rate * np.minimum(intensity, 1.0)
    lead = leadership * (1 - leadership_loss * hit)
    return _unit(lead + leadership_regrowth * (1 - lead)), hit


# --- cohesion, splits and defections ----------------------------------------------------------

def faction_loyalty(loyalty: Array, strength: Array, cf_len: Array, inducement: float,
                    hardline: Array, *, ceasefire_strain: Array, inducement_effect: Array,
                    loyalty_recovery: Array) -> Array:
    """Loyalty of each faction to the TTP centre, ``(runs, factions)`` (P03, P12, P21):

    ``loyalty += loyalty_recovery * (strength - 0.5) - ceasefire_strain * cf_len / 6
                 - inducement_effect * inducement * (1 - hardline)``

    A long cease-fire strains cohesion, and more so the longer it lasts (Mehsud's worry, P12);
    Pakistan's inducements wean malleable factions away (P21); fighting from a strong base holds
    the group together (P03)."""
    d = (loyalty_recovery * (strength - 0.5) - ceasefire_strain * cf_len / 6.0)[:, None] \
        - (inducement_effect * inducement)[:, None] * (1.0 - hardline)
    return _unit(loyalty + d)


def faction_moves(status: Array, loyalty: Array, strength: Array, u: Array, hardline: Array, *,
                  split_threshold: Array, split_prob: Array,
                  rejoin_prob: Array) -> tuple[Array, Array, Array]:
    """Factions leave, defect and re-merge (P03, P12, P21, P24). ``status`` is 0 (in the TTP),
    1 (split off, e.g. taking Pakistan's deal) or 2 (gone to IS-K):

    * a member with ``loyalty < split_threshold`` leaves when ``u < split_prob``: a hardline
      faction to IS-K (P12, P24), a malleable one on its own (P21);
    * a split faction re-merges when ``u < rejoin_prob * strength`` (splinters rejoined a strong
      TTP in 2020-2021, P03), with loyalty reset to the threshold plus 0.1.

    Returns ``(status, loyalty, to_isk)`` where ``to_isk`` flags this month's IS-K defections."""
    member = status == 0
    leave = member & (loyalty < split_threshold[:, None]) & (u < split_prob[:, None])
    rejoin = (status == 1) & (u < (rejoin_prob * strength)[:, None])
    to_isk = leave & hardline
    new = np.where(leave, np.where(hardline, 2, 1), status)
    new = np.where(rejoin, 0, new).astype(status.dtype)
    loy = np.where(rejoin, np.minimum(split_threshold[:, None] + 0.1, 1.0), loyalty)
    return new, loy, to_isk


def cohesion(status: Array, loyalty: Array, size: Array) -> Array:
    """TTP cohesion: ``sum_{f in TTP} size_f * loyalty_f`` (sizes sum to 1), so both disloyalty
    and departures lower it (P03, P24)."""
    return np.sum(np.where(status == 0, loyalty, 0.0) * size, axis=1)


def isk_growth(isk: Array, defected_size: Array, *, isk_absorb: Array, isk_decay: Array) -> Array:
    """Defections feed IS-K (P12, P24): ``isk += isk_absorb * defected_size * (1 - isk)
    - isk_decay * isk``, where ``defected_size`` is the share of the TTP that defected this
    month."""
    return _unit(isk + isk_absorb * defected_size * (1 - isk) - isk_decay * isk)


# --- violence ---------------------------------------------------------------------------------

def violence_multiplier(sanctuary: Array, effective: Array, leadership: Array, coh: Array,
                        ceasefire: Array, ref: dict[str, Array], *, sanctuary_effect: Array,
                        strength_elasticity: Array, leadership_elasticity: Array,
                        cohesion_elasticity: Array, ceasefire_effect: Array) -> Array:
    """How the state scales the fitted dynamics model's mean (P03, P05, P09, P24):

    ``m = exp(sanctuary_effect * (sanctuary - sanctuary_0))
          * (effective / effective_0) ** strength_elasticity
          * (leadership / leadership_0) ** leadership_elasticity
          * (cohesion / cohesion_0) ** cohesion_elasticity
          * exp(-ceasefire_effect * ceasefire)``

    ``_0`` values are the state at the origin (``ref``), so ``m = 1`` reproduces the fitted
    model; ``effective`` is strength times the share of factions still in the TTP. Floors of
    1e-3 keep the ratios finite when a quantity collapses to zero."""
    def ratio(x: Array, x0: Array, e: Array) -> Array:
        return np.power(np.maximum(x, 1e-3) / np.maximum(x0, 1e-3), e)

    return (np.exp(sanctuary_effect * (sanctuary - ref["sanctuary"]))
            * ratio(effective, ref["effective"], strength_elasticity)
            * ratio(leadership, ref["leadership"], leadership_elasticity)
            * ratio(coh, ref["cohesion"], cohesion_elasticity)
            * np.exp(-ceasefire_effect * ceasefire))


def province_weights(shares: Array, presence: Array, presence0: float) -> tuple[Array, Array]:
    """Where the TTP can strike (P03, P11): ``(scale, weights)`` with
    ``scale = sum_p share_p * presence_p / presence0`` (more presence, more attacks; 1 at the
    origin) and ``weights_p = share_p * presence_p / sum_q share_q * presence_q`` (uniform if
    the TTP has no presence anywhere). ``shares`` are the record's province shares."""
    w = shares * presence
    total = w.sum(axis=1)
    safe = np.where(total > 0, total, 1.0)[:, None]
    weights = np.where(total[:, None] > 0, w / safe, 1.0 / w.shape[1])
    return total / presence0, weights


def isk_mean(isk: Array, isk0: float, level: float, ceasefire: Array, *, isk_violence: Array,
             isk_outbid: Array) -> Array:
    """IS-K's expected monthly fatalities (P12, P24):

    ``level * (isk / isk0) ** isk_violence * exp(isk_outbid * ceasefire)``

    A stronger IS-K kills more, and it outbids the TTP with violence while the TTP holds a
    cease-fire; ``level`` is IS-K's recent record."""
    return level * np.power(np.maximum(isk, 1e-3) / max(isk0, 1e-3), isk_violence) \
        * np.exp(isk_outbid * ceasefire)


# --- pressure, relations, diplomacy, US cooperation -------------------------------------------

def domestic_pressure(pressure: Array, urban: Array, *, pressure_sensitivity: Array,
                      pressure_decay: Array, pressure_scale: Array) -> Array:
    """Urban violence raises domestic pressure on the military to recalibrate (P16):

    ``pressure = pressure * (1 - pressure_decay)
                 + pressure_sensitivity * urban / (urban + pressure_scale) * (1 - pressure)``

    ``urban`` is this month's TTP fatalities in urban provinces."""
    hit = urban / (urban + pressure_scale)
    return _unit(pressure * (1 - pressure_decay) + pressure_sensitivity * hit * (1 - pressure))


def fence_friction(relations: Array, relations0: float, fence_pace: float, strikes: Array, *,
                   fence_friction: Array, strike_friction: Array,
                   relations_recovery: Array) -> Array:
    """Fencing and cross-border strikes degrade Pakistan-Taliban relations; Pakistan's goal of a
    friendly Kabul pulls them back (P14-P16, P20):

    ``relations += relations_recovery * (relations0 - relations)
                   - fence_friction * fence_pace - strike_friction * strikes``."""
    return _unit(relations + relations_recovery * (relations0 - relations)
                 - fence_friction * fence_pace - strike_friction * strikes)


def diplomacy_follows(diplomacy: Array, relations: Array, *, diplomacy_adjust: Array) -> Array:
    """Worse relations slow Pakistan's campaign to rehabilitate the Taliban (P16):
    ``diplomacy += diplomacy_adjust * (relations - diplomacy)``."""
    return _unit(diplomacy + diplomacy_adjust * (relations - diplomacy))


def us_cooperation(coop: Array, fatalities: Array, lever: float, *, threat_pull: Array,
                   coop_ceiling: Array, coop_adjust: Array, threat_scale: Array) -> Array:
    """A growing threat raises Pakistan's interest in US cooperation, capped by its reliance on
    Haqqani (P25, P26):

    ``threat = y / (y + threat_scale)``;
    ``target = min(coop_ceiling, lever + threat_pull * threat)``;
    ``coop += coop_adjust * (target - coop)``."""
    threat = fatalities / (fatalities + threat_scale)
    target = np.minimum(np.maximum(coop_ceiling, 0.0), lever + threat_pull * threat)
    return _unit(coop + coop_adjust * (target - coop))


def fence_progress(fence: Array, fence_pace: float) -> Array:
    """Fencing: ``fence += fence_pace * (1 - fence) / 12`` (P16)."""
    return _unit(fence + fence_pace * (1 - fence) / 12.0)


# --- counts -----------------------------------------------------------------------------------

def poisson_ppf(u: Array, lam: Array) -> Array:
    """Exact Poisson quantile ``min{k : P(X <= k) >= u}`` for arrays ``u`` in (0, 1), ``lam``.

    Starts from the Cornish-Fisher approximation ``lam + sqrt(lam) z + (z^2 - 1) / 6`` (``z`` the
    normal quantile of ``u``) and corrects it with the exact CDF ``pdtr(k, lam)`` (regularised
    incomplete gamma) until it is the smallest ``k`` with ``F(k) >= u``: the same answer as
    ``scipy.stats.poisson.ppf``, vectorised, in a few passes. Drawing counts by inversion keeps
    one uniform per count, so a per-run oracle can replay the engine's random stream exactly."""
    lam = np.asarray(lam, dtype=float)
    u = np.asarray(u, dtype=float)
    shape = np.broadcast_shapes(lam.shape, u.shape)
    lam = np.broadcast_to(lam, shape).ravel()
    u = np.broadcast_to(u, shape).ravel()
    z = special.ndtri(u)
    k = np.floor(lam + np.sqrt(lam) * z + (z * z - 1.0) / 6.0)
    k = np.where(lam > 0, np.clip(k, 0.0, None), 0.0)
    f = special.pdtr(k, lam)
    # too low: step up on the rows that need it until F(k) >= u
    idx = np.flatnonzero(f < u)
    while idx.size:
        k[idx] += 1.0
        idx = idx[special.pdtr(k[idx], lam[idx]) < u[idx]]
    # too high: step down while F(k - 1) >= u
    idx = np.flatnonzero(k > 0)
    idx = idx[special.pdtr(k[idx] - 1.0, lam[idx]) >= u[idx]]
    while idx.size:
        k[idx] -= 1.0
        idx = idx[k[idx] > 0]
        idx = idx[special.pdtr(k[idx] - 1.0, lam[idx]) >= u[idx]]
    return k.astype(np.int64).reshape(shape)


def systematic_split(total: Array, shares: Array, u: Array) -> Array:
    """Split integer totals ``(runs,)`` over categories with weights ``shares`` ``(runs, k)``
    (rows sum to 1) by systematic sampling with one uniform per run:

    ``n_j = floor(C_j * total + u) - floor(C_{j-1} * total + u)``, ``C_j`` the cumulative shares.

    Counts are non-negative, sum to ``total`` and have expectation ``total * share_j``; the
    allocation is less noisy than a multinomial (documented in docs/simulator.md) and costs no
    extra draws, which keeps the engine fast and the oracle's replay exact."""
    c = np.cumsum(shares, axis=1)
    c[:, -1] = 1.0
    cuts = np.floor(c * total[:, None] + u[:, None])
    cuts = np.concatenate([np.floor(u)[:, None] * 0.0, cuts], axis=1)
    n = np.diff(cuts, axis=1)
    # a last cut of floor(total + u) equals total since 0 <= u < 1
    return n.astype(np.int64)
