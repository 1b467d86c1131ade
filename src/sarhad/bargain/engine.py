"""One turn of the SMP and the run loop, vectorised over runs, actors, pairs and dimensions.

A turn (KTAB's "BCN": bargain, challenge, negotiate) from positions ``X``:

1. assess: distances, the risk-neutral election, risk attitudes, and every actor's estimate
   ``U[h, i, j]`` of the utility to i of j's position;
2. challenge: each actor i finds the target j with the largest expected gain
   ``EU = (1 - s_j) 2u_ii + s_j (P 2u_ii + (1 - P) 2u_ij) - (u_ii + u_ij)`` (j gives way
   without a contest with probability ``1 - s_j``), and proposes a bargain;
3. negotiate: for each actor k, all actors vote over the states that follow from each bargain
   involving k (or the status quo); k adopts the position of the winning bargain (the likeliest
   one, or one drawn at random under stochastic transitions).

Runs stop after ``min_iter`` turns once the total movement falls below ``min_delta_ratio``
of the first turn's (plus 1e-4), or at ``max_iter`` turns, as KTAB's ``smpStopFn``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sarhad.bargain import core, kernels
from sarhad.bargain.core import (
    BargainModel,
    BigRAdjust,
    BigRRange,
    InterVecBargain,
    PCEModel,
    StateTransitions,
    ThirdPartyCommit,
    VictoryProb,
    VotingRule,
)


@dataclass(frozen=True)
class Options:
    """KTAB's switches, with KTAB's defaults."""

    victory_prob: VictoryProb = "Linear"
    voting_rule: VotingRule = "Prop"
    pce: PCEModel = "Conditional"
    state_transitions: StateTransitions = "Deterministic"
    big_r_range: BigRRange = "Mid"
    big_r_adjust: BigRAdjust = "OneThird"
    third_party_commit: ThirdPartyCommit = "SemiCommit"
    inter_vec_bargain: InterVecBargain = "S2P2"
    bargain_model: BargainModel = "InitOnlyInterp"
    min_iter: int = 2
    max_iter: int = 100
    min_delta_ratio: float = 0.02
    min_sig_delta: float = 1e-4
    # implementation switch, not KTAB's: numba kernels (default) or the plain numpy formulas
    use_kernels: bool = True


@dataclass
class Assessment:
    d: np.ndarray        # (B, n, n) distances
    r: np.ndarray        # (B, n) risk attitudes
    rh: np.ndarray       # (B, h, i) h's estimate of i's risk attitude

    @property
    def u(self) -> np.ndarray:
        """(B, h, i, j): h's estimate of the utility to i of j's position (built on demand)."""
        return core.utility(self.d[:, None, :, :], self.rh[:, :, :, None])

    @property
    def own(self) -> np.ndarray:
        """(B, i, j): i's own utility of j's position, ``u[b, i, i, j]``."""
        return core.utility(self.d, self.r[:, :, None])


def assess(x: np.ndarray, cap: np.ndarray, sal: np.ndarray, o: Options) -> Assessment:
    d = core.distances(x, sal)
    # risk-neutral utilities, voted with bare capability (KTAB setAllAUtil)
    p_rn = core.election(1.0 - d, cap, rule=o.voting_rule, vpm=o.victory_prob, pce=o.pce,
                         use_kernel=o.use_kernels)
    r = core.big_r(p_rn, o.big_r_range)
    return Assessment(d, r, core.perceived_r(r, o.big_r_adjust))


def _third_mask(n: int) -> np.ndarray:
    ar = np.arange(n)
    return (ar[None, None, :] != ar[:, None, None]) & (ar[None, None, :] != ar[None, :, None])


def challenges(a: Assessment, cap: np.ndarray, ssum: np.ndarray, o: Options, *,
               use_kernel: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Every actor's own estimate of P[i beats j] and expected gain of challenging j.

    ``use_kernel=False`` runs the numpy formula (the reference the kernel is tested against).
    """
    n = a.d.shape[1]
    own = a.own
    uii = np.einsum("bii->bi", own)[:, :, None]
    uij = own
    w = cap * ssum
    if use_kernel:
        p, q = kernels.challenge_from_d(np.ascontiguousarray(a.d), np.ascontiguousarray(a.rh),
                                        w, kernels.RULES[o.voting_rule],
                                        kernels.COMMITS[o.third_party_commit])
    else:
        u = a.u
        uji = np.einsum("biji->bij", u)
        ujj = np.einsum("bijj->bij", u)
        uni = np.einsum("bini->bin", u)[:, :, None, :]
        unj = np.swapaxes(u, 2, 3)                              # [b, i, j, n] = U[b, i, n, j]
        unn = np.einsum("binn->bin", u)[:, :, None, :]
        p, q = core.challenge_prob(uii, uij, uji, ujj, uni, unj, unn,
                                   w[:, :, None], w[:, None, :], w[:, None, None, :],
                                   _third_mask(n), rule=o.voting_rule,
                                   tpc=o.third_party_commit)
    sj = ssum[:, None, :]
    # victory: j adopts i's position (2 u_ii); defeat: i adopts j's (2 u_ij); j concedes
    # without a contest with probability 1 - s_j; compared with the status quo u_ii + u_ij
    win, lose = uii + uii, uij + uij
    edu = ((1 - sj) * win + sj * (p * win + q * lose)) - (uii + uij)
    edu[:, np.arange(n), np.arange(n)] = -np.inf
    return p, edu


