"""``sarhad brief``: the situation brief, the main job of sarhad."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sarhad.cli.common import (
    AsOfOpt,
    DbOpt,
    JsonOpt,
    ScenarioOpt,
    SeedOpt,
    as_of_from,
    console,
    emit_json,
    err_console,
    scenario_from,
)
from sarhad.errors import SarhadError
from sarhad.report.brief import BriefContext, brief_json, build_brief, section_builders
from sarhad.report.html import render_html
from sarhad.report.terminal import render_document


def brief(
    scenario: ScenarioOpt = None,
    as_of: AsOfOpt = None,
    out: Annotated[Path | None, typer.Option(
        help="Also write the brief as one self-contained HTML file (no internet needed to "
             "open it).")] = Path("sarhad-brief.html"),
    db: DbOpt = None,
    recent: Annotated[int, typer.Option(help="How many months 'what changed' looks back.",
                                        min=1, max=120)] = 6,
    section: Annotated[list[str] | None, typer.Option(
        "--section", help="Only these sections (repeatable): system, record, effects, "
                          "forecast, bargain, simulate.")] = None,
    fast: Annotated[bool, typer.Option("--fast", help="Skip figures and slow model runs.")] = False,
    seed: SeedOpt = 20211231,
    json_out: JsonOpt = False,
) -> None:
    """The situation brief: the system, the record, estimates, forecasts, talks, strategies.

    Who the actors are, who shelters, backs, negotiates with or fights whom, what changed in
    the last months, and the source paragraphs behind each line; then the event record, the
    mechanisms tested against it, forecasts, the negotiation model and simulated strategies as
    those capabilities are available.

    Printed to the terminal and written to --out (default sarhad-brief.html). Example:

      sarhad brief --as-of 2021-09-30 --out brief-sept.html
    """
    scn = scenario_from(scenario)
    day = as_of_from(as_of, scn)
    keys = {k for k, _ in section_builders()}
    if section:
        unknown = set(section) - keys
        if unknown:
            raise SarhadError(f"--section: unknown {', '.join(sorted(unknown))}; expected "
                              f"some of: {', '.join(sorted(keys))}")
    ctx = BriefContext(scenario=scn, as_of=day, db=db, seed=seed, recent_months=recent,
                       fast=fast)
    with err_console.status("building the brief…") as status:
        doc = build_brief(ctx, only=set(section) if section else None,
                          progress=lambda key: status.update(f"building the brief: {key}…"))
    if out is not None:
        try:
            out.write_text(render_html(doc), encoding="utf-8")
        except OSError as err:
            raise SarhadError(f"{out}: cannot write the brief ({err.strerror})") from None
    if json_out:
        emit_json(brief_json(doc) | {"html": str(out) if out else None})
        return
    render_document(doc, console)
    if out is not None:
        console.print(f"[green]HTML brief written to[/] {out}")


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel="Main job")(brief)
