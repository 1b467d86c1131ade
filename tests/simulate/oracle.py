"""The per-run loop oracle: the monthly step written again as plain Python over one run at a
time, with scalar math (``math``) and scipy's Poisson quantile instead of the engine's
vectorised inversion. It reads the same pre-drawn random numbers (row ``r`` of every block), so
it must reproduce the vectorised engine run for run. Used by the tests and by
``bench/bench_simulate.py`` as the speed reference."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from sarhad.simulate.engine import N_FIXED, U_CEASEFIRE, U_COUNT, U_ISK, U_SPLIT, U_STRIKE


def _u(x: float) -> float:
    return min(1.0, max(0.0, x))


def _at(x, r: int) -> float:
    """A lever that is a number, or one value per run (negotiated terms)."""
    return float(x[r]) if isinstance(x, np.ndarray) else float(x)


def _ppf(u: float, lam: float) -> int:
    if lam <= 0.0:
        return 0
    return int(stats.poisson.ppf(u, lam))


def oracle_run(spec, baseline, ctx, lv, draws, rows=None):
    """Simulate each run in ``rows`` (default all) one month at a time; returns
    ``(ttp (R, M, P), isk (R, M), ceasefire (R, M), cohesion (R, M), extra dict)``."""
    R, M = draws.runs, draws.months
    rows = range(R) if rows is None else rows
    ini = spec.initial
    F, P = len(spec.factions), len(spec.provinces)
    size = [f.size for f in spec.factions]
    hard = [f.hardline for f in spec.factions]
    urban = [p.urban for p in spec.provinces]
    shares = [float(x) for x in ctx.shares]
    lags = list(ctx.lags)
    p0 = max(lags) if lags else 1
    org = ctx.origin
    init = dict(ctx.init) if ctx.init else {}
    sq = org is not None and lv.name == spec.as_of.status_quo
    n = len(rows)
    ttp = np.zeros((n, M, P), dtype=np.int64)
    isk_out = np.zeros((n, M), dtype=np.int64)
    cf_out = np.zeros((n, M), dtype=bool)
    coh_out = np.zeros((n, M))
    extra = {k: np.zeros((n, M)) for k in ("strength", "sanctuary", "relations", "us_coop",
                                            "pressure", "leadership", "aq_room", "isk_strength",
                                            "mode")}
    for i, r in enumerate(rows):
        q = {k: float(v[r]) for k, v in draws.params.items()}
        package, promise, flow = _at(lv.package, r), _at(lv.promise, r), _at(lv.flow, r)

        def val(key):
            return float(init[key]) if key in init else float(getattr(ini, key).value)

        strength, leadership = val("strength"), val("leadership")
        presence = [val("presence")] * P
        loyalty = [f.loyalty for f in spec.factions]
        status = [0] * F
        isk, sanct = ini.isk.value, val("sanctuary")
        rel, dip = val("relations"), val("diplomacy")
        coop, aq, pres = ini.us_cooperation.value, ini.aq_room.value, ini.pressure.value
        prisoners, promised, released = ini.prisoners.value, 0.0, 0.0
        cf, cf_len, stall = False, 0, 0
        mode, strikes = lv.mode, lv.strikes
        if org is not None:
            # the state at the origin (knowledge base as of then), written out again
            cf, cf_len, promised = org.ceasefire, org.cf_len, org.promised
            for f in org.split:
                status[f] = 1
            if org.steady_strength:
                up = q["capacity_growth"] * sanct
                den = up + q["capacity_decay"] * (1 - sanct)
                if den > 0:
                    strength = _u(up / den)
            if sq:
                if org.mode is not None:
                    mode = org.mode
                if org.hold_sanctuary:
                    q["taliban_adjust"] = 0.0
        member0 = sum(size[f] for f in range(F) if status[f] == 0)
        ref = {"sanctuary": sanct, "effective": strength * member0, "leadership": leadership,
               "cohesion": sum(size[f] * loyalty[f] for f in range(F) if status[f] == 0)}
        hist = list(baseline.history[-p0:])
        recent = [0.0] * (p0 - len(hist)) + [float(x) for x in hist]
        for t in range(M):
            u = draws.noise.u[t, r]
            g = float(draws.noise.g[t, r])
            for rule in lv.rules:
                fire = (mode == 0 and stall >= rule.threshold) if rule.kind == "talks-stalled" \
                    else pres > rule.threshold
                if fire:
                    mode, strikes = rule.mode, rule.strikes
            talks = mode == 0
            coh = sum(size[f] * loyalty[f] for f in range(F) if status[f] == 0)
            unmet = max(promised - released, 0.0)
            p_break = _u(q["ceasefire_hazard"] + q["broken_commitment"] * unmet
                         + q["cohesion_hazard"] * (1 - coh))
            x = q["talks_base"] + q["concession_weight"] * package + \
                q["mediation_weight"] * (rel - 0.5)
            p_start = 1.0 / (1.0 + math.exp(-x))
            uc = u[U_CEASEFIRE]
            if cf:
                if uc < p_break or not talks:
                    cf = False
            elif talks and uc < p_start:
                cf = True
                promised = max(promised, min(1.0, released + promise))
            cf_len = cf_len + 1 if cf else 0
            stall = stall + 1 if (talks and not cf) else 0
            c = 1.0 if cf else 0.0
            delivered = c * q["delivery_rate"] * lv.deliver * max(promised - released, 0.0)
            released = min(released + delivered, 1.0)
            prisoners = max(prisoners - delivered, 0.0)
            d = delivered + c * flow
            strength = _u(strength + q["deal_gain"] * d * (1 - strength))
            aq = _u(aq + q["aq_gain"] * d * (1 - aq))
            aq = _u(aq + q["aq_decay"] * (strength - aq))
            target = _u(lv.stance - q["taliban_leverage"] * (dip - ctx.diplomacy0))
            sanct = _u(sanct + q["taliban_adjust"] * (target - sanct))
            strength = _u(strength + q["capacity_growth"] * sanct * (1 - strength)
                          - q["capacity_decay"] * (1 - sanct) * strength)
            for p in range(P):
                reach = q["urban_reach"] if urban[p] else 1.0
                presence[p] = _u(presence[p]
                                 + q["infiltration"] * c * sanct * reach * (1 - presence[p])
                                 - q["containment_effect"] * lv.containment * presence[p])
            inten = min((strikes + lv.us_strikes) * (1.0 + q["coop_intel"] * coop), 1.0)
            hit = u[U_STRIKE] < q["strike_hit_rate"] * min(inten, 1.0)
            lead = leadership * (1 - q["leadership_loss"] * (1.0 if hit else 0.0))
            leadership = _u(lead + q["leadership_regrowth"] * (1 - lead))
            defected = 0.0
            for f in range(F):
                loyalty[f] = _u(loyalty[f] + q["loyalty_recovery"] * (strength - 0.5)
                                - q["ceasefire_strain"] * cf_len / 6.0
                                - q["inducement_effect"] * lv.inducement
                                * (0.0 if hard[f] else 1.0))
                uf = u[N_FIXED + f]
                if status[f] == 0:
                    if loyalty[f] < q["split_threshold"] and uf < q["split_prob"]:
                        status[f] = 2 if hard[f] else 1
                        if hard[f]:
                            defected += size[f]
                elif status[f] == 1 and uf < q["rejoin_prob"] * strength:
                    status[f] = 0
                    loyalty[f] = min(q["split_threshold"] + 0.1, 1.0)
            isk = _u(isk + q["isk_absorb"] * defected * (1 - isk) - q["isk_decay"] * isk)
            coh = sum(size[f] * loyalty[f] for f in range(F) if status[f] == 0)
            member = sum(size[f] for f in range(F) if status[f] == 0)

            def ratio(x, x0, e):
                return (max(x, 1e-3) / max(x0, 1e-3)) ** e

            mult = (math.exp(q["sanctuary_effect"] * (sanct - ref["sanctuary"]))
                    * ratio(strength * member, ref["effective"], q["strength_elasticity"])
                    * ratio(leadership, ref["leadership"], q["leadership_elasticity"])
                    * ratio(coh, ref["cohesion"], q["cohesion_elasticity"])
                    * math.exp(-q["ceasefire_effect"] * c))
            eta = float(draws.det[r, t])
            for k, lag in enumerate(lags):
                eta += float(draws.phi[r, k]) * math.log1p(recent[p0 - lag])
            mu = min(math.exp(min(eta, 700.0)), 1e9)
            pw = sum(shares[p] * presence[p] for p in range(P)) / ctx.presence0
            lam = min(mu * mult * pw * g, 1e7)
            y = _ppf(u[U_COUNT], lam)
            w = [shares[p] * presence[p] for p in range(P)]
            ws = sum(w)
            w = [x / ws for x in w] if ws > 0 else [1.0 / P] * P
            cum, prev = 0.0, 0.0
            us = u[U_SPLIT]
            for p in range(P):
                cum += w[p]
                cut = math.floor((1.0 if p == P - 1 else cum) * y + us)
                ttp[i, t, p] = int(cut - prev)
                prev = cut
            recent = recent[1:] + [float(y)]
            imu = ctx.isk_level * (max(isk, 1e-3) / max(ctx.isk0, 1e-3)) ** q["isk_violence"] \
                * math.exp(q["isk_outbid"] * c)
            isk_out[i, t] = _ppf(u[U_ISK], imu)
            urb = float(sum(ttp[i, t, p] for p in range(P) if urban[p]))
            pres = _u(pres * (1 - q["pressure_decay"]) + q["pressure_sensitivity"]
                      * urb / (urb + q["pressure_scale"]) * (1 - pres))
            rel = _u(rel + q["relations_recovery"] * (ctx.relations0 - rel)
                     - q["fence_friction"] * lv.fence_pace - q["strike_friction"] * strikes)
            dip = _u(dip + q["diplomacy_adjust"] * (rel - dip))
            threat = y / (y + q["threat_scale"])
            tgt = min(max(q["coop_ceiling"], 0.0), lv.us_coop + q["threat_pull"] * threat)
            coop = _u(coop + q["coop_adjust"] * (tgt - coop))
            cf_out[i, t] = cf
            coh_out[i, t] = coh
            for k, v in (("strength", strength), ("sanctuary", sanct), ("relations", rel),
                         ("us_coop", coop), ("pressure", pres), ("leadership", leadership),
                         ("aq_room", aq), ("isk_strength", isk), ("mode", float(mode))):
                extra[k][i, t] = v
    return ttp, isk_out, cf_out, coh_out, extra
