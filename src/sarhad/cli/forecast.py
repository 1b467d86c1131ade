"""Commands of the forecast capability: ``forecast`` (probabilistic monthly forecasts),
``backtest`` (rolling-origin scores against the baselines), ``ask`` (answer ledger questions)
and ``resolve`` (score them once the data arrive). The logic lives in :mod:`sarhad.forecast`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

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
from sarhad.errors import SarhadError

TargetOpt = Annotated[Literal["fatalities", "events"], typer.Option(
    "--target", help="fatalities: sum of UCDP best estimates; events: number of events.")]
CountryOpt = Annotated[str, typer.Option("--country", help="ISO3 code of the country where "
                                                           "events happened.")]
ActorOpt = Annotated[str | None, typer.Option(
    "--actor", help="Scenario actor id: only events where it or one of its factions is side A "
                    "or B (see 'sarhad actors').")]
ProvinceOpt = Annotated[str | None, typer.Option(
    "--province", help="Province, any spelling (NWFP = Khyber Pakhtunkhwa).")]
LedgerOpt = Annotated[Path | None, typer.Option(
    "--ledger", metavar="PATH", help="Ledger file (JSON lines). Default: ledger.jsonl in your "
                                     "user data directory. Missing directories are created.")]


def _spec(target: str, country: str, actor: str | None, province: str | None) -> Any:
    from sarhad.forecast.api import SeriesSpec

    return SeriesSpec(target=target, country=country, actor=actor,  # type: ignore[arg-type]
                      province=province)


def forecast(
    target: TargetOpt = "fatalities",
    country: CountryOpt = "PAK",
    actor: ActorOpt = None,
    province: ProvinceOpt = None,
    origin: Annotated[str | None, typer.Option(
        "--origin", metavar="YYYY-MM", help="Last month of data the forecast may use (default: "
                                            "the last complete month in the store).")] = None,
    horizon: Annotated[int, typer.Option("--horizon", help="Months ahead, 1 to 48.")] = 12,
    draws: Annotated[int, typer.Option("--draws", help="Draws per month: at least 1000, and "
                                                       "draws x horizon at most 5 million.")
                     ] = 1000,
    out: Annotated[Path | None, typer.Option(
        "--out", metavar="FILE.csv", help="Write the draws as CSV with header month,draw,value "
                                          "(missing directories are created)."
    )] = None,
    fmt: Annotated[Literal["csv", "summary"], typer.Option(
        "--format", help="csv: the draws (to --out, or standard output); summary: median and "
                         "50/80/95% intervals per month.")] = "csv",
    plot: Annotated[Path | None, typer.Option(
        "--plot", metavar="FILE.png", help="Fan chart with the history (.png, .svg, .html).")
    ] = None,
    model: Annotated[str | None, typer.Option(
        "--model", help="Forecaster: nb-w48+shift (default, best in the backtests), "
                        "nb-w60+shift, nb-w120+shift, nb-w60-flat+shift, ensemble, hawkes, "
                        "simulator (the scenario simulator's status quo at the origin; "
                        "--actor ttp fatalities only), or a baseline (zero, last, poisson12, "
                        "bootstrap12, negbin36).")] = None,
    db: DbOpt = None,
    seed: SeedOpt = 0,
    scenario: ScenarioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Probabilistic monthly forecast of fatalities or events, as integer draws.

    The default forecaster is a negative binomial count autoregression with trend on the last
    four years, with level shifts inside the forecast window; it is fitted only on data up to
    the origin month, and its draws carry parameter uncertainty, overdispersion and possible
    regime change. The same --seed gives the same file, byte for byte.

    Example:

      sarhad forecast --actor ttp --origin 2021-12 --horizon 12 --draws 1000 --out ttp.csv

      sarhad forecast --actor ttp --model simulator --origin 2016-06 --format summary
    """
    from sarhad.forecast.api import (
        PLOT_SUFFIXES,
        check_forecast_args,
        check_output,
        make_forecast,
    )

    # every argument and output path checked before any work: no half-written outputs
    check_forecast_args(horizon, draws)
    check_output(out, option="--out", suffixes=(".csv",))
    check_output(plot, option="--plot", suffixes=PLOT_SUFFIXES)
    scn = scenario_from(scenario)
    fc = make_forecast(_spec(target, country, actor, province), origin=origin, horizon=horizon,
                       draws=draws, seed=seed, db=db, scenario=scn, model=model)
    if out is not None:
        fc.to_csv(out)
    if plot is not None:
        from sarhad.report import plots

        plots.save(fc.fan_chart(), plot)
    if json_out:
        emit_json(fc.summary())
        return
    if fmt == "csv" and out is None:
        typer.echo(fc.to_csv(), nl=False)
        return
    if fmt == "summary":
        t = Table(title=f"{escape(fc.spec.label())}: forecast from {fc.origin} "
                        f"({fc.model}, {draws:,} draws, seed {seed})", title_justify="left")
        for col in ("month", "median", "50%", "80%", "95%", "P(>0)", "P(≥25)"):
            t.add_column(col, justify="left" if col == "month" else "right")
        for r in fc.summary():
            t.add_row(r["month"], str(r["median"]), f"{r['lo50']}–{r['hi50']}",
                      f"{r['lo80']}–{r['hi80']}", f"{r['lo95']}–{r['hi95']}",
                      f"{r['p_gt0']:.2f}", f"{r['p_ge25']:.2f}")
        console.print(t)
        if fc.weights:
            ws = ", ".join(f"{w['forecaster']} {w['weight']:.2f}" for w in fc.weights
                           if w["weight"] > 0)
            console.print(f"Ensemble weights (from its own backtest up to the origin): {ws}")
    notes = [f"wrote {escape(str(out))}" if out else "", f"plot {escape(str(plot))}"
             if plot else ""]
    if any(notes):
        console.print("; ".join(n for n in notes if n))


