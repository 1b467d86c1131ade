"""Commands of the simulate capability: ``simulate``, ``compare``, ``calibrate``, ``explain`` and
``discover``. The logic lives in :mod:`sarhad.simulate`; these parse options, call it and print."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
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

PANEL = "Simulate strategies"

RunsOpt = Annotated[int, typer.Option("--runs", min=1, max=1_000_000,
                                      help="Number of runs in the ensemble (runs x months x "
                                           "policies at most 2 million; more with 'sweep').")]
MonthsOpt = Annotated[int, typer.Option("--months", min=1, max=120,
                                        help="Months to simulate after the origin.")]
OriginOpt = Annotated[str | None, typer.Option(
    "--origin", metavar="YYYY-MM", help="Last month of data the baseline is fitted on (default: "
                                        "the scenario's simulation origin, 2021-12).")]
PosteriorOpt = Annotated[Path | None, typer.Option(
    "--posterior", metavar="FILE.json", help="Draw the calibrated parameters from this file "
                                             "(written by 'sarhad calibrate --out').")]
OutcomeOpt = Annotated[str, typer.Option(
    "--outcome", help="Outcome to explain: ttp_fatalities, urban_fatalities, isk_fatalities, "
                      "ceasefire_episodes, ceasefire_months, longest_ceasefire, cohesion_end, "
                      "factions_to_isk, factions_split, sanctuary_end, relations_end, "
                      "us_cooperation_end, aq_room_end, leadership_end.")]


def _sim(scenario: list[str] | None, db: Path | None, origin: str | None,
         policies: list[str] | tuple[str, ...] = ()) -> Any:
    """The simulator, after checking the policy names (so a typo fails before the fit)."""
    from sarhad.simulate.engine import Simulator
    from sarhad.simulate.policies import compile_policy
    from sarhad.simulate.priors import load_spec

    scn = scenario_from(scenario)
    spec = load_spec(scn)
    import numpy as np

    for p in policies:
        compile_policy(spec, p, terms=np.zeros((1, 3)))
    return Simulator(scn, db=db, origin=origin)


def _posterior(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    import numpy as np

    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        params = raw["parameters"]
        out = {str(k): np.asarray(v, dtype=float) for k, v in params.items()}
    except OSError as err:
        raise SarhadError(f"{path}: cannot read ({err.strerror})") from None
    except (ValueError, KeyError, TypeError):
        raise SarhadError(f"{path}: not a posterior file (expected JSON with 'parameters': "
                          "{name: [draws]}, as written by 'sarhad calibrate --out')") from None
    lengths = {len(v) for v in out.values()}
    if not out or len(lengths) != 1 or 0 in lengths:
        raise SarhadError(f"{path}: every parameter needs the same, non-zero number of draws")
    return out


def _fmt(x: float | None) -> str:
    if x is None or (isinstance(x, float) and (math.isnan(x) or math.isinf(x))):
        return "-"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.2f}"


def simulate(
    policy: Annotated[str, typer.Option("--policy", help="Policy declared in the scenario "
                                                         "(see --list).")] = "status-quo",
    runs: RunsOpt = 1000,
    months: MonthsOpt = 24,
    seed: SeedOpt = 0,
    out: Annotated[Path | None, typer.Option(
        "--out", metavar="DIR", help="Write tidy tables (violence by run, month, actor and "
                                     "province; state indices; summary; fan quantiles); the "
                                     "directory is created if missing.")] = None,
    fmt: Annotated[Literal["parquet", "csv"], typer.Option("--format",
                                                           help="Table format for --out.")
                   ] = "parquet",
    plot: Annotated[Path | None, typer.Option(
        "--plot", metavar="FILE", help="Fan chart of monthly TTP fatalities (.png, .svg, .html).")
    ] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the scenario's policies and "
                                                       "exit.")] = False,
    posterior: PosteriorOpt = None,
    origin: OriginOpt = None,
    scenario: ScenarioOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Run a strategy forward: an ensemble of runs with parameters drawn from their priors.

    Each run draws every mechanism parameter from its prior (20-simulation.yaml) and the
    violence model's parameters from their fitted uncertainty, then steps month by month:
    cease-fires, prisoner releases, sanctuary, strength, strikes, splits and defections,
    violence by province, pressure, relations and US cooperation. Prints the distribution of
    each outcome over runs.

    Example: sarhad simulate --policy talks --runs 2000 --months 24 --seed 1 --out sims/
    """
    from sarhad.simulate.priors import load_spec
    from sarhad.simulate.results import fan_chart, summary_rows, write_tables

    if list_:
        spec = load_spec(scenario_from(scenario))
        listing = [{"policy": k, "description": p.description, "cites": p.cites}
                   for k, p in spec.policies.items()]
        if json_out:
            emit_json(listing)
            return
        for item in listing:
            console.print(f"[bold]{item['policy']}[/bold]  {item['description']} "
                          f"[dim]\\[{', '.join(item['cites'])}][/dim]")
        return
    from sarhad.forecast.api import PLOT_SUFFIXES, check_output
    from sarhad.simulate.engine import check_size

    # everything checked before any work, so a bad option cannot leave half the outputs
    check_size(runs, months)
    check_output(plot, option="--plot", suffixes=PLOT_SUFFIXES)
    if out is not None and out.exists() and not out.is_dir():
        raise SarhadError(f"--out {out}: is a file; give a directory")
    sim = _sim(scenario, db, origin, [policy])
    ens = sim.run(policy, runs=runs, months=months, seed=seed, posterior=_posterior(posterior))
    rows = summary_rows(ens, sim.ctx.urban)
    written = write_tables(ens, sim.ctx.urban, out, fmt=fmt) if out else []
    if plot:
        from sarhad.report import plots

        plots.save(fan_chart([ens]), plot)
    if json_out:
        emit_json(rows)
        return
    t = Table(title=f"{policy}: {runs} runs x {months} months from {ens.months[0]} (seed {seed})",
              title_justify="left")
    for c in ("outcome", "mean", "5%", "median", "95%"):
        t.add_column(c, justify="left" if c == "outcome" else "right")
    for r in rows:
        t.add_row(r["label"], _fmt(r["mean"]), _fmt(r["q05"]), _fmt(r["median"]), _fmt(r["q95"]))
    console.print(t)
    for p in written:
        console.print(f"wrote {p}")
    if plot:
        console.print(f"wrote {plot}")


