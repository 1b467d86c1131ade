"""The ``sarhad`` command line: a thin layer over the Python API.

Each capability registers its commands from its own module; errors from bad input reach the
user as one line (or one line per problem) and exit code 2, never as a traceback.
"""

from __future__ import annotations

import sys

import typer

from sarhad import __version__
from sarhad.errors import SarhadError

app = typer.Typer(
    name="sarhad",
    help=(
        "sarhad — a dated, sourced, testable model of the Pakistan – TTP – Afghan Taliban "
        "conflict system.\n\nStart with 'sarhad brief' (the situation brief), then 'sarhad "
        "relations --help'. Every command takes --help, and --json for machine-readable output."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        print(f"sarhad {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Show the version and exit.")) -> None:
    """sarhad command line."""


def _register_all() -> None:
    from sarhad.cli import bargain, brief, data, effects, forecast, kb, simulate

    for module in (brief, kb, data, effects, forecast, bargain, simulate):
        module.register(app)


_register_all()


def main() -> None:
    """Console entry point: run the app, turning sarhad errors into one-line messages."""
    try:
        app()
    except SarhadError as err:
        print(f"sarhad: error: {err}", file=sys.stderr)
        sys.exit(err.exit_code)
    except KeyboardInterrupt:
        print("sarhad: interrupted", file=sys.stderr)
        sys.exit(130)
