"""Brief section: the forecast from the latest origin (fan chart and intervals), the rolling
backtest's verdict against the naive baselines, and the open ledger questions. The numbers come
from :mod:`sarhad.forecast`; this module only lays them out."""

from __future__ import annotations

from typing import Any

import numpy as np

from sarhad.report.brief import BriefContext
from sarhad.report.doc import Bullets, Callout, Figure, Para, Section, Table


def _origin(ctx: BriefContext) -> str:
    """The brief's origin: the last complete month on its as-of date, or of the data if they
    end earlier; nothing after the as-of date enters the section."""
    from sarhad.forecast.api import SeriesSpec, last_complete_month, load_series

    key = "forecast:origin"
    if key not in ctx.cache:
        data_end = load_series(SeriesSpec(actor="ttp"), db=ctx.db,
                               scenario=ctx.scenario).end_month
        ctx.cache[key] = min(last_complete_month(ctx.as_of), data_end)
    return str(ctx.cache[key])


def _forecast(ctx: BriefContext) -> Any:
    from sarhad.forecast.api import SeriesSpec, make_forecast

    key = "forecast:ttp"
    if key not in ctx.cache:
        ctx.cache[key] = make_forecast(SeriesSpec(actor="ttp"), origin=_origin(ctx),
                                       horizon=12, draws=1000, seed=ctx.seed, db=ctx.db,
                                       scenario=ctx.scenario)
    return ctx.cache[key]


def _backtest(ctx: BriefContext) -> Any:
    from sarhad.forecast.api import SeriesSpec, backtest
    from sarhad.forecast.backtest import Plan
    from sarhad.months import add_months

    key = "backtest:ttp"
    if key not in ctx.cache:
        # the 1-12 month part of the default backtest, with fewer draws and only outcomes up to
        # the brief's origin; 'sarhad backtest' runs the full one
        end = _origin(ctx)
        last = min("2020-12", add_months(end, -12))
        ctx.cache[key] = backtest(SeriesSpec(actor="ttp"), plan=Plan(last=last, long_last=None),
                                  draws=400, seed=ctx.seed, db=ctx.db, scenario=ctx.scenario,
                                  end=end)
    return ctx.cache[key]


def _gloss(model: str) -> str:
    """A plain description of a forecaster's id, for a reader who has not seen the ids."""
    import re

    if model == "ensemble":
        return (" (a mix of sarhad's count models and the baselines, weighted by their CRPS on "
                "earlier origins)")
    m = re.fullmatch(r"nb-w(\d+)(-flat)?(\+shift)?", model)
    if m is None:
        return ""
    text = (f" (a negative binomial count model fitted on the last {m.group(1)} months"
            + (", without trend" if m.group(2) else "")
            + (", allowing level shifts in the forecast window" if m.group(3) else "") + ")")
    return text


