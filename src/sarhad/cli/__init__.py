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
    rich_markup_mode="markdown",
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


def _click_exceptions() -> tuple[tuple[type[BaseException], ...], ...]:
    """Usage-error classes of click and of the click copy newer typer versions carry."""
    import click.exceptions as ce

    modules = [ce]
    try:
        import typer._click.exceptions as tce  # typer >= 0.2x vendors click

        modules.append(tce)
    except ImportError:  # pragma: no cover - depends on the typer version installed
        pass
    def found(name: str) -> tuple[type[BaseException], ...]:
        return tuple(getattr(m, name) for m in modules if hasattr(m, name))

    return found("NoArgsIsHelpError"), found("UsageError"), (*found("Abort"), typer.Abort)


def main() -> None:
    """Console entry point: run the app; bad input becomes one line on stderr and exit code 2.

    Set ``SARHAD_DEBUG=1`` to see the traceback of an unexpected error."""
    import os

    no_args, usage, abort = _click_exceptions()
    try:
        code = app(standalone_mode=False)
    except no_args as err:
        ctx = getattr(err, "ctx", None)
        print(ctx.get_help() if ctx else "", file=sys.stderr)
        sys.exit(0)
    except usage as err:
        ctx = getattr(err, "ctx", None)
        where = f" (see 'sarhad {ctx.info_name} --help')" if ctx and ctx.parent else ""
        message = str(getattr(err, "format_message", err.__str__)())
        message = message.replace("Value error, ", "").replace("\n", " ")
        print(f"sarhad: error: {message}{where}", file=sys.stderr)
        sys.exit(2)
    except abort:
        print("sarhad: interrupted", file=sys.stderr)
        sys.exit(130)
    except SarhadError as err:
        print(f"sarhad: error: {err}", file=sys.stderr)
        sys.exit(err.exit_code)
    except KeyboardInterrupt:
        print("sarhad: interrupted", file=sys.stderr)
        sys.exit(130)
    except MemoryError:
        print("sarhad: error: out of memory; ask for fewer draws, runs or months", file=sys.stderr)
        sys.exit(2)
    except Exception as err:  # a bug, not bad input: say so in one line
        if os.environ.get("SARHAD_DEBUG"):
            raise
        print(f"sarhad: internal error: {type(err).__name__}: {err} (set SARHAD_DEBUG=1 for "
              "the traceback, and please report it)", file=sys.stderr)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
