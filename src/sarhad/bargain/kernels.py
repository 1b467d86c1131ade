"""Compiled kernel for the one O(B n^3) hot spot: every actor's estimate of every challenge.

A profile of ``dummyData-a080`` put about 60 % of the time in the numpy version of
:func:`sarhad.bargain.core.challenge_prob` (many n^3 temporaries); this loop does the same
arithmetic in one pass. ``tests/bargain`` checks it against the numpy version.
"""

from __future__ import annotations

import numpy as np
from numba import njit

RULES = {"Binary": 0, "PropBin": 1, "Prop": 2, "PropCbc": 3, "Cubic": 4, "ASymProsp": 5}
COMMITS = {"NoCommit": 0, "SemiCommit": 1, "FullCommit": 2}


@njit(cache=True, inline="always")
def _vote(rule: int, w: float, du: float) -> float:
    if rule == 2:
        return w * du
    b = du / 1e-8
    b = 1.0 if b > 1.0 else (-1.0 if b < -1.0 else b)
    if rule == 0:
        return w * b
    if rule == 1:
        return w * (0.8 * du + 0.2 * b)
    if rule == 3:
        return w * (0.5 * du + 0.5 * du * du * du)
    if rule == 4:
        return w * du * du * du
    return (2.0 / 3.0) * w * du if du > 0.0 else w * du


@njit(cache=True)
def challenge_from_d(d: np.ndarray, rh: np.ndarray, w: np.ndarray, rule: int,
                     tpc: int) -> tuple[np.ndarray, np.ndarray]:
    """``P[b, i, j]``, ``Q[b, i, j]``: i's estimates that i beats j, and j beats i, if i
    challenges j.

    Same arithmetic as :func:`sarhad.bargain.core.challenge_prob` with h = i, computing
    ``u[b, h, a, c] = (1 - d_ac)(1 + d_ac R_ha)`` on the fly from distances ``d`` (B, n, n) and
    perceived risk attitudes ``rh`` (B, h, a), so the n^3 utility tensor is never stored.
    Third-party votes are added in actor order, as KTAB does."""
    B, n = d.shape[0], d.shape[1]
    out = np.full((B, n, n), 0.5)
    back = np.full((B, n, n), 0.5)
    ut = np.empty((n, n))
    for b in range(B):
        for i in range(n):
            # ut[c, k]: i's estimate of k's utility of c's position (row-contiguous in k)
            for c in range(n):
                for k in range(n):
                    dk = d[b, k, c]
                    ut[c, k] = (1.0 - dk) * (1.0 + min(dk, 1.0) * rh[b, i, k])
            for j in range(n):
                if i == j:
                    continue
                uii = ut[i, i]
                uij = ut[j, i]
                uji = ut[i, j]
                ujj = ut[j, j]
                ci = _vote(rule, w[b, i], uii - uij)
                cj = _vote(rule, w[b, j], uji - ujj)
                chij = 1e-10 + max(ci, 0.0) + max(cj, 0.0)
                chji = 1e-10 + max(-ci, 0.0) + max(-cj, 0.0)
                aij = chij
                aji = chji
                for k in range(n):
                    if k == i or k == j:  # noqa: SIM109 (plain compares compile simply)
                        continue
                    uni = ut[i, k]
                    unj = ut[j, k]
                    unn = ut[k, k]
                    vn = _vote(rule, w[b, k], uni - unj)
                    cni = chij + max(vn, 0.0)
                    cnj = chji + max(-vn, 0.0)
                    pin = cni / (cni + cnj)
                    pjn = 1.0 - pin
                    if tpc == 1:
                        a1 = pin * (uni + uni + unn) + pjn * (unj + unj + unj)
                        a2 = pin * (uni + uni + uni) + pjn * (unj + unj + unn)
                    elif tpc == 2:
                        a1 = pin * (uni + uni + uni) + pjn * (unj + unj + unj)
                        a2 = a1
                    else:
                        a1 = pin * (uni + uni + unn) + pjn * (unj + unj + unn)
                        a2 = a1
                    vk = _vote(rule, w[b, k], a1 - a2)
                    if vk > 0.0:
                        aij += vk
                    elif vk < 0.0:
                        aji -= vk
                out[b, i, j] = aij / (aij + aji)
                back[b, i, j] = aji / (aij + aji)
    return out, back


@njit(cache=True)
def coalitions(u: np.ndarray, w: np.ndarray, rule: int, floor: float) -> np.ndarray:
    """``C[g, i, j] = floor + sum_k max(v_k(i:j), 0)`` over voters k, in voter order;
    ``u`` (G, voters, options), ``w`` (G, voters). The diagonal is the floor."""
    G, K, M = u.shape
    c = np.full((G, M, M), floor)
    for g in range(G):
        for i in range(M):
            for j in range(i):
                cij = floor
                cji = floor
                for k in range(K):
                    v = _vote(rule, w[g, k], u[g, k, i] - u[g, k, j])
                    if v > 0.0:
                        cij += v
                    elif v < 0.0:
                        cji -= v
                c[g, i, j] = cij
                c[g, j, i] = cji
    return c


@njit(cache=True)
def bargain_values(own: np.ndarray, pu: np.ndarray, e_b: np.ndarray, e_i: np.ndarray,
                   e_j: np.ndarray) -> np.ndarray:
    """Value to every voter a of the state after bargain e: the mean of a's utilities of all
    positions, the pair's replaced by their bargained ones (``pu[e, 0/1, a]``), summed in
    KTAB's order (the pair first, then the others by actor index)."""
    E = e_b.shape[0]
    n = own.shape[1]
    out = np.empty((E, n))
    for e in range(E):
        b, i, j = e_b[e], e_i[e], e_j[e]
        for a in range(n):
            acc = pu[e, 0, a] + pu[e, 1, a]
            for m in range(n):
                if m != i and m != j:  # noqa: PLR1714
                    acc += own[b, a, m]
            out[e, a] = acc / n
    return out
