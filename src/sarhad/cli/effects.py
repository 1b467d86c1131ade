"""``sarhad effects``: the mechanisms of the source analysis tested against the event record."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.markup import escape
from rich.table import Table

from sarhad.cli.common import (
    DbOpt,
    JsonOpt,
    ScenarioOpt,
    SeedOpt,
    console,
    emit_json,
    scenario_from,
)


def effects(
    scenario: ScenarioOpt = None,
    db: DbOpt = None,
    since: Annotated[str, typer.Option(
        "--since", metavar="YYYY-MM",
        help="First month of the count models (sets the pre-takeover trend).")] = "2018-01",
    end: Annotated[str, typer.Option("--end", metavar="YYYY-MM",
                                     help="Last month used (at most 2021-12).")] = "2021-12",
    regime: Annotated[list[str] | None, typer.Option(
        "--regime", metavar="NAME:YYYY-MM[:YYYY-MM]",
        help="Add a dated regime to the count models: a step from a month, or a window of "
             "months. Repeatable. Dates up to 2021-12.")] = None,
    level: Annotated[float, typer.Option(
        help="Interval level (0.9: 90% intervals).", min=0.5, max=0.999)] = 0.9,
    province: Annotated[str | None, typer.Option(
        help="Count-model rows for events in one province only (e.g. Balochistan, FATA for "
             "the former tribal areas).")] = None,
    imputations: Annotated[int, typer.Option(
        help="Jitter draws for the unknown time of day in the Hawkes fits (more: slower, "
             "steadier).", min=1, max=20)] = 3,
    coarse: Annotated[str, typer.Option(
        help="Events dated to a week, month or year in the Hawkes fits: 'exclude' (counted "
             "and left out) or 'spread' (placed at random in their window).")] = "exclude",
    no_hawkes: Annotated[bool, typer.Option("--no-hawkes",
                                            help="Skip the Hawkes rows (faster).")] = False,
    plot: Annotated[Path | None, typer.Option(
        "--plot", metavar="FILE.png",
        help="Draw TTP fatalities with the fitted model and the no-takeover counterfactual "
             "(.png, .svg or .html).")] = None,
    ks_plot: Annotated[Path | None, typer.Option(
        "--ks-plot", metavar="FILE.png",
        help="Draw the time-rescaling goodness-of-fit plot of the IS-K/TTP Hawkes model.")
    ] = None,
    seed: SeedOpt = 20211231,
    json_out: JsonOpt = False,
) -> None:
    """Test the analysis's mechanisms against the event record: estimates with intervals.

    Each row names the claim (paragraph ids), the estimate, its interval (90% unless --level),
    the data window, the method and a plain reading; where the data cannot speak it says why
    instead. Count models (negative binomial) give the takeover and cease-fire effects on TTP
    violence and its share of deaths; Hawkes processes give whether IS-K or US violence was
    followed by TTP violence.

    Example: sarhad effects --since 2016-01 --regime zarb:2019-03 --plot effects.png
    """
    from sarhad.dynamics.effects import level_chart, mechanism_effects, parse_regime
    from sarhad.errors import SarhadError
    from sarhad.forecast.api import PLOT_SUFFIXES, check_output
    from sarhad.store import open_store

    if coarse not in ("exclude", "spread"):
        raise SarhadError(f"--coarse: expected exclude or spread, got {coarse!r}")
    mode: Literal["exclude", "spread"] = "spread" if coarse == "spread" else "exclude"
    # outputs checked before any work, and written only once every chart is ready, so a bad
    # option cannot leave one plot written and the other missing
    check_output(plot, option="--plot", suffixes=PLOT_SUFFIXES)
    check_output(ks_plot, option="--ks-plot", suffixes=PLOT_SUFFIXES)
    if ks_plot is not None and no_hawkes:
        raise SarhadError("--ks-plot needs the Hawkes models; drop --no-hawkes")
    scn = scenario_from(scenario)
    extra = [parse_regime(r) for r in (regime or [])]
    store = open_store(db, read_only=True)
    result = mechanism_effects(store, scn, seed=seed, alpha=1 - level, since=since, end=end,
                               extra_regimes=extra,
                               imputations=imputations, coarse=mode, hawkes=not no_hawkes,
                               province=province)
    charts = []
    if plot is not None:
        chart = level_chart(result)
        if chart is None:
            raise SarhadError("--plot: no takeover effect was estimated in this window")
        charts.append((chart, plot))
    if ks_plot is not None:
        from sarhad.dynamics.goodness import ks_plot as draw_ks

        ks = result.goodness.get("isk-excites-ttp")
        if not ks:
            raise SarhadError("--ks-plot: the IS-K/TTP Hawkes model was not fitted (too few "
                              "events)")
        charts.append((draw_ks(ks), ks_plot))
    if charts:
        from sarhad.report import plots

        for chart, path in charts:
            plots.save(chart, path)
    if json_out:
        emit_json([e.as_dict() for e in result.effects])
        return
    pct = f"{level:.0%}" if round(level * 100) == level * 100 else f"{level:.1%}"
    t = Table(title=f"Mechanisms tested against the event record ({pct} intervals)",
              title_justify="left")
    for col in ("#", "mechanism", "cites", "estimate", f"{pct} interval", "window"):
        t.add_column(col, overflow="fold")
    for i, e in enumerate(result.effects, 1):
        est = f"{e.estimate:.2f}" if e.speaks and e.estimate is not None else "—"
        iv = f"{_num(e.lower)} – {_num(e.upper)}" if e.speaks else "cannot speak"
        t.add_row(str(i), escape(e.mechanism), ",".join(e.cites), est, iv, e.window)
    console.print(t)
    for i, e in enumerate(result.effects, 1):
        console.print(f"[bold]{i}.[/bold] {escape(e.claim)} [dim]{', '.join(e.cites)}[/dim]")
        console.print(f"   {escape(e.reading)}")
        console.print(f"   [dim]{escape(e.method)}"
                      + (f"; {escape('; '.join(e.notes))}" if e.notes else "") + "[/dim]")
    for written in (plot, ks_plot):
        if written is not None:
            console.print(f"plot written to {escape(str(written))}")


def _num(x: float | None) -> str:
    if x is None or x == float("inf"):
        return "unbounded"
    return f"{x:.2f}"


def register(app: typer.Typer) -> None:
    """Add this capability's commands to the sarhad CLI."""
    app.command(rich_help_panel="Test the mechanisms")(effects)
