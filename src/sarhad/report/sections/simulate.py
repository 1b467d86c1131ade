"""Brief section: the strategies of the source, simulated and compared.

Runs every policy of the scenario's ``simulation`` section on common random numbers from the
knowledge date, tabulates the main outcomes, draws the fan chart of TTP fatalities, and explains
the largest difference from the status quo by switching mechanisms off. All numbers come from
:mod:`sarhad.simulate`; this module only arranges them.
"""

from __future__ import annotations

from typing import Any

from sarhad.report.brief import BriefContext
from sarhad.report.doc import Bullets, Callout, Figure, Para, Section, Table

MAIN = ("ttp_fatalities", "ceasefire_months", "cohesion_end", "factions_to_isk",
        "relations_end", "us_cooperation_end")
HEAD = ("TTP deaths, median (90%)", "cease-fire months", "cohesion", "to IS-K",
        "Pak-Taliban", "US coop.")


def _cell(key: str, x: dict[str, float]) -> str:
    if key == "ttp_fatalities":
        return f"{x['median']:,.0f} ({x['q05']:,.0f}-{x['q95']:,.0f})"
    if key in ("ceasefire_months", "factions_to_isk"):
        return f"{x['mean']:.1f}"
    return f"{x['median']:.2f}"


def build(ctx: BriefContext) -> list[Section]:
    if ctx.scenario.simulation is None:
        return []
    from sarhad.simulate.engine import Simulator
    from sarhad.simulate.explain import decompose
    from sarhad.simulate.results import distribution, fan_chart, fan_panels, outcomes

    runs, months = (300, 12) if ctx.fast else (1000, 24)
    sim = ctx.cache.get("simulator")
    if sim is None:
        sim = Simulator(ctx.scenario, db=ctx.db)
        ctx.cache["simulator"] = sim
    policies = sim.policies
    ens = sim.compare(*policies, runs=runs, months=months, seed=ctx.seed)
    out = {e.policy: outcomes(e, sim.ctx.urban) for e in ens}
    dist = {p: {k: distribution(v) for k, v in o.items()} for p, o in out.items()}
    spec = sim.spec

    rows, cites = [], []
    for p in policies:
        rows.append((p, *[_cell(k, dist[p][k]) for k in MAIN]))
        cites.append(tuple(spec.policies[p].cites))
    table = Table(columns=("strategy", *HEAD), rows=tuple(rows), row_cites=tuple(cites),
                  caption=(f"{runs} runs of {months} months from {ens[0].months[0]} on common "
                           "random numbers. Cease-fire months and factions gone to IS-K are "
                           "means; cohesion, Pakistan-Taliban relations and US cooperation "
                           "(0-1) are medians at the end."),
                  numeric=(False,) + (True,) * len(MAIN))

    base = "status-quo" if "status-quo" in out else policies[0]
    diffs = {p: out[p]["ttp_fatalities"] - out[base]["ttp_fatalities"]
             for p in policies if p != base}
    blocks: list[Any] = [
        Para("Each strategy the analysis weighs is run forward as an ensemble: Pakistan's talks "
             "with piecemeal concessions, containment, cross-border strikes and dividing the "
             "TTP, against a Taliban sanctuary that stays in place unless a counterfactual says "
             "otherwise. Violence comes from the fitted count model of TTP fatalities, scaled by "
             "the simulated state; every mechanism's parameters are drawn from priors sourced "
             "in the scenario file.", cites=("P18", "P19", "P20", "P21")),
        table,
    ]
    blocks += _versus_forecast(ctx, next(e for e in ens if e.policy == base))
    if diffs:
        items = []
        for p, d in sorted(diffs.items(), key=lambda kv: kv[1].mean()):
            items.append(Para(f"{p}: {d.mean():+,.0f} TTP deaths on average versus {base} "
                              f"(lower in {(d < 0).mean():.0%} of runs).",
                              cites=tuple(spec.policies[p].cites)))
        blocks += [Para(f"Differences from {base}, run by run on the same draws:"),
                   Bullets(tuple(items))]
    if ctx.fast:
        pass  # --fast skips figures and the decomposition's extra runs
    else:
        try:
            shown = fan_panels(ens, base)
            left = [e.policy for e in ens if e not in shown]
            svg = _svg(fan_chart(shown))
            blocks.append(Figure(svg, caption=(
                "TTP-linked deaths per month under each strategy: median with 50% and 90% "
                f"bands, {base} first, then the strategies furthest from it on average"
                + (f" ({', '.join(left)}, closest to {base}, not drawn)." if left else ".")),
                alt="fan charts of monthly TTP-linked deaths per strategy"))
        except Exception as err:  # plotting must not sink the section; say why it is missing
            blocks.append(Callout(f"Fan chart not drawn: {err}", tone="warning"))

    if diffs and not ctx.fast:
        worst = max(diffs, key=lambda p: abs(diffs[p].mean()))
        dec = decompose(sim, worst, versus=base, runs=max(runs // 2, 200), months=months,
                        seed=ctx.seed)
        top = [r for r in dec if r["mechanism"] != "(interactions)"][:4]
        mech_cites = {"sanctuary-capacity": ("P05",), "infiltration": ("P11",),
                      "containment": ("P18",), "urban-pressure": ("P16",),
                      "fence-friction": ("P16",), "diplomatic-leverage": ("P16",),
                      "deal-dividend": ("P23",), "leadership-strikes": ("P24",),
                      "ceasefire-strain": ("P12",), "broken-commitments": ("P09",),
                      "inducements": ("P21",), "defections-to-isk": ("P24",),
                      "outbidding": ("P12",),
                      "threat-cooperation": ("P25",), "cooperation-intelligence": ("P26",)}
        blocks.append(Para(f"What drives the gap between {worst} and {base} (each mechanism "
                           "switched off in turn on the same draws; change in the mean "
                           "difference of TTP deaths):"))
        blocks.append(Bullets(tuple(
            Para(f"{r['mechanism']}: {r['contribution']:+,.0f}",
                 cites=mech_cites.get(r["mechanism"], ())) for r in top)))
    if diffs and not ctx.fast:
        blocks += _discovery(sim, ens, out, base)
        blocks += _calibration(ctx)
    blocks.append(Callout("These are model experiments, not predictions of what Pakistan will "
                          "do: the priors encode the analysis's judgments as of end 2021, and "
                          "the record constrains only the violence model (see 'sarhad "
                          "calibrate').", tone="note"))
    data = {"runs": runs, "months": months, "seed": ctx.seed,
            "outcomes": {p: dist[p] for p in policies}}
    return [Section(key="simulate", title="Strategies simulated", blocks=blocks, data=data,
                    lead="How the source's strategies play out in the simulator.")]


def _versus_forecast(ctx: BriefContext, sq: Any) -> list[Any]:
    """The status quo's 12-month total beside the statistical forecast of the same quantity
    (the forecast section's, from the shared cache), and why the two differ."""
    import numpy as np

    from sarhad.report.sections.forecast import _forecast

    h = min(12, len(sq.months))
    sim_total = sq.total[:, :h].sum(axis=1)
    s_lo, s_med, s_hi = (int(v) for v in np.quantile(sim_total, [0.1, 0.5, 0.9],
                                                     method="inverted_cdf"))
    window = f"{sq.months[0]} to {sq.months[h - 1]}"
    text = (f"Status quo over the next {h} months ({window}): a median of {s_med:,} TTP-linked "
            f"deaths (80% interval {s_lo:,}-{s_hi:,}).")
    try:
        fc = _forecast(ctx)
    except Exception as err:  # noqa: BLE001 - the comparison is extra; say why it is missing
        return [Para(text + f" (The statistical forecast could not be made here: {err}.)")]
    if list(fc.months[:h]) != list(sq.months[:h]):
        return [Para(text + f" The statistical forecast covers other months ({fc.months[0]} "
                     "on), so the two are not compared here.")]
    f_total = fc.draws[:, :h].sum(axis=1)
    f_lo, f_med, f_hi = (int(v) for v in np.quantile(f_total, [0.1, 0.5, 0.9],
                                                     method="inverted_cdf"))
    rel = ("lower than" if s_med < f_med * 0.9 else "higher than" if s_med > f_med * 1.1
           else "close to")
    hist = int(fc.history[-12:].sum())
    text += (f" The statistical forecast in the forecast section gives {f_med:,} "
             f"({f_lo:,}-{f_hi:,}) for the same quantity and months, so the simulator's status "
             f"quo is {rel} it; both compare with {hist:,} in the 12 months to {fc.origin}. "
             "They answer different questions. The forecast is the prediction: a blend of "
             "statistical forecasters fitted to the TTP series alone, weighted by how well each "
             "scored in its backtest. The simulator fits one count model (trend, season, "
             "persistence, the takeover and cease-fire regimes) to the same series and scales "
             "it month by month by a simulated state (sanctuary, containment, cease-fire "
             "strain and breakdown), with every mechanism's strength drawn from the priors; "
             "its status quo is the yardstick the strategies are compared against, and the "
             "differences between strategies, not its level, are what it is for.")
    return [Para(text)]


def _discovery(sim: Any, ens: list[Any], out: dict[str, Any], base: str) -> list[Any]:
    """Where each strategy does worse than the status quo (PRIM on the compare ensemble)."""
    from sarhad.simulate.explain import discovery_report

    params = ens[0].params
    items = []
    for e in ens:
        if e.policy == base:
            continue
        fail = out[e.policy]["ttp_fatalities"] > out[base]["ttp_fatalities"]
        rep = discovery_report(sim.spec, params, fail, policy=e.policy,
                               outcome="ttp_fatalities", failure="worse-than-status-quo")
        if rep["base_rate"] == 0 or not rep["limits"]:
            items.append(Para(f"{e.policy}: more deaths than {base} in "
                              f"{rep['base_rate']:.0%} of runs, with no concentrated region.",
                              cites=tuple(sim.spec.policies[e.policy].cites)))
            continue
        lims = rep["limits"][:2]
        where = " and ".join(f"{r['parameter']} in {r['low']:.2g}-{r['high']:.2g}" for r in lims)
        cites = sorted({c for r in lims for c in r["cites"]})
        items.append(Para(f"{e.policy}: more deaths than {base} in {rep['base_rate']:.0%} of "
                          f"runs; {rep['density']:.0%} of runs fail where {where} (covering "
                          f"{rep['coverage']:.0%} of failures).", cites=tuple(cites)))
    return [Para("Where each strategy fails (scenario discovery: PRIM over the parameter "
                 "draws, failure = more TTP deaths than the status quo on the same draws):"),
            Bullets(tuple(items))]


def _calibration(ctx: BriefContext) -> list[Any]:
    """The calibrated violence parameters beside their priors (a quick ABC run)."""
    from sarhad.simulate.calibrate import calibrate

    try:
        cal = calibrate(ctx.scenario, db=ctx.db, n_sims=5000, accept=0.04, seed=ctx.seed)
    except Exception as err:  # noqa: BLE001 - the rest of the section stands without it
        return [Callout(f"Calibration not run: {err}", tone="warning")]
    rows = tuple((r["parameter"], r["prior"], f"{r['prior_low']:.2f} to {r['prior_high']:.2f}",
                  f"{r['posterior_median']:.2f}",
                  f"{r['posterior_low']:.2f} to {r['posterior_high']:.2f}")
                 for r in cal.posterior_.table())
    return [Table(columns=("parameter", "prior", "prior 90%", "posterior median",
                           "posterior 90%"), rows=rows,
                  caption="Violence parameters calibrated to the 2007-2021 TTP record by ABC "
                          "(5,000 simulated histories). The record pins down level, trend, "
                          "persistence and dispersion; one takeover and one cease-fire month "
                          "say little about the sanctuary and cease-fire effects.",
                  numeric=(False, False, True, True, True))]


def _svg(chart: Any) -> str:
    from sarhad.report import plots

    return plots.to_svg(chart)
