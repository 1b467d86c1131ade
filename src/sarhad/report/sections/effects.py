"""Brief section: the mechanisms of the source analysis tested against the event record —
each claim with its paragraph ids, an estimate, a 90% interval and a plain reading, or a
statement that the data cannot speak. All numbers come from :mod:`sarhad.dynamics.effects`."""

from __future__ import annotations

from typing import Any

from sarhad.errors import SarhadError
from sarhad.months import month_of
from sarhad.report import plots
from sarhad.report.brief import BriefContext
from sarhad.report.doc import Bullets, Callout, Figure, Para, Section, Table

TITLE = "Mechanisms tested against the record"


def _num(x: float | None) -> str:
    if x is None or x == float("inf"):
        return "unbounded"
    return f"{x:.2f}"


def build(ctx: BriefContext) -> list[Section]:
    from sarhad.dynamics.effects import DATA_END, level_chart, mechanism_effects
    from sarhad.dynamics.goodness import ks_plot
    from sarhad.store import open_store

    end_day = min(ctx.as_of, DATA_END)
    end = month_of(end_day)
    try:
        if "store" not in ctx.cache:
            ctx.cache["store"] = open_store(ctx.db, read_only=True)
        result = mechanism_effects(ctx.cache["store"], ctx.scenario, seed=ctx.seed, end=end,
                                   imputations=3, hawkes=not ctx.fast)
    except SarhadError as err:
        return [Section("effects", TITLE, [Callout(f"The mechanisms could not be tested: {err}",
                                                   tone="warning")])]
    ctx.cache["effects"] = result
    effects = result.effects
    blocks: list[Any] = [Para(
        "Where the analysis makes a causal claim the event record can check, the claim is "
        "turned into a number with a 90% interval: regime effects from a negative binomial "
        "model of TTP-linked monthly counts (trend, season and dated regimes from the scenario), "
        "and excitation between groups from Hawkes processes fitted to day-dated events. "
        f"Data up to {end_day:%B %Y} only.", ("UCDP-GED-22.1",))]
    rows, cites = [], []
    for e in effects:
        if e.speaks:
            rows.append((e.mechanism, f"{e.estimate:.2f}", f"{_num(e.lower)} – {_num(e.upper)}",
                         e.unit, e.window))
        else:
            rows.append((e.mechanism, "—", "cannot speak", "", e.window))
        cites.append(tuple(e.cites))
    blocks.append(Table(("mechanism", "estimate", "90% interval", "unit", "window"),
                        tuple(rows), caption="Estimates with 90% intervals (profile likelihood).",
                        row_cites=tuple(cites), numeric=(False, True, False, False, False)))
    blocks.append(Bullets(tuple(
        Para(f"{e.claim} — {e.reading}" + (f" Note: {e.caveat}" if e.caveat else ""),
             tuple(e.cites))
        for e in effects)))
    silent = [e for e in effects if not e.speaks]
    if silent:
        blocks.append(Callout("The data cannot speak on: " + "; ".join(
            f"{e.mechanism} ({e.reason})" for e in silent) + ".", tone="warning"))
    chart = None if ctx.fast else level_chart(result, "fatalities")
    if chart is not None:
        blocks.append(Figure(plots.to_svg(chart), caption=(
            "TTP-linked monthly fatalities (grey), the fitted count model (solid) and the same "
            "model with the Taliban-takeover step switched off (dashed): the gap after August "
            "2021 is the takeover effect."), alt="Observed and modelled TTP fatalities per month"))
    ks = result.goodness.get("isk-excites-ttp")
    if ks and not ctx.fast:
        blocks.append(Figure(plots.to_svg(ks_plot(ks)), caption=(
            "Goodness of fit of the IS-K/TTP Hawkes model by time rescaling: if the model is "
            "right each line stays near the diagonal, inside its shaded 95% band (Brown et al. "
            "2002). KS " + ", ".join(f"{r.stream} D={r.ks:.3f}, p={r.p_value:.2f}" for r in ks)
            + "."), alt="Time-rescaling KS plot"))
    if ctx.fast:
        blocks.append(Callout("Fast mode: the Hawkes rows (IS-K and US strikes -> TTP) and the "
                              "figures are skipped; run without --fast for them.", tone="note"))
    blocks.append(Callout(
        "Reading the excitation rows: a Hawkes model counts extra events that follow an event "
        "within days; it can show that one group's violence was followed by another's, not why, "
        "and a linear Hawkes model cannot show suppression. The count-model multipliers compare "
        "months with what the earlier trend and season predict; few months after a date make "
        "wide intervals.", tone="note"))
    return [Section("effects", TITLE, blocks,
                    data={"effects": [e.as_dict() for e in effects]},
                    lead="What the event record says about the analysis's causal claims.")]