def _parse_origins(text: str) -> tuple[str, str]:
    parts = text.split(":")
    if len(parts) != 2:
        raise SarhadError(f"--origins: expected FIRST:LAST, e.g. 2012-01:2020-12, got {text!r}")
    return parts[0].strip(), parts[1].strip()


def backtest(
    target: TargetOpt = "fatalities",
    country: CountryOpt = "PAK",
    actor: ActorOpt = None,
    province: ProvinceOpt = None,
    origins: Annotated[str, typer.Option(
        "--origins", metavar="FIRST:LAST", help="Range of origin months, one origin per month."
    )] = "2012-01:2020-12",
    horizon: Annotated[int, typer.Option("--horizon", help="Horizons 1..N for every origin.")
                       ] = 12,
    long_until: Annotated[str | None, typer.Option(
        "--long-until", metavar="YYYY-MM", help="Origins up to this month are also scored at "
                                                "the long horizons ('none' to skip).")
    ] = "2018-12",
    long_horizon: Annotated[int, typer.Option("--long-horizon", help="Longest horizon for those "
                                                                     "origins.")] = 36,
    draws: Annotated[int, typer.Option("--draws", help="Draws per forecast.")] = 1000,
    workers: Annotated[int, typer.Option(
        "--workers", help="Local Dask worker processes (1: serial). Results do not depend on "
                          "it.")] = 1,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", metavar="ADDRESS", help="Run on an existing Dask cluster, e.g. "
                                               "tcp://10.0.0.5:8786.")] = None,
    compare_model: Annotated[str | None, typer.Option(
        "--model", help="Which forecaster to compare with the baselines (default: the one with "
                        "the lowest mean CRPS at horizons 1..--horizon); 'simulator' adds the "
                        "scenario simulator (--actor ttp fatalities only).")] = None,
    hawkes: Annotated[bool, typer.Option(
        "--hawkes", help="Also backtest the Hawkes forecaster (self-exciting events, "
                         "simulated month by month; slower).")] = False,
    plot: Annotated[Path | None, typer.Option(
        "--plot", metavar="FILE.png", help="Score by horizon, PIT histogram and reliability "
                                           "diagram (.png, .svg, .html).")] = None,
    db: DbOpt = None,
    seed: SeedOpt = 0,
    scenario: ScenarioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Rolling-origin backtest: sarhad's forecasters against every baseline, per horizon.

    At each origin every forecaster is refitted on the data up to it; scores are CRPS, log
    score on the ViEWS bins, interval scores and coverage of 50/80/95% intervals, Brier for
    y > 0 and y >= 25, and the PIT. Differences from each baseline carry moving-block bootstrap
    90% intervals. Baselines: zero, last value, Poisson around the 12-month mean, bootstrap of
    12 months, negative binomial of 36 months.

    Example:

      sarhad backtest --actor ttp --workers 2 --plot ttp-backtest.png

      sarhad backtest --actor ttp --model simulator
    """
    from sarhad.forecast.api import PLOT_SUFFIXES, backtest_charts, check_output
    from sarhad.forecast.api import backtest as run
    from sarhad.forecast.backtest import Plan

    check_output(plot, option="--plot", suffixes=PLOT_SUFFIXES)
    first, last = _parse_origins(origins)
    long_last = None if long_until in (None, "", "none") else long_until
    plan = Plan(first=first, last=last, horizon=horizon, long_last=long_last,
                long_horizon=long_horizon)
    if workers < 1:
        raise SarhadError("--workers: at least 1")
    if draws < 100:
        raise SarhadError("--draws: at least 100 for stable scores")
    scn = scenario_from(scenario)
    result = run(_spec(target, country, actor, province), plan=plan, draws=draws, seed=seed,
                 db=db, scenario=scn, workers=workers, scheduler=scheduler, hawkes=hawkes,
                 simulator=compare_model == "simulator")
    if compare_model is not None and compare_model not in result.forecasters:
        raise SarhadError(f"--model: {compare_model!r} is not in this backtest; choose from "
                          f"{', '.join(result.forecasters)}")
    model = compare_model or result.best_model(horizons=range(1, horizon + 1))
    if plot is not None:
        from sarhad.report import plots

        plots.save(backtest_charts(result, model=model), plot)
    if json_out:
        emit_json(result.to_json(model=model, seed=seed))
        return
    _print_backtest(result, model, horizon, seed)


def _print_backtest(result: Any, model: str, horizon: int, seed: int) -> None:
    import polars as pl

    from sarhad.forecast.api import score_means

    summ = result.summary()
    hs = sorted(set(summ["horizon"].to_list()))
    show = [h for h in hs if h in (1, 2, 3, 6, 9, 12, 18, 24, 36, 48) or h == max(hs)]
    t = Table(title="Mean CRPS by horizon (lower is better)", title_justify="left")
    t.add_column("forecaster")
    for h in show:
        t.add_column(f"h={h}", justify="right")
    t.add_column("cov80", justify="right")
    order = result.forecasters
    cov_all = score_means(result, horizon=max(hs), columns=("cov80",))
    for f in order:
        sub = summ.filter(pl.col("forecaster") == f)
        vals = dict(zip(sub["horizon"].to_list(), sub["crps"].to_list(), strict=True))
        name = f"[bold]{f}[/]" if f == model else f
        t.add_row(name, *[f"{vals[h]:.1f}" if h in vals else "" for h in show],
                  f"{cov_all[f]['cov80']:.2f}")
    console.print(t)
    a = Table(title=f"Other scores, mean over horizons 1–{horizon}: log score on bins, "
                    "interval score (80%), coverage (nominal .50/.80/.95), Brier",
              title_justify="left")
    cols = {"log_bins": "log", "is80": "IS80", "cov50": "c50", "cov80": "c80", "cov95": "c95",
            "brier_gt0": "B>0", "brier_ge25": "B≥25"}
    a.add_column("forecaster", no_wrap=True)
    for head in cols.values():
        a.add_column(head, justify="right")
    rows = score_means(result, horizon=horizon, columns=tuple(cols))
    for f in order:
        if f in rows:
            a.add_row(f, *[f"{rows[f][c]:.0f}" if c == "is80" else f"{rows[f][c]:.2f}"
                           for c in cols])
    console.print(a)
    pit = result.pit(model)
    console.print(f"PIT of {model} by tenth (0.10 each if calibrated): "
                  + " ".join(f"{p['share']:.2f}" for p in pit))
    cmp = result.compare(model, seed=seed)
    c = Table(title=f"{model} minus baseline, mean CRPS (90% block-bootstrap interval); "
                    "negative = model better", title_justify="left")
    c.add_column("baseline")
    for h in show:
        if h <= horizon:
            c.add_column(f"h={h}", justify="right")
    for b in result.baselines:
        row = [b]
        for h in show:
            if h > horizon:
                continue
            r = cmp.filter((pl.col("baseline") == b) & (pl.col("horizon") == h))
            if r.height:
                d = r.row(0, named=True)
                mark = "*" if d["better"] else ""
                ci = (f"({d['lower']:+.1f}, {d['upper']:+.1f})" if d["lower"] == d["lower"]
                      else "(too few origins)")
                row.append(f"{d['diff']:+.1f}{mark} {ci}")
            else:
                row.append("")
        c.add_row(*row)
    console.print(c)
    v = result.verdict(model, horizons=range(1, horizon + 1), seed=seed)
    in_sample = model == result.best_model(horizons=range(1, horizon + 1))
    honest = result.out_of_sample_model()
    if honest is not None and honest != model:
        h = result.verdict(honest, horizons=range(1, horizon + 1), seed=seed)
        console.print(f"[bold]Out of sample[/] ({honest}: weights at each origin from outcomes "
                      f"known by then): better mean CRPS than every baseline at "
                      f"{h['beats_every_baseline_on_mean_crps']}/{h['n_horizons']} horizons; "
                      f"interval below zero against every baseline at "
                      f"{h['interval_excludes_zero_vs_every_baseline']}/{h['n_horizons']}; "
                      f"coverage of 50/80/95% intervals {h['coverage50']:.2f}/"
                      f"{h['coverage80']:.2f}/{h['coverage95']:.2f}.")
    if in_sample:
        console.print(f"[dim]{model} is the best of these forecasters on these same origins, "
                      "so its figures below flatter it (an in-sample choice).[/]")
    console.print(f"Verdict for {model}: better mean CRPS than every baseline at "
                  f"{v['beats_every_baseline_on_mean_crps']}/{v['n_horizons']} horizons; "
                  f"interval below zero against every baseline at "
                  f"{v['interval_excludes_zero_vs_every_baseline']}/{v['n_horizons']} (* above); "
                  f"coverage of 50/80/95% intervals {v['coverage50']:.2f}/{v['coverage80']:.2f}/"
                  f"{v['coverage95']:.2f} (horizons 1–{horizon}).")


def ask(
    file: Annotated[Path | None, typer.Argument(
        metavar="[FILE]", help="Questions (YAML). Default: the bundled source judgments for "
                               "2022.")] = None,
    only: Annotated[list[str] | None, typer.Option(
        "--only", metavar="ID", help="Answer only this question (repeatable).")] = None,
    draws: Annotated[int, typer.Option("--draws", help="Forecast draws per question.")] = 1000,
    ledger: LedgerOpt = None,
    db: DbOpt = None,
    seed: SeedOpt = 0,
    scenario: ScenarioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Answer forecasting questions with probabilities and store them in the ledger.

    Data questions are answered from forecast draws (the share of draws for which the rule
    holds); the source's own stated probability, where it gives one, is stored beside it so
    both are scored. Every answer records the question's hash, the model version, the data's
    latest date and the time; the ledger is append-only and hash-chained. Because each entry
    carries the time it was made (made_at), --json output differs from run to run in that
    field only; the probabilities are the same for the same --seed. A conditional judgment of
    the source is stored with its condition ("given: ...").

    Example:

      sarhad ask --only ttp-fatalities-not-lower-2022
    """
    from sarhad.forecast.ledger import Ledger, ask_questions, load_questions

    questions = load_questions(file)
    if only:
        known = {q.id for q in questions}
        missing = [i for i in only if i not in known]
        if missing:
            raise SarhadError(f"--only: no question {', '.join(missing)} in the file")
        questions = [q for q in questions if q.id in set(only)]
    led = Ledger(ledger)
    scn = scenario_from(scenario)
    entries = ask_questions(led, questions, db=db, scenario=scn, draws=draws, seed=seed)
    rows = [{"question_id": e["question_id"], "by": e["by"], "probability": e["probability"],
             "data_latest": e["data_latest"], "made_at": e["made_at"],
             "question_hash": e["question_hash"]} for e in entries]
    if json_out:
        emit_json(rows)
        return
    t = Table(title=f"Answers stored in {escape(str(led.path))}", title_justify="left")
    for col in ("question", "by", "P(yes)"):
        t.add_column(col, justify="right" if col == "P(yes)" else "left")
    for r in rows:
        t.add_row(r["question_id"], escape(r["by"]), f"{r['probability']:.3f}")
    console.print(t)
    human = [q.id for q in questions if not q.data_rule and q.stated is None]
    if human:
        console.print(f"{len(human)} question(s) need human judgment and carry no stated "
                      f"probability: {', '.join(human)}")


