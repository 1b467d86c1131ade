"""Brief section: the event record — violence by year and province, the TTP's share of it, and
the last 24 months, from UCDP GED (or whatever store ``--db`` names), up to the brief's date.

Numbers come from :mod:`sarhad.panels` (the same series the models use); nothing is typed in.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import altair as alt
import polars as pl

from sarhad.errors import SarhadError
from sarhad.kb.query import regime_dates
from sarhad.months import add_months, first_day, month_of
from sarhad.panels import event_table, monthly_series
from sarhad.report import plots
from sarhad.report.brief import BriefContext
from sarhad.report.doc import Bullets, Callout, Figure, Para, Section, Table
from sarhad.store import Store, open_store

UCDP_REF = "UCDP-GED-22.1"
TABLE_YEARS = 15
FATA_LABEL = "ex-FATA"
KP_LABEL = "KP other"
MAIN_REGIONS = (FATA_LABEL, KP_LABEL, "Balochistan", "Sindh", "Punjab")


def series_chart(rows: list[dict[str, Any]], *, title: str, measure: str = "fatalities",
                 rules: list[dict[str, str]] | None = None) -> Any:
    """Bar chart of a monthly series (rows of ``month``, ``value`` and optionally ``series``),
    with dated vertical rules (``month``, ``label``) for regime events."""
    base = alt.Chart(plots.data(rows))
    color = (alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom"),
                       scale=alt.Scale(range=plots.PALETTE))
             if rows and "series" in rows[0] else alt.value(plots.PALETTE[0]))
    mark = base.mark_line(point=True) if rows and "series" in rows[0] else base.mark_bar()
    chart = mark.encode(
        # UTC throughout: dates are calendar months, not instants in the renderer's time zone
        x=alt.X("utcyearmonth(month):T", title=None, scale=alt.Scale(type="utc"),
                axis=alt.Axis(format="%b %Y", formatType="utc")),
        y=alt.Y("value:Q", title=measure),
        color=color,
        tooltip=[alt.Tooltip("utcyearmonth(month):T", title="month", format="%b %Y"),
                 "value:Q", *(["series:N"] if rows and "series" in rows[0] else [])],
    )
    layers: list[Any] = [chart]
    if rules:
        # the dates are named in a legend of their own, not written on the plot, where labels
        # of close dates collide with each other and with the data
        r = alt.Chart(plots.data(rules))
        x = alt.X("utcyearmonthdate(month):T", scale=alt.Scale(type="utc"))
        layers.append(r.mark_rule(strokeDash=[4, 3], strokeWidth=1.5).encode(
            x=x, color=alt.Color("label:N", title=None, legend=alt.Legend(orient="bottom"),
                                 scale=alt.Scale(range=["#a23b3b", "#555555", "#b07d2b"]))))
    out = alt.layer(*layers).resolve_scale(color="independent") if len(layers) > 1 else chart
    return out.properties(title=title, width=560, height=200)


def _store(ctx: BriefContext) -> Store:
    if "store" not in ctx.cache:
        ctx.cache["store"] = open_store(ctx.db, read_only=True)
    store: Store = ctx.cache["store"]
    return store


def _region(row: dict[str, Any]) -> str:
    if row["province"] == "Khyber Pakhtunkhwa":
        return FATA_LABEL if row["former_fata"] else KP_LABEL
    return row["province"] or "unknown"


def _year_table(events: pl.DataFrame, ttp: pl.DataFrame) -> pl.DataFrame:
    """Fatalities by year (rows) and region (columns), with the total and the TTP's share."""
    region = (pl.when(pl.col("province") == "Khyber Pakhtunkhwa")
              .then(pl.when(pl.col("former_fata")).then(pl.lit(FATA_LABEL))
                    .otherwise(pl.lit(KP_LABEL)))
              .otherwise(pl.col("province").fill_null("unknown")))
    long = (events.with_columns(region.alias("region"), pl.col("date_start").dt.year()
                                .alias("year"))
            .group_by("year", "region").agg(pl.col("best").sum()))
    wide = long.pivot(on="region", index="year", values="best").fill_null(0).sort("year")
    # a pivot orders its columns as the groups arrive, which varies run to run: fix the order so
    # the brief's JSON is byte-identical between runs
    wide = wide.select("year", *sorted(c for c in wide.columns if c != "year"))
    totals = events.group_by(pl.col("date_start").dt.year().alias("year")).agg(
        pl.col("best").sum().alias("total"))
    ttp_y = ttp.group_by(pl.col("date_start").dt.year().alias("year")).agg(
        pl.col("best").sum().alias("ttp"))
    return (wide.join(totals, on="year").join(ttp_y, on="year", how="left")
            .with_columns(pl.col("ttp").fill_null(0)).sort("year"))


