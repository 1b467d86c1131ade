"""Commands of the data capability: ``ingest`` (load event files), ``data`` (what is loaded,
from where, and how to cite it) and ``series`` (the monthly series the models use)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.markup import escape
from rich.table import Table

from sarhad.cli.common import DbOpt, JsonOpt, ScenarioOpt, console, emit_json, scenario_from
from sarhad.errors import SarhadError

if TYPE_CHECKING:
    from sarhad.ingest.pipeline import IngestReport

SourceChoice = Literal["ucdp", "ucdp-candidate", "acled", "gtd"]


def ingest(
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="Event files (CSV) "
                                                "as downloaded from the publisher.")],
    source: Annotated[SourceChoice | None, typer.Option(
        "--source", help="The file's publisher; detected from its columns when omitted "
                         "(UCDP Candidate by its file name, e.g. GEDEvent_v21_0_3.csv).")] = None,
    db: Annotated[Path | None, typer.Option(
        "--db", metavar="PATH", help="Event store (DuckDB file) to load into. Default: "
                                     "events.duckdb in your user data directory.")] = None,
    version: Annotated[str | None, typer.Option(
        "--version", help="Release of the data, e.g. 21.0.3; read from UCDP file names when "
                          "omitted. For one event id, a later release replaces an earlier "
                          "one.")] = None,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Abort (loading nothing) at any malformed row, instead of skipping "
                         "and reporting it.")] = False,
    wait: Annotated[float, typer.Option(
        "--wait", metavar="SECONDS", help="How long to wait for another ingest into the same "
                                          "store to finish.")] = 5.0,
    scenario: ScenarioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Load UCDP GED, UCDP Candidate, ACLED or GTD event files into the event store.

    Each file is loaded in one transaction (all of it or none of it); loading the same file
    again changes nothing. Malformed rows are skipped and listed with their line and reason
    (--strict aborts instead). Sides are resolved to the scenario's actors (UCDP ids, then
    aliases); names that matched no actor are listed by event count, so you know which aliases
    to add.

    Example: sarhad ingest GEDEvent_v22_1.csv --db events.duckdb
    """
    from sarhad.ingest import ingest_file
    from sarhad.store import default_db_path, open_store

    scn = scenario_from(scenario)
    path = db if db is not None else default_db_path()
    reports = []
    with open_store(path, wait=wait) as store:
        for f in files:   # each file is its own transaction: report it as soon as it is in
            r = ingest_file(store, f, source=source, version=version, scenario=scn,
                            strict=strict)
            reports.append(r)
            if not json_out:
                _print_report(r)
    if json_out:
        emit_json([r.to_json() | {"db": str(path)} for r in reports])
        return
    console.print(f"store: {escape(str(path))}")


def _print_report(r: IngestReport) -> None:
    name = escape(r.file)
    if r.already_loaded:
        console.print(f"{name}: already loaded (same content, sha256 {r.sha256[:12]}…); "
                      "nothing changed")
        return
    ver = f" {r.version}" if r.version else ""
    console.print(f"[bold]{name}[/]: {r.source}{ver}, {r.rows:,} rows, encoding "
                  f"{r.encoding} -> loaded {r.loaded:,} events ({r.replaced:,} replacing an "
                  f"earlier release, {r.unchanged:,} kept from a newer one), skipped "
                  f"{r.skipped:,} in {r.seconds:.2f} s")
    if r.skipped:
        reasons = ", ".join(f"{k} {v:,}" for k, v in r.skip_reasons.items())
        console.print(f"  skipped rows by field: {reasons}")
        for p in r.problems:
            console.print(f"  {escape(str(p))}")
        if r.skipped > len(r.problems):
            console.print(f"  ... and {r.skipped - len(r.problems):,} more")
    if r.unresolved:
        console.print("  names matching no scenario actor (events): " + escape(
            ", ".join(f"{n} ({c:,})" for n, c in r.unresolved)))