def build(ctx: BriefContext) -> list[Section]:
    import polars as pl

    from sarhad.forecast.ledger import load_questions
    from sarhad.report import plots

    fc = _forecast(ctx)
    rows = fc.summary()
    first = rows[0]
    total = fc.draws.sum(axis=1)
    t_lo, t_med, t_hi = (int(v) for v in np.quantile(total, [0.1, 0.5, 0.9],
                                                     method="inverted_cdf"))
    hist_year = int(fc.history[-12:].sum())
    blocks: list[Any] = [
        Para(f"Monthly fatalities in Pakistan in events involving the TTP or its factions, "
             f"forecast from {fc.origin} with data up to that month only: the median for "
             f"{first['month']} is {first['median']} (80% interval {first['lo80']}–"
             f"{first['hi80']}); over the next 12 months the total is {t_med} (80% interval "
             f"{t_lo}–{t_hi}), against {hist_year} in the 12 months to the origin. The source "
             f"expects TTP violence to remain a major problem in 2022, after the Taliban "
             f"takeover energised the group.", ("P18", "P05")),
        Figure(plots.to_svg(fc.fan_chart()),
               caption=f"TTP-linked fatalities per month: history and forecast from "
                       f"{fc.origin} (median, 50/80/95% intervals; {fc.draws.shape[0]:,} "
                       f"draws, seed {fc.seed}).",
               alt="fan chart of monthly TTP-linked fatalities"),
        Table(columns=("month", "median", "50%", "80%", "95%", "P(≥25)"),
              rows=tuple((r["month"], str(r["median"]), f"{r['lo50']}–{r['hi50']}",
                         f"{r['lo80']}–{r['hi80']}", f"{r['lo95']}–{r['hi95']}",
                         f"{r['p_ge25']:.2f}") for r in rows[:6]),
              caption="The next six months.", numeric=(False, True, True, True, True, True)),
    ]
    if fc.weights:
        ws = ", ".join(f"{w['forecaster']} {w['weight']:.2f}" for w in fc.weights
                       if w["weight"] > 0)
        blocks.append(Para(f"The forecaster is a CRPS-stacked ensemble; its weights come from "
                           f"its own rolling backtest over the five years before the origin: "
                           f"{ws}."))
    data: dict[str, Any] = {"forecast": {"series": fc.spec.as_dict(), "origin": fc.origin,
                                         "months": rows, "weights": fc.weights}}
    if ctx.fast:
        blocks.append(Callout("Backtest skipped in the fast brief; run 'sarhad backtest "
                              "--actor ttp' for the scores against the baselines."))
    else:
        result = _backtest(ctx)
        best = result.best_model(horizons=range(1, 13))
        # lead with the forecaster whose choice used no outcome after its origin (the stacked
        # ensemble); the best single forecaster in hindsight is reported beside it, labelled
        model = result.out_of_sample_model() or best
        v = result.verdict(model)
        vb = result.verdict(best)
        cmp = result.compare(model, seed=ctx.seed)
        hs = (1, 3, 6, 12)
        trows = []
        for b in result.baselines:
            cells = [b]
            for h in hs:
                r = cmp.filter((pl.col("baseline") == b) & (pl.col("horizon") == h))
                d = r.row(0, named=True)
                cells.append(f"{d['diff']:+.1f} ({d['lower']:+.1f}, {d['upper']:+.1f})")
            trows.append(tuple(cells))
        blocks += [
            Para(f"Backtest verdict (TTP series, one origin per month "
                 f"{result.settings['first_origin']} to {result.settings['last_origin']}, "
                 f"horizons 1–12, "
                 f"each forecast fitted only on data up to its origin): sarhad's "
                 f"{model}{_gloss(model)}, whose choice at each origin uses only outcomes "
                 f"known by then, has a lower mean CRPS than every naive baseline at "
                 f"{v['beats_every_baseline_on_mean_crps']} of 12 horizons, and the 90% "
                 f"block-bootstrap interval of the difference is below zero against every "
                 f"baseline at {v['interval_excludes_zero_vs_every_baseline']} of 12. Its "
                 f"80% intervals held {v['coverage80']:.0%} of outcomes (50%: "
                 f"{v['coverage50']:.0%}, 95%: {v['coverage95']:.0%}).", emphasis=True),
            Para(f"In hindsight the best single forecaster on these origins is {best}"
                 f"{_gloss(best)}: better than every baseline at "
                 f"{vb['beats_every_baseline_on_mean_crps']} of 12 horizons, the interval below "
                 f"zero at {vb['interval_excludes_zero_vs_every_baseline']} of 12, 80% coverage "
                 f"{vb['coverage80']:.0%}. It was chosen on these same outcomes, so these "
                 "figures flatter it; it is still the default forecaster from the 2021-12 "
                 "origin, since choosing it used only data up to 2021."),
            Table(columns=("baseline", *(f"h={h}" for h in hs)), rows=tuple(trows),
                  caption=f"{model} minus baseline, mean CRPS (90% interval); negative means "
                          f"{model} is better."),
        ]
        data["backtest"] = {"model": model, "verdict": v, "comparison": cmp.to_dicts(),
                            "in_sample_best": best, "in_sample_verdict": vb}
    qs = load_questions()
    n_data = sum(q.data_rule for q in qs)
    blocks.append(Bullets(tuple(
        Para(f"{q.text} ({'data' if q.data_rule else 'human'} resolution"
             + (f"; source's stated probability {q.stated.probability:.2f}"
                f" ('{q.stated.words}', {q.stated.ref})" if q.stated else "")
             + (f", conditional on: {q.stated.given}" if q.stated and q.stated.given else "")
             + ")", tuple(dict.fromkeys(s.ref for s in q.sources)))
        for q in qs[:6])))
    blocks.append(Callout(
        f"The ledger holds {len(qs)} questions drawn from the source's judgments for 2022 "
        f"({n_data} resolvable from event data, the rest by recorded human judgment); the first "
        f"six are listed above. None can be resolved with data that end in 2021: 'sarhad ask' "
        f"records answers now, 'sarhad resolve' scores them when 2022 data are loaded."))
    data["ledger"] = [{"id": q.id, "data_rule": q.data_rule,
                       "stated": q.stated.probability if q.stated else None,
                       "given": q.stated.given if q.stated else None} for q in qs]
    return [Section(key="forecast", title="Forecasts and their record", blocks=blocks,
                    data=data,
                    lead="What the next year may hold, as a distribution, and how such "
                         "forecasts have scored against naive baselines.")]
