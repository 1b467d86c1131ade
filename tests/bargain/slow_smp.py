"""A direct, scalar transcription of the SMP turn (one actor, pair and third party at a time),
written independently of the vectorised engine, for tests only. Conditional elections only."""

from __future__ import annotations

import math


def _vote(rule: str, w: float, a: float, b: float) -> float:
    du = a - b
    binr = max(-1.0, min(1.0, du / 1e-8))
    return {"Prop": w * du, "Binary": w * binr, "PropBin": w * (0.8 * du + 0.2 * binr),
            "PropCbc": w * (0.5 * du + 0.5 * du ** 3), "Cubic": w * du ** 3,
            "ASymProsp": (2 * w * du / 3) if du > 0 else w * du}[rule]


def _util(sd: float, r: float) -> float:
    return (1 - sd) * (1 + sd * r) if sd <= 1 else (1 - sd) * (1 + r)


def _diff(p: list[float], q: list[float], s: list[float]) -> float:
    num = sum((sk * (pk - qk)) ** 2 for pk, qk, sk in zip(p, q, s, strict=True))
    return math.sqrt(num / sum(sk * sk for sk in s))


def _elect(w: list[float], u: list[list[float]], rule: str) -> list[float]:
    """Conditional Condorcet election; u[voter][option]."""
    m = len(u[0])
    c = [[1e-8] * m for _ in range(m)]
    for i in range(m):
        for j in range(i):
            for k in range(len(w)):
                v = _vote(rule, w[k], u[k][i], u[k][j])
                if v > 0:
                    c[i][j] += v
                if v < 0:
                    c[j][i] -= v
    p = []
    for i in range(m):
        prod = 1.0
        for j in range(m):
            prod *= 0.5 if i == j else c[i][j] / (c[i][j] + c[j][i])
        p.append(prod)
    tot = sum(p)
    return [q / tot for q in p]


def turn(x, cap, sal, *, rule="Prop", rr="Mid", ra="OneThird", tpc="SemiCommit", ivb="S2P2"):
    n = len(x)
    D = [[_diff(x[i], x[j], sal[i]) for j in range(n)] for i in range(n)]
    p = _elect(cap, [[1 - D[k][j] for j in range(n)] for k in range(n)], rule)
    lo, hi = min(p), max(p)
    R = [{"Min": (q - lo) / (hi - lo), "Mid": (3 * q - (hi + 2 * lo)) / (2 * (hi - lo)),
          "Max": (2 * q - (hi + lo)) / (hi - lo)}[rr] for q in p]
    wgt = {"None": 1.0, "OneThird": 2 / 3, "Half": 0.5, "TwoThirds": 1 / 3, "Full": 0.0}[ra]

    def U(h, a, b):
        return _util(D[a][b], wgt * R[h] + (1 - wgt) * R[a])

    ssum = [sum(s) for s in sal]

    def prob(h, i, j):
        ci = _vote(rule, ssum[i] * cap[i], U(h, i, i), U(h, i, j))
        cj = _vote(rule, ssum[j] * cap[j], U(h, j, i), U(h, j, j))
        a = 1e-10 + max(ci, 0) + max(cj, 0)
        b = 1e-10 + max(-ci, 0) + max(-cj, 0)
        A, B = a, b
        for k in range(n):
            if k in (i, j):
                continue
            uki, ukj, ukk = U(h, k, i), U(h, k, j), U(h, k, k)
            wk = ssum[k] * cap[k]
            v = _vote(rule, wk, uki, ukj)
            pin = (a + max(v, 0)) / (a + max(v, 0) + b + max(-v, 0))
            if tpc == "SemiCommit":
                x1 = pin * (2 * uki + ukk) + (1 - pin) * 3 * ukj
                x2 = pin * 3 * uki + (1 - pin) * (2 * ukj + ukk)
            else:
                x1 = x2 = 0.0
            vk = _vote(rule, wk, x1, x2)
            A += max(vk, 0)
            B += max(-vk, 0)
        return A / (A + B)

    queues: list[list[tuple]] = [[] for _ in range(n)]
    for i in range(n):
        queues[i].append(("sq", i))
        best, best_eu = -1, -1.0
        for j in range(n):
            if j == i:
                continue
            pij = prob(i, i, j)
            uii, uij = U(i, i, i), U(i, i, j)
            eu = ((1 - ssum[j]) * 2 * uii + ssum[j] * (pij * 2 * uii + (1 - pij) * 2 * uij)
                  - (uii + uij))
            if eu > 1e-5 and eu > best_eu:
                best, best_eu = j, eu
        if best < 0:
            continue
        j = best
        pi = prob(i, i, j)
        bi, bj = [], []
        for k in range(len(x[i])):
            ti, tj, si, sj = x[i][k], x[j][k], sal[i][k], sal[j][k]
            if ivb == "S2PMax":
                di, dj = max(1 - pi - pi, 0), max(pi - (1 - pi), 0)
                dik = di * sj * sj / (di * sj * sj + 1e-6 + (1 - di) * si * si)
                djk = dj * si * si / (dj * si * si + 1e-6 + (1 - dj) * sj * sj)
                bi.append(ti + dik * (tj - ti))
                bj.append(tj + djk * (ti - tj))
            else:
                e = 1 if ivb == "S1P1" else 2
                wi, wj = si ** e * pi ** e, sj ** e * (1 - pi) ** e
                t = wi + 1e-6 + wj
                bi.append(math.floor(0.5 + 1e4 * ((wi + 1e-6) * ti + wj * tj) / t) / 1e4)
                bj.append(math.floor(0.5 + 1e4 * (wi * ti + (1e-6 + wj) * tj) / t) / 1e4)
        queues[i].append(("b", i, j, bi, bj))
        queues[j].append(("b", i, j, bi, bj))

    new = []
    for k in range(n):
        opts = queues[k]
        u = []
        for a in range(n):
            row = []
            for o in opts:
                if o[0] == "sq":
                    row.append(sum(U(a, a, m) for m in range(n)) / n)
                else:
                    _, i, j, bi, bj = o
                    val = _util(_diff(x[a], bi, sal[a]), R[a]) + _util(_diff(x[a], bj, sal[a]),
                                                                        R[a])
                    val += sum(U(a, a, m) for m in range(n) if m not in (i, j))
                    row.append(val / n)
            u.append(row)
        pw = _elect(cap, u, rule)
        o = opts[max(range(len(opts)), key=lambda m: (pw[m], -m))]
        if o[0] == "sq":
            new.append(list(x[k]))
        else:
            new.append(list(o[3] if o[1] == k else o[4]))
    return new


def run(x, cap, sal, **kw) -> tuple[list[list[float]], int]:
    hist = [x]
    first = None
    it = 0
    while True:
        it += 1
        nx = turn(hist[-1], cap, sal, **kw)
        moved = sum(math.dist(a, b) for a, b in zip(nx, hist[-1], strict=True))
        hist.append(nx)
        if it == 1:
            first = moved + 1e-4
        if it >= 100 or (it >= 2 and moved / first < 0.02):
            return nx, len(hist)