def compare(
    policy: Annotated[list[str], typer.Option("--policy", help="Policies to compare (repeat; "
                                                               "the first is the reference).")],
    runs: RunsOpt = 1000,
    months: MonthsOpt = 24,
    seed: SeedOpt = 0,
    plot: Annotated[Path | None, typer.Option(
        "--plot", metavar="FILE", help="Fan charts of every policy (.png, .svg, .html).")] = None,
    posterior: PosteriorOpt = None,
    origin: OriginOpt = None,
    scenario: ScenarioOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Compare strategies on common random numbers: the distribution of per-run differences.

    Every policy is run on the same draws (parameters and noise), so run r differs only by the
    policy; the table shows each outcome's mean under both and the 5-95% range of the
    difference, with the share of runs where the other policy is higher.

    Example: sarhad compare --policy status-quo --policy talks --runs 2000 --seed 1
    """
    from sarhad.forecast.api import PLOT_SUFFIXES, check_output
    from sarhad.simulate.engine import check_size
    from sarhad.simulate.results import compare_rows, fan_chart

    if len(policy) < 2:
        raise SarhadError("give at least two policies: --policy A --policy B")
    check_size(runs, months, policies=len(policy))
    check_output(plot, option="--plot", suffixes=PLOT_SUFFIXES)
    sim = _sim(scenario, db, origin, policy)
    ens = sim.compare(*policy, runs=runs, months=months, seed=seed,
                      posterior=_posterior(posterior))
    rows = [r for other in ens[1:] for r in compare_rows(ens[0], other, sim.ctx.urban)]
    if plot:
        from sarhad.report import plots

        plots.save(fan_chart(ens), plot)
    if json_out:
        emit_json(rows)
        return
    for other in ens[1:]:
        t = Table(title=f"{other.policy} minus {ens[0].policy} ({runs} runs x {months} months, "
                        f"seed {seed}, common random numbers)", title_justify="left")
        for c in ("outcome", ens[0].policy, other.policy, "diff 5%", "diff median", "diff 95%",
                  "P(higher)"):
            t.add_column(c, justify="left" if c == "outcome" else "right")
        for r in rows:
            if r["other"] != other.policy:
                continue
            t.add_row(r["label"], _fmt(r["base_mean"]), _fmt(r["other_mean"]),
                      _fmt(r["diff_q05"]), _fmt(r["diff_median"]), _fmt(r["diff_q95"]),
                      f"{r['p_other_higher']:.2f}")
        console.print(t)
    if plot:
        console.print(f"wrote {plot}")


def calibrate(
    sims: Annotated[int, typer.Option("--sims", min=100, max=2_000_000,
                                      help="Simulated histories drawn from the priors.")] = 20000,
    accept: Annotated[float, typer.Option("--accept", min=0.001, max=0.5,
                                          help="Share of simulations kept (closest to the "
                                               "record).")] = 0.02,
    seed: SeedOpt = 0,
    out: Annotated[Path | None, typer.Option(
        "--out", metavar="FILE.json", help="Write the posterior draws (for --posterior).")] = None,
    scenario: ScenarioOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Calibrate the parameters that shape violence to the 2007-2021 record (ABC).

    Simulates the violence kernel over 2007 to the origin with the recorded history (sanctuary
    before and after the Taliban takeover, the 2021 cease-fire), keeps the simulations whose
    summaries are closest to the record and adjusts them by regression (Beaumont et al. 2002).
    Prints posterior ranges beside the priors.

    Example: sarhad calibrate --sims 20000 --seed 1 --out posterior.json
    """
    from sarhad.forecast.api import check_output
    from sarhad.simulate.calibrate import calibrate as run_calibration
    from sarhad.simulate.calibrate import write_posterior

    check_output(out, option="--out", suffixes=(".json",))
    scn = scenario_from(scenario)
    cal = run_calibration(scn, db=db, n_sims=sims, accept=accept, seed=seed)
    post = cal.posterior_
    rows = post.table()
    if out:
        write_posterior(cal, out, seed=seed)
    if json_out:
        emit_json(rows)
        return
    t = Table(title=f"ABC calibration: {sims} simulations, {len(post.draws)} kept (seed {seed})",
              title_justify="left")
    for c in ("parameter", "prior", "prior 90%", "posterior median", "posterior 90%", "shrink"):
        t.add_column(c, justify="left" if c in ("parameter", "prior") else "right")
    for r in rows:
        t.add_row(r["parameter"], r["prior"], f"{r['prior_low']:.2f} to {r['prior_high']:.2f}",
                  f"{r['posterior_median']:.2f}",
                  f"{r['posterior_low']:.2f} to {r['posterior_high']:.2f}",
                  f"{r['shrinkage']:.0%}")
    console.print(t)
    if out:
        console.print(f"wrote {out}")


def explain(
    policy: Annotated[str, typer.Option("--policy", help="Policy to explain.")] = "status-quo",
    versus: Annotated[str | None, typer.Option(
        "--versus", help="Explain the difference policy minus this policy instead.")] = None,
    outcome: OutcomeOpt = "ttp_fatalities",
    runs: RunsOpt = 2000,
    months: MonthsOpt = 24,
    seed: SeedOpt = 0,
    origin: OriginOpt = None,
    scenario: ScenarioOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Which mechanisms drive an outcome: switch each off on common random numbers.

    Each mechanism (sanctuary, infiltration, deal dividend, strikes on leaders, cease-fire
    strain...) is switched off in turn on the same draws; its contribution is the mean
    per-run change. With --versus, contributions are to the difference between two policies.

    Example: sarhad explain --policy talks --versus status-quo --outcome ttp_fatalities
    """
    from sarhad.simulate.explain import decompose

    sim = _sim(scenario, db, origin, [policy] + ([versus] if versus else []))
    rows = decompose(sim, policy, outcome=outcome, runs=runs, months=months, seed=seed,
                     versus=versus)
    if json_out:
        emit_json(rows)
        return
    what = f"{policy} minus {versus}" if versus else policy
    t = Table(title=f"{outcome} under {what}: contribution of each mechanism ({runs} runs, "
                    f"seed {seed})", title_justify="left")
    for c in ("mechanism", "with all on", "with it off", "contribution", "5%", "95%"):
        t.add_column(c, justify="left" if c == "mechanism" else "right")
    for r in rows:
        t.add_row(r["mechanism"], _fmt(r["on"]), _fmt(r["off"]), _fmt(r["contribution"]),
                  _fmt(r["low"]), _fmt(r["high"]))
    console.print(t)


def discover(
    policy: Annotated[str, typer.Option("--policy", help="Policy to stress.")] = "talks",
    outcome: OutcomeOpt = "ttp_fatalities",
    failure: Annotated[Literal["worse-than-status-quo", "above"], typer.Option(
        "--failure", help="A run fails when the outcome is worse than under status-quo on the "
                          "same draws, or above --threshold.")] = "worse-than-status-quo",
    threshold: Annotated[float | None, typer.Option("--threshold",
                                                    help="Threshold for --failure above.")
                         ] = None,
    lower_is_worse: Annotated[bool, typer.Option(
        "--lower-is-worse", help="The outcome is bad when low (e.g. relations_end, "
                                 "us_cooperation_end).")] = False,
    runs: RunsOpt = 4000,
    months: MonthsOpt = 24,
    seed: SeedOpt = 0,
    origin: OriginOpt = None,
    scenario: ScenarioOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Where a strategy fails: scenario discovery over the parameter uncertainty (PRIM).

    Runs the policy over draws of every uncertain parameter, flags the runs where it fails, and
    finds the box of parameter values where failures concentrate: its coverage (share of all
    failures inside), density (failure rate inside) and the limits that define it.

    Example: sarhad discover --policy talks --outcome ttp_fatalities --runs 4000
    """
    from sarhad.simulate.explain import discover as run_discovery

    sim = _sim(scenario, db, origin, [policy, "status-quo"] if failure != "above" else [policy])
    res = run_discovery(sim, policy, outcome=outcome, runs=runs, months=months, seed=seed,
                        failure=failure, threshold=threshold,
                        higher_is_worse=not lower_is_worse)
    if json_out:
        emit_json(res)
        return
    console.print(f"[bold]{policy}[/bold] fails ({failure}, {outcome}) in "
                  f"{res['base_rate']:.0%} of {runs} runs. Box: coverage {res['coverage']:.0%}, "
                  f"density {res['density']:.0%}, support {res['support']:.0%}.")
    t = Table(title_justify="left")
    for c in ("parameter", "from", "to", "why it matters"):
        t.add_column(c)
    for r in res["limits"]:
        t.add_row(r["parameter"], f"{r['low']:.3g}", f"{r['high']:.3g}",
                  f"{r['reason']} [{', '.join(r['cites'])}]")
    console.print(t)


def sweep(
    policy: Annotated[list[str], typer.Option("--policy", help="Policies to run (repeat).")],
    runs: RunsOpt = 100_000,
    months: MonthsOpt = 24,
    seed: SeedOpt = 0,
    chunks: Annotated[int, typer.Option("--chunks", min=1, max=10_000,
                                        help="Pieces the runs are cut into (part of the random "
                                             "stream: keep it to reproduce a sweep).")] = 8,
    scheduler: Annotated[str, typer.Option(
        "--scheduler", help="serial (this process), local (a Dask cluster of local processes) "
                            "or the address of a running Dask scheduler, tcp://host:8786.")
    ] = "serial",
    origin: OriginOpt = None,
    scenario: ScenarioOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Large ensembles in chunks, serially or on Dask, with identical results either way.

    Chunk i draws from child i of the seed's SeedSequence, so where it runs does not matter:
    the same seed and --chunks give the same numbers on one core or a cluster. Prints each
    policy's outcome distributions (every policy runs on common random numbers).

    Example: sarhad sweep --policy status-quo --policy divide --runs 200000 --scheduler local
    """
    from sarhad.simulate.results import OUTCOMES, distribution
    from sarhad.simulate.sweep import sweep as run_sweep

    sim = _sim(scenario, db, origin, policy)
    res = run_sweep(sim, policy, runs=runs, months=months, seed=seed, chunks=chunks,
                    scheduler=scheduler)
    rows: list[dict[str, Any]] = [
        {"policy": p, "outcome": k, "label": OUTCOMES[k], **distribution(v)}
        for p, out in res.items() for k, v in out.items()]
    if json_out:
        emit_json(rows)
        return
    t = Table(title=f"sweep: {runs} runs x {months} months, {chunks} chunks ({scheduler}), "
                    f"seed {seed}", title_justify="left")
    for c in ("policy", "outcome", "mean", "5%", "median", "95%"):
        t.add_column(c, justify="left" if c in ("policy", "outcome") else "right")
    for r in rows:
        t.add_row(r["policy"], r["label"], _fmt(r["mean"]), _fmt(r["q05"]), _fmt(r["median"]),
                  _fmt(r["q95"]))
    console.print(t)


def register(app: typer.Typer) -> None:
    """Add this capability's commands to the sarhad CLI."""
    for cmd in (simulate, compare, calibrate, explain, discover, sweep):
        app.command(rich_help_panel=PANEL)(cmd)
