"""The ``bargain`` command: KTAB's spatial model of politics on a CSV or the scenario's talks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.markup import escape
from rich.table import Table

from sarhad.cli.common import JsonOpt, ScenarioOpt, console, emit_json, scenario_from

SWITCH = "KTAB switches"


def bargain(
    file: Annotated[Path | None, typer.Argument(
        metavar="FILE.csv", help="A KTAB SMP input CSV. Without it, the scenario's talks run.",
        show_default=False)] = None,
    scenario: ScenarioOpt = None,
    draws: Annotated[int, typer.Option(help="Scenario mode: draws of the input "
                                            "distributions.")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed (draws, stochastic transitions): the "
                                           "same seed gives the same output, byte for byte.")
                    ] = 20211231,
    plot: Annotated[Path | None, typer.Option(
        metavar="FILE", help="Write a chart (.png, .svg or .html): trajectories for a CSV, the "
                             "outcome distribution for the scenario.")] = None,
    json_out: JsonOpt = False,
    victory_prob: Annotated[str, typer.Option(
        rich_help_panel=SWITCH, help="Linear | Square | Quartic | Octic | Binary")] = "Linear",
    voting_rule: Annotated[str, typer.Option(
        rich_help_panel=SWITCH,
        help="Binary | PropBin | Prop | PropCbc | Cubic | ASymProsp")] = "Prop",
    pce: Annotated[str, typer.Option(
        rich_help_panel=SWITCH,
        help="Condorcet election: Conditional | MarkovIncentive | MarkovUniform")
                   ] = "Conditional",
    transitions: Annotated[str, typer.Option(
        rich_help_panel=SWITCH, help="Deterministic | Stochastic (draw the winning "
                                     "bargain)")] = "Deterministic",
    big_r_range: Annotated[str, typer.Option(
        rich_help_panel=SWITCH, help="Risk-attitude range: Min | Mid | Max")] = "Mid",
    big_r_adjust: Annotated[str, typer.Option(
        rich_help_panel=SWITCH,
        help="Perceived risk attitudes: None | OneThird | Half | TwoThirds | Full")
                            ] = "OneThird",
    third_party: Annotated[str, typer.Option(
        rich_help_panel=SWITCH, help="NoCommit | SemiCommit | FullCommit")] = "SemiCommit",
    inter_vec: Annotated[str, typer.Option(
        rich_help_panel=SWITCH, help="Bargain interpolation: S1P1 | S2P2 | S2PMax")] = "S2P2",
    bargain_model: Annotated[str, typer.Option(
        rich_help_panel=SWITCH, help="InitOnlyInterp | InitRcvrInterp | PWCompInterp")
                             ] = "InitOnlyInterp",
    max_iter: Annotated[int, typer.Option(rich_help_panel=SWITCH,
                                          help="Stop after this many turns.")] = 100,
) -> None:
    """Predict where bargaining settles: KTAB's spatial model of politics, fast.

    Actors with power, and a position and salience on each issue (0-100), challenge and
    bargain turn by turn until positions settle. With a KTAB CSV it prints the final
    positions and win probabilities (every state with --json); without one it runs the
    scenario's negotiation (the 2021 Pakistan - TTP talks) over draws of its input
    distributions and reports each issue's outcome (median, 10-90%) and which inputs move it
    most.

    Examples:

      sarhad bargain SOE-Pol-Comp.csv --json

      sarhad bargain SOE-Pol-Comp.csv --plot trajectories.png

      sarhad bargain --scenario pakistan_ttp_2021 --draws 1000 --seed 7
    """
    from sarhad.bargain import SpatialModel, read_ktab_csv
    from sarhad.bargain.model import options_from
    from sarhad.errors import SarhadError

    opts = dict(victory_prob=victory_prob, voting_rule=voting_rule, pce=pce,
                state_transitions=transitions, big_r_range=big_r_range,
                big_r_adjust=big_r_adjust, third_party_commit=third_party,
                inter_vec_bargain=inter_vec, bargain_model=bargain_model, max_iter=max_iter)
    options = options_from(**opts)
    rng = np.random.default_rng(seed)
    if file is not None:
        if scenario:
            raise SarhadError("give either a CSV file or --scenario, not both")
        model = SpatialModel(**opts).fit(read_ktab_csv(file), rng=rng)  # type: ignore[arg-type]
        if plot:
            from sarhad.bargain.plots import trajectory_chart
            from sarhad.report import plots

            plots.save(trajectory_chart(model), plot)
        if json_out:
            emit_json(model.to_json() | {"seed": seed})
            return
        d = model.input_
        t = Table(title=f"{escape(d.name)}: final positions after {model.n_states_} states "
                        f"(initial state included)", title_justify="left")
        t.add_column("actor")
        for dim in d.dimensions:
            t.add_column(escape(dim), justify="right")
        t.add_column("P(win)", justify="right")
        for i, a in enumerate(d.actors):
            t.add_row(escape(a), *(f"{model.positions_[-1, i, k]:.1f}"
                                   for k in range(len(d.dimensions))),
                      f"{model.win_prob_[-1, i]:.3f}")
        console.print(t)
        if plot:
            console.print(f"trajectories written to {plot}")
        return

    from sarhad.bargain.talks import load_talks, run_talks

    talks = load_talks(scenario_from(scenario))
    result = run_talks(talks, draws=draws, rng=rng, seed=seed, options=options)
    if plot:
        from sarhad.bargain.plots import outcome_chart
        from sarhad.report import plots

        plots.save(outcome_chart(result), plot)
    if json_out:
        emit_json(result.to_json())
        return
    t = Table(title=f"{escape(talks.title)}: outcome over {draws} draws (seed {seed})",
              title_justify="left")
    for col in ("issue", "p10", "median", "p90", "at the modes"):
        t.add_column(col, justify="left" if col == "issue" else "right")
    for s in result.summary():
        t.add_row(escape(s["name"]), f"{s['p10']:.1f}", f"{s['median']:.1f}",
                  f"{s['p90']:.1f}", f"{s['modal_run']:.1f}")
    console.print(t)
    st = Table(title="What moves each outcome (Spearman rank correlation of input draws with "
                     "the outcome)", title_justify="left")
    for col in ("issue", "input", "rho"):
        st.add_column(col, justify="right" if col == "rho" else "left")
    for row in result.sensitivity(top=3):
        st.add_row(row["dimension"] if row["rank"] == 1 else "", escape(row["input"]),
                   f"{row['rho']:+.2f}")
    console.print(st)
    console.print("Outcome = power x salience weighted mean of the final positions, on each "
                  "issue's 0-100 scale:")
    for key, spec in talks.spec.dimensions.items():
        console.print(f"  {key}: 0 = {escape(spec.low_end)}; 100 = {escape(spec.high_end)}")


def register(app: typer.Typer) -> None:
    """Add this capability's commands to the sarhad CLI."""
    app.command(name="bargain", rich_help_panel="Model the talks")(bargain)