def resolve(
    set_id: Annotated[str | None, typer.Option(
        "--set", metavar="ID", help="Record a human resolution for question ID (needs an "
                                    "answer yes|no and --source).")] = None,
    answer: Annotated[str | None, typer.Argument(metavar="[yes|no]", help="With --set: the "
                                                 "outcome.")] = None,
    source: Annotated[str | None, typer.Option(
        "--source", metavar="TEXT", help="With --set: what the resolution rests on.")] = None,
    ledger: LedgerOpt = None,
    db: DbOpt = None,
    scenario: ScenarioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Resolve and score ledger questions; show the running record.

    Data questions are resolved once the loaded data cover their window (and reference
    window); human questions by 'resolve --set ID yes|no --source TEXT'. Scores: Brier and log
    score (lower is better), per answer and per forecaster.

    Example:

      sarhad resolve --set talks-revived-2022 yes --source "news reports"
    """
    from sarhad.forecast.ledger import (
        Ledger,
        load_questions,
        record,
        resolve_by_hand,
        resolve_from_data,
    )

    led = Ledger(ledger)
    new = []
    if set_id is not None:
        if answer not in ("yes", "no"):
            raise SarhadError("--set ID needs the outcome yes or no, e.g. "
                              "'sarhad resolve --set talks-revived-2022 yes --source TEXT'")
        if not source:
            raise SarhadError("--set needs --source TEXT: what the resolution rests on")
        new.append(resolve_by_hand(led, set_id, answer == "yes", source,
                                   questions=load_questions()))
    elif answer is not None or source is not None:
        raise SarhadError("an outcome or --source only goes with --set ID")
    else:
        new = resolve_from_data(led, db=db, scenario=scenario_from(scenario))
    rec = record(led)
    if json_out:
        emit_json(rec["answers"])
        return
    if new:
        console.print(f"Resolved {len(new)} question(s): "
                      + ", ".join(f"{e['question_id']} = {'yes' if e['outcome'] else 'no'}"
                                  for e in new))
    t = Table(title=f"Ledger {escape(str(led.path))}", title_justify="left")
    for col in ("question", "by", "P(yes)", "outcome", "Brier", "log"):
        t.add_column(col)
    for r in rec["answers"]:
        out = "open" if r["outcome"] is None else ("yes" if r["outcome"] else "no")
        t.add_row(r["question_id"], escape(r["by"]), f"{r['probability']:.3f}", out,
                  "" if r["brier"] is None else f"{r['brier']:.3f}",
                  "" if r["log"] is None else f"{r['log']:.3f}")
    console.print(t)
    for s in rec["by_forecaster"]:
        score = (f"mean Brier {s['brier']:.3f}, mean log {s['log']:.3f}" if s["resolved"]
                 else "nothing resolved yet")
        console.print(f"{escape(s['by'])}: {s['answers']} answers, {s['resolved']} resolved; "
                      f"{score}")


def register(app: typer.Typer) -> None:
    """Add this capability's commands to the sarhad CLI."""
    panel = "Forecast and score"
    app.command(rich_help_panel=panel)(forecast)
    app.command(rich_help_panel=panel)(backtest)
    app.command(rich_help_panel=panel)(ask)
    app.command(rich_help_panel=panel)(resolve)