def _prob_from(a: Assessment, cap: np.ndarray, ssum: np.ndarray, b: np.ndarray, h: np.ndarray,
               i: np.ndarray, j: np.ndarray, o: Options) -> np.ndarray:
    """h's estimate of P[i beats j], for arrays of (run, h, i, j)."""
    u = a.u
    n = u.shape[1]
    ar = np.arange(n)
    w = cap * ssum
    bb = b[:, None]
    third = (ar[None, :] != i[:, None]) & (ar[None, :] != j[:, None])
    return core.challenge_prob(
        u[b, h, i, i], u[b, h, i, j], u[b, h, j, i], u[b, h, j, j],
        u[bb, h[:, None], ar[None, :], i[:, None]], u[bb, h[:, None], ar[None, :], j[:, None]],
        u[bb, h[:, None], ar[None, :], ar[None, :]],
        w[b, i], w[b, j], w[bb, ar[None, :]], third,
        rule=o.voting_rule, tpc=o.third_party_commit)[0]


def step(x: np.ndarray, cap: np.ndarray, sal: np.ndarray, ssum: np.ndarray, o: Options,
         rng: np.random.Generator | None, a: Assessment | None = None) -> np.ndarray:
    """One turn for a batch of runs; returns the new positions."""
    B, n, dim = x.shape
    if a is None:
        a = assess(x, cap, sal, o)
    p, edu = challenges(a, cap, ssum, o, use_kernel=o.use_kernels)
    best = np.argmax(edu, axis=2)                               # first maximum, as KTAB
    best_eu = np.take_along_axis(edu, best[:, :, None], axis=2)[:, :, 0]
    bi_b, bi_i = np.nonzero(best_eu > core.MIN_SIG_EDU)
    bi_j = best[bi_b, bi_i]
    p_iij = p[bi_b, bi_i, bi_j]

    # bargains: arrays over e, with sub-order s within an initiator's proposals
    ti, tj = x[bi_b, bi_i], x[bi_b, bi_j]
    si, sj = sal[bi_b, bi_i], sal[bi_b, bi_j]
    pos_i, pos_j = core.interpolate(o.inter_vec_bargain, ti, si, p_iij, tj, sj, 1 - p_iij)
    e_b, e_i, e_j, e_sub = bi_b, bi_i, bi_j, np.zeros_like(bi_b)
    if o.bargain_model != "InitOnlyInterp":
        # the receiver's own view of the same contest
        p_jij = _prob_from(a, cap, ssum, bi_b, bi_j, bi_i, bi_j, o)
        qi, qj = core.interpolate(o.inter_vec_bargain, ti, si, p_jij, tj, sj, 1 - p_jij)
        if o.bargain_model == "InitRcvrInterp":
            e_b, e_i, e_j = np.r_[bi_b, bi_b], np.r_[bi_i, bi_i], np.r_[bi_j, bi_j]
            e_sub = np.r_[np.zeros_like(bi_b), np.ones_like(bi_b)]
            pos_i, pos_j = np.concatenate([pos_i, qi]), np.concatenate([pos_j, qj])
        else:  # PWCompInterp: weights capability x total salience of each side
            wi = (cap[bi_b, bi_i] * ssum[bi_b, bi_i])[:, None]
            wj = (cap[bi_b, bi_j] * ssum[bi_b, bi_j])[:, None]
            pos_i = (wi * pos_i + wj * qi) / (wi + wj)
            pos_j = (wi * pos_j + wj * qj) / (wi + wj)
    ne = len(e_b)
    if ne == 0:
        return x.copy()

    # value to each voter of the state after each bargain (mean utility over all positions)
    # (summed in KTAB's order: the pair's new positions, then everyone else's in actor order)
    uaa = a.own                                                 # own utility of each position
    sq = core.seq_sum(uaa)                                      # (B, a)
    pts = np.stack([pos_i, pos_j], axis=1)                      # (e, 2, d)
    pd = core.point_distances(x[e_b], sal[e_b], pts)            # (e, 2, a)
    pu = core.utility(pd, a.r[e_b][:, None, :])
    if o.use_kernels:
        ub = kernels.bargain_values(np.ascontiguousarray(uaa), np.ascontiguousarray(pu),
                                    e_b, e_i, e_j)
    else:
        terms = np.concatenate([(pu[:, 0] + pu[:, 1])[:, :, None], uaa[e_b]], axis=2)
        ar_e = np.arange(ne)
        terms[ar_e, :, 1 + e_i] = 0.0                           # replaced positions add 0
        terms[ar_e, :, 1 + e_j] = 0.0
        ub = np.cumsum(terms, axis=2)[:, :, -1] / n             # cumsum adds left to right
    table_u = np.concatenate([sq / n, ub])                      # rows: B status quo, then e
    table_x = np.concatenate([x.reshape(B * n, dim), pos_i, pos_j])

    # each actor's options, in KTAB's queue order: bargains from earlier initiators,
    # its status quo, its own proposal(s), bargains from later initiators
    ar_b = np.repeat(np.arange(B), n)
    ar_k = np.tile(np.arange(n), B)
    o_b = np.concatenate([ar_b, e_b, e_b])
    o_k = np.concatenate([ar_k, e_i, e_j])
    o_key = np.concatenate([4 * ar_k + 1, 4 * e_i + 2 + e_sub, 4 * e_i + 2 + e_sub])
    o_row = np.concatenate([ar_b, B + np.arange(ne), B + np.arange(ne)])
    o_pos = np.concatenate([ar_b * n + ar_k, B * n + np.arange(ne), B * n + ne + np.arange(ne)])
    order = np.lexsort((o_key, o_k, o_b))
    o_row, o_pos = o_row[order], o_pos[order]
    g = (o_b * n + o_k)[order]
    counts = np.bincount(g, minlength=B * n)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])

    new = x.reshape(B * n, dim).copy()
    for c in np.unique(counts):
        if c <= 1:
            continue
        probs = np.nonzero(counts == c)[0]
        idx = starts[probs][:, None] + np.arange(c)[None, :]    # (G, c) entries
        uo = np.swapaxes(table_u[o_row[idx]], 1, 2)             # (G, voters, options)
        pw = core.election(uo, cap[probs // n], rule=o.voting_rule, vpm=o.victory_prob,
                           pce=o.pce, use_kernel=o.use_kernels)
        if o.state_transitions == "Deterministic":
            pick = np.argmax(pw, axis=1)
        else:
            assert rng is not None
            cum = np.cumsum(pw, axis=1)
            draw = rng.random(len(probs)) * cum[:, -1]
            pick = np.minimum((cum <= draw[:, None]).sum(axis=1), c - 1)
        new[probs] = table_x[o_pos[idx[np.arange(len(probs)), pick]]]
    return new.reshape(B, n, dim)


def win_probabilities(x: np.ndarray, cap: np.ndarray, a: Assessment, o: Options,
                      pos_tol: float = 1e-3) -> np.ndarray:
    """Probability that each actor's position wins, for one run (KTAB ``pDist(-1)``).

    Actors within ``pos_tol`` (Euclidean, 0-1 scale) of a position count as holding it; the
    election is over distinct positions, with each actor's own utilities, proportional votes.
    """
    n = x.shape[0]
    close = np.linalg.norm(x[:, None, :] - x[None, :, :], axis=2) < pos_tol
    uniq: list[int] = []
    for i in range(n):                     # first-seen representatives, in actor order
        if not close[i, uniq].any():
            uniq.append(i)
    uaa = a.own[0]
    pu = core.election(uaa[:, uniq][None], cap[None], rule="Prop", vpm=o.victory_prob,
                       pce=o.pce, use_kernel=o.use_kernels)[0]
    # an actor holds the last representative it is close to (KTAB posProb)
    m = close[:, uniq]
    last = m.shape[1] - 1 - np.argmax(m[:, ::-1], axis=1)
    return pu[last]


@dataclass
class RunResult:
    final: np.ndarray                  # (B, n, d), 0-1 scale
    n_states: np.ndarray               # (B,), initial state included
    history: list[np.ndarray] | None   # per state (n, d), only for a single recorded run
    win_prob: list[np.ndarray] | None  # per state (n,)


def run(cap: np.ndarray, pos: np.ndarray, sal: np.ndarray, o: Options, *,
        rng: np.random.Generator | None = None, record: bool = False) -> RunResult:
    """Run a batch of SMPs to their stopping points.

    ``cap`` (B, n), ``pos`` and ``sal`` (B, n, d) on the 0-1 scale. Runs that have stopped are
    taken out of the batch, so each run's numbers do not depend on the others.
    """
    B = cap.shape[0]
    ssum = sal.sum(axis=2)
    x = pos.astype(float).copy()
    final = x.copy()
    n_states = np.ones(B, dtype=np.int64)
    first = np.zeros(B)
    active = np.arange(B)
    hist: list[np.ndarray] = [x[0].copy()]
    wins: list[np.ndarray] = []
    it = 0
    while len(active):
        it += 1
        xa = x[active]
        a = assess(xa, cap[active], sal[active], o)
        if record:
            wins.append(win_probabilities(xa[0], cap[active][0], a, o))
        xn = step(xa, cap[active], sal[active], ssum[active], o, rng, a)
        dx = xn - xa
        moved = core.seq_sum(np.sqrt(core.seq_sum(dx * dx)))   # KTAB stateDist, in its order
        if it == 1:
            first[active] = moved + o.min_sig_delta
        x[active] = xn
        n_states[active] += 1
        if record:
            hist.append(xn[0].copy())
        quiet = moved / first[active] < o.min_delta_ratio
        done = (it >= o.max_iter) | ((it >= o.min_iter) & quiet)
        final[active[done]] = xn[done]
        active = active[~done]
    if record:
        a = assess(final[:1], cap[:1], sal[:1], o)
        wins.append(win_probabilities(final[0], cap[0], a, o))
    return RunResult(final, n_states, hist if record else None, wins if record else None)
