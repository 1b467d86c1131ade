"""Options and helpers shared by every command. Commands hold no logic: they parse options,
call the API, and print (rich for people, ``--json`` for machines)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from sarhad.errors import SarhadError
from sarhad.kb import load_scenario
from sarhad.kb.dates import DateFormatError, parse_as_of
from sarhad.kb.schema import Scenario

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

ScenarioOpt = Annotated[
    list[str] | None,
    typer.Option("--scenario", "-s", metavar="NAME|FILE|DIR",
                 help="Scenario to use: a bundled name (default pakistan_ttp_2021), a YAML file "
                      "or a directory. Repeat to layer updates on top: later files add or "
                      "close relations."),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", metavar="DATE",
                 help="Date to look at: YYYY-MM-DD (a month or year means its last day). "
                      "Default: the scenario's knowledge date."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print a machine-readable result on "
                                                      "standard output.")]
DbOpt = Annotated[
    Path | None,
    typer.Option("--db", metavar="PATH", help="Event store (DuckDB file). Default: the bundled "
                                              "UCDP GED 22.1 Pakistan data."),
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed: the same seed gives the same "
                                                     "output, byte for byte.")]


def scenario_from(specs: list[str] | None) -> Scenario:
    return load_scenario(specs)


def as_of_from(value: str | None, scenario: Scenario) -> dt.date:
    try:
        return parse_as_of(value, default=scenario.knowledge_date)
    except DateFormatError as err:
        raise SarhadError(f"--as-of: {err}") from None


def warn_past_knowledge(scenario: Scenario, day: dt.date) -> None:
    """Say (on stderr, so --json stays clean) when a date lies past what the scenario knows."""
    if day > scenario.knowledge_date:
        err_console.print(f"[yellow]note:[/] {day} is after the scenario's knowledge date "
                          f"({scenario.knowledge_date}); relations are those known then, not "
                          "what happened since.")


def emit_json(obj: Any) -> None:
    """Write JSON to standard output (bypassing rich so it is never wrapped or coloured)."""
    sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=False, default=str))
    sys.stdout.write("\n")
    sys.stdout.flush()
