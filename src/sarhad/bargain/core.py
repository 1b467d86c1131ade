"""Pure array math of the spatial model of politics (SMP) as KTAB specifies it.

Everything here works on batches: a leading axis ``B`` holds independent runs (draws of the
inputs), then actors ``n`` and dimensions ``d``. Positions and saliences are on KTAB's internal
[0, 1] scale. No input checking happens here; :mod:`sarhad.bargain.model` does that.

The method follows KTAB's SMP (KAPSARC Toolkit for Behavioral Analysis, 2015-2017; the ``smp`` and
``kmodel`` libraries of github.com/lsyaseen/KTAB and its SMP tutorial):

* distance ``d_ij = sqrt(sum_k (s_ik (x_ik - x_jk))^2 / sum_k s_ik^2)`` (i's saliences);
* utility ``u(d, R) = (1 - d)(1 + d R)`` with risk attitude ``R`` in [-1, 1];
* votes ``v_k(i:j) = w_k * f(u_ki - u_kj)`` with ``f`` the voting rule (proportional by default);
* coalitions ``c_ij = eps + sum_k max(v_k(i:j), 0)``;
  victory ``P[i>j] = c_ij^a / (c_ij^a + c_ji^a)``;
* probabilistic Condorcet election (conditional: ``p_i ∝ prod_j P[i>j]``, or two Markov chains);
* risk attitudes from the risk-neutral election (``BigRRange``) and each actor's perception of
  others' attitudes anchored on its own (``BigRAdjust``);
* each actor challenges the target with the largest expected gain, weighing third parties that
  join the little (i:j) contest (``ThirdPartyCommit``), and proposes an interpolated bargain
  (``InterVecBrgn``); each actor then picks among the bargains that involve it by an election
  of all actors over the resulting states.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

VotingRule = Literal["Binary", "PropBin", "Prop", "PropCbc", "Cubic", "ASymProsp"]
VictoryProb = Literal["Linear", "Square", "Quartic", "Octic", "Binary"]
PCEModel = Literal["Conditional", "MarkovIncentive", "MarkovUniform"]
StateTransitions = Literal["Deterministic", "Stochastic"]
BigRRange = Literal["Min", "Mid", "Max"]
BigRAdjust = Literal["None", "OneThird", "Half", "TwoThirds", "Full"]
ThirdPartyCommit = Literal["NoCommit", "SemiCommit", "FullCommit"]
InterVecBargain = Literal["S1P1", "S2P2", "S2PMax"]
BargainModel = Literal["InitOnlyInterp", "InitRcvrInterp", "PWCompInterp"]

# Small constants as KTAB uses them: they only guard 0/0 and are part of the method's numbers.
MIN_COALITION = 1e-8        # floor of a coalition's strength in an election over options
MIN_CHALLENGE = 1e-10       # floor of each side in a challenge (i:j)
MIN_SIG_EDU = 1e-5          # smallest expected gain worth a challenge
BARGAIN_MIN_W = 1e-6        # interpolation guard when neither side can coerce the other
BINARY_TOL = 1e-8           # width of the ramp of the binary voting rule


def seq_sum(a: np.ndarray) -> np.ndarray:
    """Sum over the last axis strictly left to right, as KTAB's loops add; numpy's pairwise
    sums round differently in the last bit, which can flip KTAB's exact ties."""
    if a.shape[-1] <= 8:
        acc = a[..., 0].copy()
        for k in range(1, a.shape[-1]):
            acc = acc + a[..., k]
        return acc
    return np.cumsum(a, axis=-1)[..., -1]