def build(ctx: BriefContext) -> list[Section]:
    try:
        store = _store(ctx)
    except SarhadError as err:
        return [Section("record", "The event record",
                        [Callout(f"No event data could be read: {err}", tone="warning")])]
    end = month_of(ctx.as_of)
    events = event_table(store, end=end)
    if events.height == 0:
        return [Section("record", "The event record", [Callout(
            f"The store ({store.label}) holds no UCDP events located in Pakistan up to "
            f"{ctx.as_of:%B %Y}; load some with 'sarhad ingest'.", tone="warning")])]
    ttp_events = event_table(store, actor="ttp", end=end, scenario=ctx.scenario) \
        if "ttp" in ctx.scenario.actor_ids else events.clear()
    table = _year_table(events, ttp_events)
    first, last = events["date_start"].min(), events["date_start"].max()
    assert isinstance(first, dt.date) and isinstance(last, dt.date)
    blocks: list[Any] = []
    blocks.append(Para(
        f"{events.height:,} events located in Pakistan from {first:%B %Y} to {last:%B %Y}, "
        f"{int(events['best'].sum()):,} deaths (UCDP best estimates), from {store.label}. "
        "An event counts where it happened and in the month it began; every type of "
        "organised violence is included.", (UCDP_REF,)))

    # the years around the brief's date, most recent last
    recent = table.filter(pl.col("year") > ctx.as_of.year - TABLE_YEARS)
    # the five regions where nearly all deaths occur; the rest together as 'other'
    minor = [c for c in recent.columns if c not in (*MAIN_REGIONS, "year", "total", "ttp")]
    recent = recent.with_columns(
        (pl.sum_horizontal(minor) if minor else pl.lit(0)).alias("other"),
        *[pl.lit(0).alias(c) for c in MAIN_REGIONS if c not in recent.columns])
    regions = [*MAIN_REGIONS, "other"]
    rows = []
    for r in recent.iter_rows(named=True):
        share = f"{100 * r['ttp'] / r['total']:.0f}%" if r["total"] else "–"
        rows.append((str(r["year"]), *(f"{int(r[c]):,}" for c in regions),
                     f"{int(r['total']):,}", share))
    blocks.append(Table(("year", *regions, "total", "TTP %"), tuple(rows),
                        caption="Deaths by year and province: Khyber Pakhtunkhwa (KP) split "
                                "into the former tribal areas (ex-FATA) and the rest; other = "
                                "Islamabad, Azad Kashmir, Gilgit-Baltistan, unlocated. TTP %: "
                                "share of deaths in events where the TTP or one of its "
                                "factions is a side.",
                        numeric=(False, *([True] * (len(regions) + 2)))))

    long = [{"year": str(r["year"]), "region": c, "deaths": int(r[c])}
            for r in recent.iter_rows(named=True) for c in regions if r[c]]
    bars = alt.Chart(plots.data(long)).mark_bar().encode(
        x=alt.X("year:O", title=None), y=alt.Y("deaths:Q", title="deaths"),
        color=alt.Color("region:N", title=None, scale=alt.Scale(range=plots.PALETTE)),
        tooltip=["year:N", "region:N", "deaths:Q"],
    ).properties(width=560, height=220, title="Deaths by year and province")
    if not ctx.fast:   # the fast brief skips figures
        blocks.append(Figure(plots.to_svg(bars), "Deaths by year and province, UCDP GED.",
                             alt="stacked bars of deaths per year by province"))

    # the TTP's share, and the article's claim that its violence rose in 2021 [P03]
    by_year = {r["year"]: r for r in table.iter_rows(named=True)}
    y1, y0 = ctx.as_of.year, ctx.as_of.year - 1
    bullets = []
    if y1 in by_year and y0 in by_year:
        a, b = by_year[y0], by_year[y1]
        bullets.append(Para(
            f"Deaths in TTP events: {int(a['ttp']):,} in {y0}, {int(b['ttp']):,} in {y1}"
            + (" (to date)" if last < dt.date(y1, 12, 1) else "")
            + f"; all organised violence: {int(a['total']):,} and {int(b['total']):,}. The "
            "analysis reads 2021 as a year of TTP escalation; this is the record it can be "
            "checked against.", ("P03", UCDP_REF)))
    peak = max(by_year.values(), key=lambda r: r["total"])
    bullets.append(Para(
        f"The deadliest year on record was {peak['year']} ({int(peak['total']):,} deaths, "
        f"{100 * peak['ttp'] / peak['total']:.0f}% in TTP events).", (UCDP_REF,)))
    if bullets:
        blocks.append(Bullets(tuple(bullets)))

    # the last 24 months, total and TTP, with the regime dates of the scenario
    end_label = month_of(last)
    start = add_months(end_label, -23)
    start_month = first_day(start)
    total = monthly_series(store, start=start, end=end_label)
    rows24 = [{"month": m + "-01", "value": v, "series": "all"} for m, v in total.iter_rows()]
    if "ttp" in ctx.scenario.actor_ids:
        ttp = monthly_series(store, actor="ttp", start=start, end=end_label,
                             scenario=ctx.scenario)
        rows24 += [{"month": m + "-01", "value": v, "series": "TTP"}
                   for m, v in ttp.iter_rows()]
    rules = [{"month": f"{e.start.earliest:%Y-%m-%d}", "label": e.name}
             for e in regime_dates(ctx.scenario)
             if e.start.earliest and start_month <= e.start.earliest <= ctx.as_of]
    chart = series_chart(rows24, title="Deaths per month, last 24 months", rules=rules)
    if not ctx.fast:
        blocks.append(Figure(plots.to_svg(chart),
                             "Deaths per month in the last 24 months of data: all events in "
                             "Pakistan and those involving the TTP or its factions; dashed "
                             "lines mark the scenario's regime dates.",
                             alt="monthly deaths, all and TTP, last 24 months"))
    blocks.append(Callout(
        "UCDP counts only events with at least one death and codes each to a dyad; months "
        "near a release's end may be revised in the next release. Cite: Sundberg & Melander "
        "(2013), JPR 50(4); Davies, Pettersson & Öberg (2022), JPR 59(4); UCDP GED 22.1, "
        "CC BY 4.0."))
    data = {
        "store": store.label,
        "events": events.height,
        "deaths": int(events["best"].sum()),
        "by_year": [{k: (int(v) if isinstance(v, int | float) else v) for k, v in r.items()}
                    for r in table.iter_rows(named=True)],
        "last_24_months": rows24,
    }
    return [Section("record", "The event record", blocks, data=data,
                    lead="What UCDP recorded: where and when people died, and how much of it "
                         "involved the TTP.")]