def data(db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Show what event data is loaded, from which files, and how to cite it.

    Without --db this is the bundled UCDP GED 22.1 Pakistan extract, which every reading
    command (series, forecast, brief) uses when no --db is given. 'sarhad ingest' without --db
    writes to events.duckdb in your user data directory; pass that path as --db to read it.

    Example: sarhad data --db events.duckdb
    """
    from sarhad.store import UCDP_CITATION, default_db_path, open_store

    store = open_store(db, read_only=True)
    try:
        files = store.files()
        summary = store.summary()
        label = store.label
    finally:
        store.close()
    if json_out:
        emit_json({"store": label, "bundled": db is None, "files": files,
                   "summary": summary, "default_ingest_db": str(default_db_path()),
                   "citation": UCDP_CITATION})
        return
    console.print(f"[bold]Event store[/]: {escape(label)}")
    t = Table(title="Loaded files", title_justify="left")
    for col in ("#", "source", "version", "rows", "loaded", "skipped", "sha256", "file"):
        t.add_column(col, overflow="fold")
    for f in files:
        t.add_row(str(f["ingest_id"]), f["source"], f["source_version"] or "",
                  f"{f['rows']:,}", f"{f['loaded']:,}", f"{f['skipped']:,}",
                  f["sha256"][:12] + "…", escape(f["path"]))
    console.print(t)
    s = Table(title="Events by source and country", title_justify="left")
    for col in ("source", "country", "events", "fatalities", "first", "last"):
        s.add_column(col)
    for r in summary:
        s.add_row(r["source"], r["country"] or "?", f"{r['events']:,}",
                  f"{int(r['fatalities'] or 0):,}", str(r["first"]), str(r["last"]))
    console.print(s)
    cites = sorted({f["citation"] for f in files if f.get("citation")})
    if cites:
        console.print("[bold]Cite[/]:")
        for c in cites:
            console.print(f"  {escape(c)}")
    if db is None:
        console.print(f"Reading commands use this bundled data unless given --db. 'sarhad "
                      f"ingest' without --db writes to {escape(str(default_db_path()))}.")


def series(
    measure: Annotated[Literal["fatalities", "events"], typer.Option(
        "--measure", help="fatalities: sum of UCDP best estimates; events: number of "
                          "events.")] = "fatalities",
    actor: Annotated[str | None, typer.Option(
        "--actor", help="Scenario actor id: only events where it or one of its factions is "
                        "side A or B (see 'sarhad actors').")] = None,
    province: Annotated[str | None, typer.Option(
        "--province", help="Province, any spelling (NWFP = Khyber Pakhtunkhwa; FATA = the "
                           "former tribal areas within it).")] = None,
    country: Annotated[str, typer.Option(
        "--country", help="ISO3 code of the country where events happened.")] = "PAK",
    by: Annotated[Literal["month"], typer.Option(
        "--by", help="Time step (monthly).")] = "month",
    start: Annotated[str | None, typer.Option(
        "--start", metavar="YYYY-MM", help="First month (default: first month with data).")
    ] = None,
    end: Annotated[str | None, typer.Option(
        "--end", metavar="YYYY-MM", help="Last month (default: the latest event's month).")
    ] = None,
    source: Annotated[Literal["ucdp", "acled", "gtd"], typer.Option(
        "--source", help="ucdp: GED, extended by Candidate events after GED's last date.")
    ] = "ucdp",
    db: DbOpt = None,
    out: Annotated[Path | None, typer.Option(
        "--out", metavar="FILE.csv", help="Write the series as CSV (month,value).")] = None,
    plot: Annotated[Path | None, typer.Option(
        "--plot", metavar="FILE.png", help="Draw the series (.png, .svg or .html).")] = None,
    scenario: ScenarioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Monthly fatalities or events: the series the models and forecasts use.

    Events located in the country, by the month of their start date, all types of violence,
    zero-filled months (the forecast target of DESIGN.md section 4).

    Example: sarhad series --actor ttp --start 2018-01 --plot ttp.png
    """
    from sarhad.panels import monthly_series
    from sarhad.report.sections.record import series_chart
    from sarhad.store import open_store

    scn = scenario_from(scenario) if scenario else None
    store = open_store(db, read_only=True)
    try:
        s = monthly_series(store, measure=measure, country=country, actor=actor,
                           province=province, start=start, end=end, scenario=scn,
                           source=source)
        label = store.label
    finally:
        store.close()
    if out is not None:
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            s.write_csv(out)
        except OSError as err:
            raise SarhadError(f"{out}: cannot write ({err.strerror})") from None
    if plot is not None:
        from sarhad.report import plots

        what = " · ".join(x for x in (actor, province, country) if x)
        plots.save(series_chart(s.to_dicts(), title=f"{measure} per month ({what})",
                                measure=measure), plot)
    if json_out:
        emit_json(s.to_dicts())
        return
    if out is None:
        t = Table(title=f"{measure} per month — {escape(label)}", title_justify="left")
        t.add_column("month")
        t.add_column("value", justify="right")
        for m, v in s.iter_rows():
            t.add_row(m, f"{v:,}")
        console.print(t)
    total = int(s["value"].sum()) if s.height else 0
    console.print(f"{s.height} months, total {total:,}"
                  + (f"; wrote {escape(str(out))}" if out else "")
                  + (f"; plot {escape(str(plot))}" if plot else ""))


def register(app: typer.Typer) -> None:
    """Add this capability's commands to the sarhad CLI."""
    app.command(rich_help_panel="Read the record")(ingest)
    app.command(rich_help_panel="Read the record")(data)
    app.command(rich_help_panel="Read the record")(series)