def distances(x: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Salience-weighted distance ``D[b, i, j]`` from i's position to j's, with i's weights.

    ``D_ij = sqrt(sum_k (s_ik (x_ik - x_jk))^2 / sum_k s_ik^2)`` (KTAB ``bvDiff``); in [0, 1].
    """
    ds = (x[:, :, None, :] - x[:, None, :, :]) * s[:, :, None, :]     # (B, i, j, d)
    return np.sqrt(seq_sum(ds * ds) / seq_sum(s * s)[:, :, None])


def point_distances(ideal: np.ndarray, s: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Distance from every actor's ideal to points ``p`` (..., P, d): shape (..., P, n)."""
    ds = (ideal[..., None, :, :] - p[..., :, None, :]) * s[..., None, :, :]   # (..., P, n, d)
    return np.sqrt(seq_sum(ds * ds) / seq_sum(s * s)[..., None, :])


def utility(d: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Utility of a position at normalised distance ``d`` to an actor of risk attitude ``r``.

    ``u = (1 - d)(1 + d R)``: concave for risk-averse ``R > 0``, convex for risk-seeking
    ``R < 0``; round-off beyond ``d = 1`` keeps the end slope (KTAB ``bsUtil``).
    """
    return (1.0 - d) * (1.0 + np.minimum(d, 1.0) * r)


def vote(rule: VotingRule, w: np.ndarray, du: np.ndarray) -> np.ndarray:
    """Vote of weight ``w`` on a utility difference ``du = u(a) - u(b)``; positive favours a."""
    if rule == "Prop":
        return w * du
    if rule == "Binary":
        return w * np.clip(du / BINARY_TOL, -1.0, 1.0)
    if rule == "PropBin":
        # 0.2 of a binary jump on top of 0.8 proportional slope
        return w * (0.8 * du + 0.2 * np.clip(du / BINARY_TOL, -1.0, 1.0))
    if rule == "PropCbc":
        return w * (0.5 * du + 0.5 * du ** 3)
    if rule == "Cubic":
        return w * du ** 3
    if rule == "ASymProsp":
        # prospect-theory asymmetry: gains count two thirds as much as losses
        return np.where(du > 0.0, (2.0 / 3.0) * w * du, w * du)
    raise ValueError(f"unknown voting rule {rule!r}")


def victory_prob(model: VictoryProb, c1: np.ndarray, c2: np.ndarray) -> np.ndarray:
    """Probability that a coalition of strength ``c1`` beats one of strength ``c2``.

    ``P = c1^a / (c1^a + c2^a)`` with ``a`` = 1, 2, 4, 8; ``Binary`` is certain beyond a 10 %
    advantage and linear in ``c1 / (c1 + c2)`` in between.
    """
    if model == "Binary":
        t = 1.10
        r = c1 / (c1 + c2)
        mid = (r * (t + 1.0) - 1.0) / (t - 1.0)
        x1 = np.where(c1 >= t * c2, 1.0, np.where(c2 >= t * c1, 1e-6, mid))
        x2 = np.where(c1 >= t * c2, 1e-6, np.where(c2 >= t * c1, 1.0, 1.0 - mid))
        return x1 / (x1 + x2)
    a = {"Linear": 1, "Square": 2, "Quartic": 4, "Octic": 8}[model]
    x1, x2 = c1 ** a, c2 ** a
    return x1 / (x1 + x2)


def coalitions(rule: VotingRule, w: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Coalition strengths ``C[..., i, j]`` for option i against j.

    ``w`` (..., voters) weights, ``u`` (..., voters, options) utilities. ``C_ii`` is the floor.
    """
    du = u[..., :, :, None] - u[..., :, None, :]                # (..., k, i, j)
    v = vote(rule, w[..., :, None, None], du)
    # KTAB takes one vote per pair (i > j) and splits it by sign, which matters for the
    # asymmetric rule; mirror that rather than voting again on (j:i)
    m = u.shape[-1]
    lower = np.tril(np.ones((m, m), dtype=bool), -1)
    pos = np.maximum(v, 0.0).sum(axis=-3)
    neg = np.maximum(-v, 0.0).sum(axis=-3)
    c = MIN_COALITION + np.where(lower, pos, np.swapaxes(neg, -1, -2))
    c[..., np.arange(m), np.arange(m)] = MIN_COALITION
    return c


def victory_matrix(model: VictoryProb, c: np.ndarray) -> np.ndarray:
    """``P[..., i, j]`` = probability option i beats j; the diagonal is 1/2."""
    p = victory_prob(model, c, np.swapaxes(c, -1, -2))
    m = c.shape[-1]
    p[..., np.arange(m), np.arange(m)] = 0.5
    return p


def condorcet(pce: PCEModel, c: np.ndarray, pv: np.ndarray) -> np.ndarray:
    """Probabilistic Condorcet election: the probability each option ends up the winner.

    ``Conditional``: ``p_i ∝ prod_j P[i>j]`` (one round). ``MarkovUniform``: stationary
    distribution of a chain where a uniform challenger meets the incumbent. ``MarkovIncentive``:
    challengers chosen in proportion to their incentive ``C_ij P[i>j]`` (KTAB's "Markov voting
    with incentives"). Both chains iterate with damping 1/2, as KTAB does.
    """
    m = pv.shape[-1]
    if pce == "Conditional":
        p = np.ones(pv.shape[:-1])
        for j in range(m):
            p = p * pv[..., j]
        return p / seq_sum(p)[..., None]
    p = np.full(pv.shape[:-1], 1.0 / m)
    if pce == "MarkovUniform":
        tol = 1e-6
        step = None
    elif pce == "MarkovIncentive":
        tol = 1e-8
        inc = c * pv
        inc[..., np.arange(m), np.arange(m)] += 1e-10
        chlg = inc / inc.sum(axis=-2, keepdims=True)          # P[i challenges | j incumbent]
        step = chlg
    else:
        raise ValueError(f"unknown PCE model {pce!r}")
    active = np.ones(p.shape[:-1], dtype=bool)
    for _ in range(1000):
        if step is None:
            q = (pv * (p[..., :, None] + p[..., None, :])).sum(axis=-1) / m
        else:
            ct = p[..., :, None] * np.swapaxes(step, -1, -2)   # ct_ij = p_i P[j challenges i]
            q = (pv * (ct + np.swapaxes(ct, -1, -2))).sum(axis=-1)
        change = np.abs(q - p).max(axis=-1)
        new = 0.5 * (p + q)
        # each problem stops on its own, so batching does not change its numbers
        p = np.where(active[..., None], new, p)
        active &= change > tol
        if not active.any():
            break
    return p


def big_r(p: np.ndarray, rr: BigRRange) -> np.ndarray:
    """Risk attitudes from the risk-neutral winning probabilities (KTAB ``bigRfromProb``).

    The likeliest winner is most risk-averse (R = 1), the least likely most risk-accepting:
    ``Min`` maps to [0, 1], ``Mid`` to [-1/2, 1], ``Max`` to [-1, 1].
    """
    lo = p.min(axis=-1, keepdims=True)
    hi = p.max(axis=-1, keepdims=True)
    span = np.where(hi > lo, hi - lo, 1.0)                     # all equal: everyone neutral-ish
    if rr == "Min":
        return (p - lo) / span
    if rr == "Mid":
        return (3.0 * p - (hi + 2.0 * lo)) / (2.0 * span)
    if rr == "Max":
        return (2.0 * p - (hi + lo)) / span
    raise ValueError(f"unknown BigRRange {rr!r}")


def perceived_r(r: np.ndarray, ra: BigRAdjust) -> np.ndarray:
    """``R[b, h, i]``: h's estimate of i's risk attitude, anchored on h's own."""
    rh, ri = r[:, :, None], r[:, None, :]
    if ra == "None":
        return np.broadcast_to(rh, (*r.shape, r.shape[-1])).copy()
    if ra == "OneThird":
        return ((2.0 * rh) + ri) / 3.0
    if ra == "Half":
        return (rh + ri) / 2.0
    if ra == "TwoThirds":
        return (rh + (2.0 * ri)) / 3.0
    if ra == "Full":
        return np.broadcast_to(ri, (*r.shape, r.shape[-1])).copy()
    raise ValueError(f"unknown BigRAdjust {ra!r}")


def election(u: np.ndarray, w: np.ndarray, *, rule: VotingRule, vpm: VictoryProb,
             pce: PCEModel, use_kernel: bool = True) -> np.ndarray:
    """Probability each option wins, given voters' utilities ``u`` (G, voters, options) and
    weights ``w`` (G, voters). ``use_kernel=False`` forms coalitions with numpy."""
    if use_kernel:
        from sarhad.bargain import kernels

        c = kernels.coalitions(np.ascontiguousarray(u, dtype=float),
                               np.ascontiguousarray(w, dtype=float),
                               kernels.RULES[rule], MIN_COALITION)
    else:
        c = coalitions(rule, w, u)
    pv = victory_matrix(vpm, c)
    return condorcet(pce, c, pv)


def challenge_prob(uii, uij, uji, ujj, uni, unj, unn, wi, wj, wn, third, *,
                   rule: VotingRule, tpc: ThirdPartyCommit) -> tuple[np.ndarray, np.ndarray]:
    """h's estimates of the probabilities that i beats j, and j beats i, if i challenges j.

    Utilities are h's estimates (``u_ab`` = utility to a of b's position). ``wi`` etc. are
    capability × total salience. The principals back themselves; each third party n, looking at
    the little contest (i:j) plus itself, votes on the state it expects if it joins i
    (``ik > j``) against joining j, with ``ThirdPartyCommit`` fixing whether a winning partner
    adopts the winner's position (KTAB ``probEduChlg``, ``vProbLittle``, ``thirdPartyVoteSU``).
    Per-pair arrays have shape ``S``; per-third-party arrays ``S + (n,)``; ``third`` masks i, j.
    """
    ci = vote(rule, wi, uii - uij)
    cj = vote(rule, wj, uji - ujj)
    chij = MIN_CHALLENGE + np.maximum(ci, 0.0) + np.maximum(cj, 0.0)
    chji = MIN_CHALLENGE + np.maximum(-ci, 0.0) + np.maximum(-cj, 0.0)
    vn = vote(rule, wn, uni - unj)
    cni = chij[..., None] + np.maximum(vn, 0.0)
    cnj = chji[..., None] + np.maximum(-vn, 0.0)
    pin = cni / (cni + cnj)
    pjn = 1.0 - pin
    # sums written as KTAB adds them (x + x + y), so results agree to the last bit
    if tpc == "SemiCommit":
        u_ik_j = pin * (uni + uni + unn) + pjn * (unj + unj + unj)
        u_i_jk = pin * (uni + uni + uni) + pjn * (unj + unj + unn)
    elif tpc == "FullCommit":
        u_ik_j = pin * (uni + uni + uni) + pjn * (unj + unj + unj)
        u_i_jk = u_ik_j
    elif tpc == "NoCommit":
        u_ik_j = pin * (uni + uni + unn) + pjn * (unj + unj + unn)
        u_i_jk = u_ik_j
    else:
        raise ValueError(f"unknown ThirdPartyCommit {tpc!r}")
    vk = vote(rule, wn, u_ik_j - u_i_jk)
    # third parties join in actor order, as KTAB adds them
    gain = np.where(third, np.maximum(vk, 0.0), 0.0)
    loss = np.where(third, np.maximum(-vk, 0.0), 0.0)
    for k in range(gain.shape[-1]):
        chij = chij + gain[..., k]
        chji = chji + loss[..., k]
    return chij / (chij + chji), chji / (chij + chji)


def round4(x: np.ndarray) -> np.ndarray:
    """Round half up to 4 decimals (KTAB rounds bargains to avoid spurious precision)."""
    return np.floor(0.5 + x * 1e4) / 1e4


def interpolate(ivb: InterVecBargain, ti, si, pi, tj, sj, pj) -> tuple[np.ndarray, np.ndarray]:
    """Bargain positions for initiator i and receiver j on every dimension.

    ``SnPm``: both move to the point weighted by ``s^n P^m`` of each side (``S2P2`` by default,
    which approximates the Nash bargaining solution best in KTAB's tests), rounded to 1e-4.
    ``S2PMax``: the weaker side moves toward the stronger by its probability deficit.
    """
    if ivb == "S2PMax":
        di = np.maximum(pj - pi, 0.0)[..., None]
        dj = np.maximum(pi - pj, 0.0)[..., None]
        si2, sj2 = si * si, sj * sj
        dik = di * sj2 / (di * sj2 + BARGAIN_MIN_W + (1 - di) * si2)
        djk = dj * si2 / (dj * si2 + BARGAIN_MIN_W + (1 - dj) * sj2)
        return ti + dik * (tj - ti), tj + djk * (ti - tj)
    n = {"S1P1": 1, "S2P2": 2}[ivb]
    wi = si ** n * (pi ** n)[..., None]
    wj = sj ** n * (pj ** n)[..., None]
    tot = wi + BARGAIN_MIN_W + wj
    bi = round4(((wi + BARGAIN_MIN_W) * ti + wj * tj) / tot)
    bj = round4((wi * ti + (BARGAIN_MIN_W + wj) * tj) / tot)
    return bi, bj
