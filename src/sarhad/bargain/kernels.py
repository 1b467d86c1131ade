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
                     tpc: int) -> np.ndarray:
    """``P[b, i, j]``: i's estimate that i beats j if i challenges j.

    Same arithmetic as :func:`sarhad.bargain.core.challenge_prob` with h = i, computing
    ``u[b, h, a, c] = (1 - d_ac)(1 + d_ac R_ha)`` on the fly from distances ``d`` (B, n, n) and
    perceived risk attitudes ``rh`` (B, h, a), so the n^3 utility tensor is never stored.
    Third-party votes are added in actor order, as KTAB does."""
    B, n = d.shape[0], d.shape[1]
    out = np.full((B, n, n), 0.5)
    for b in range(B):
        for i in range(n):
            for j in range(n):
                if i == j:
                    continue
                dij = min(d[b, i, j], 1.0)
                dji = min(d[b, j, i], 1.0)
                uii = 1.0
                uij = (1.0 - d[b, i, j]) * (1.0 + dij * rh[b, i, i])
                uji = (1.0 - d[b, j, i]) * (1.0 + dji * rh[b, i, j])
                ujj = 1.0
                ci = _vote(rule, w[b, i], uii - uij)
                cj = _vote(rule, w[b, j], uji - ujj)
                chij = 1e-10 + max(ci, 0.0) + max(cj, 0.0)
                chji = 1e-10 + max(-ci, 0.0) + max(-cj, 0.0)
                aij = chij
                aji = chji
                for k in range(n):
                    if k == i or k == j:  # noqa: SIM109 (plain compares compile simply)
                        continue
                    r = rh[b, i, k]
                    dki = d[b, k, i]
                    dkj = d[b, k, j]
                    uni = (1.0 - dki) * (1.0 + min(dki, 1.0) * r)
                    unj = (1.0 - dkj) * (1.0 + min(dkj, 1.0) * r)
                    unn = 1.0
                    vn = _vote(rule, w[b, k], uni - unj)
                    cni = chij + max(vn, 0.0)
                    cnj = chji + max(-vn, 0.0)
                    pin = cni / (cni + cnj)
                    pjn = 1.0 - pin
                    if tpc == 1:
                        a1 = pin * (2 * uni + unn) + pjn * (3 * unj)
                        a2 = pin * (3 * uni) + pjn * (2 * unj + unn)
                    elif tpc == 2:
                        a1 = pin * (3 * uni) + pjn * (3 * unj)
                        a2 = a1
                    else:
                        a1 = pin * (2 * uni + unn) + pjn * (2 * unj + unn)
                        a2 = a1
                    vk = _vote(rule, w[b, k], a1 - a2)
                    if vk > 0.0:
                        aij += vk
                    elif vk < 0.0:
                        aji -= vk
                out[b, i, j] = aij / (aij + aji)
    return out


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
