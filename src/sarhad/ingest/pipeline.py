"""Ingest one file: read, detect, check, normalise places, resolve actors, write, report.

Every step is vectorised (polars expressions, DuckDB set operations); the write is one
transaction, so a file is loaded completely or not at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from sarhad.errors import Problem, SarhadError, ValidationFailed
from sarhad.ingest import places
from sarhad.ingest.actors import resolver
from sarhad.ingest.base import ADAPTERS, Adapter, detect, format_problems, version_key
from sarhad.ingest.reader import Table, header_of, read_table, sha256_of, sniff_encoding
from sarhad.kb.schema import Scenario
from sarhad.store import EVENT_COLUMNS, Store, first_row, scalar

MAX_LISTED = 20


@dataclass
class IngestReport:
    """What an ingest did. ``problems`` lists the first skipped rows with line and reason;
    ``skip_reasons`` counts every skipped row by field; ``unresolved`` names sides that matched
    no scenario actor, by event count, most frequent first."""

    file: str
    sha256: str
    source: str
    version: str | None
    encoding: str
    rows: int = 0
    loaded: int = 0
    replaced: int = 0
    unchanged: int = 0
    skipped: int = 0
    already_loaded: bool = False
    skip_reasons: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    unresolved: list[tuple[str, int]] = field(default_factory=list)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)   # seconds per stage

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["problems"] = [{"line": p.line, "field": p.field, "message": p.message}
                         for p in self.problems]
        d["unresolved"] = [{"name": n, "events": c} for n, c in self.unresolved]
        return d


def _adapter_for(header: list[str], path: Path, source: str | None, name: str) -> Adapter:
    if source is not None:
        if source not in ADAPTERS:
            raise SarhadError(f"unknown source {source!r}; expected one of: "
                              + ", ".join(ADAPTERS))
        adapter = ADAPTERS[source]
        missing = adapter.missing(header)
        if missing:
            raise SarhadError(f"{name}: not a {adapter.title} file: missing column(s) "
                              + ", ".join(missing))
        return adapter
    found = detect(header, path)
    if found is None:
        expected = "; ".join(f"{a.name}: {', '.join(a.required)}" for a in ADAPTERS.values()
                             if a.name != "ucdp-candidate")
        shown = ", ".join(header[:8]) + (", ..." if len(header) > 8 else "")
        raise SarhadError(f"{name}: unknown format (columns: {shown}); expected the columns "
                          f"of one of: {expected}")
    return found


def _per_distinct(frame: pl.DataFrame, col: str, expr: Callable[[pl.Expr], pl.Expr],
                  dtype: pl.DataType) -> pl.Series:
    """``expr`` of a column, evaluated once per distinct value and looked up for every row:
    place names repeat, so the regexes run on a few hundred strings instead of every row."""
    values = frame.get_column(col).unique()
    mapped = pl.select(expr(pl.lit(values)).alias("m")).to_series().cast(dtype)
    non_null = values.is_not_null()
    on_null = mapped.filter(~non_null)
    out = frame.select(pl.col(col).replace_strict(values.filter(non_null),
                                                  mapped.filter(non_null), default=None,
                                                  return_dtype=dtype)).to_series()
    if on_null.len() and on_null[0] is not None:
        out = out.fill_null(on_null[0]) if frame.get_column(col).null_count() else out
    return out.alias(col)


def _prepare(canon: pl.DataFrame, *, source: str, scenario: Scenario) -> pl.DataFrame:
    """Canonical rows -> store rows: places, actors, ids, duplicates flagged as problems."""
    res = resolver(scenario)
    fata_prov = _per_distinct(canon, "province_raw", places.fata_province_expr, pl.Boolean())
    kp = _per_distinct(canon, "province_raw", places.kp_expr, pl.Boolean())
    merged = _per_distinct(canon, "district_raw", places.merged_district_expr, pl.Boolean())
    canon = canon.with_columns(
        _per_distinct(canon, "province_raw", places.province_expr, pl.String())
        .alias("province"),
        (fata_prov | (kp & merged)).alias("former_fata"),
        _per_distinct(canon, "district_raw", places.district_expr, pl.String())
        .alias("district"),
        res.resolve(canon, "side_a_id", "side_a").alias("side_a_actor"),
        res.resolve(canon, "side_b_id", "side_b").alias("side_b_actor"),
    )
    dup = pl.col("event_id").is_not_null() & ~pl.col("event_id").is_first_distinct()
    # release and file hash are per file: stored once in 'files', not on every event
    return canon.with_columns(
        pl.lit(source).alias("source"),
        pl.col("_line").alias("file_line"),
        pl.coalesce(pl.col("problem"),
                    pl.when(dup).then(pl.lit("event_id: duplicate of line {_first_line}")))
        .alias("problem"),
    )


def _problems(bad: pl.DataFrame, rows: pl.DataFrame, raw: pl.DataFrame, name: str
              ) -> tuple[list[Problem], dict[str, int]]:
    """Problems of the skipped rows: counts by field for all, messages for the first few."""
    split = bad.select(pl.col("_line"), pl.col("event_id"),
                       pl.col("problem").str.splitn(": ", 2).struct.rename_fields(
                           ["field", "template"])).unnest("problem").sort("_line")
    reasons = dict(split.group_by("field").len().sort("len", descending=True).iter_rows())
    head = split.head(MAX_LISTED)
    # raw values to fill the messages, for the listed rows only
    values = {r["_line"]: r for r in raw.filter(pl.col("_line").is_in(head["_line"].implode()))
              .to_dicts()}
    first = rows.filter(pl.col("event_id").is_in(head["event_id"].drop_nulls().implode())
                        & pl.col("event_id").is_first_distinct())
    first_line = dict(first.select("event_id", "_line").iter_rows())
    rows_for = []
    for line, eid, _f, _t in head.iter_rows():
        row = dict(values.get(line, {}))
        row["_first_line"] = first_line.get(eid, "?")
        rows_for.append(row)
    messages = format_problems(head["template"].to_list(), rows_for)
    listed = [Problem(name, int(line) if line and line > 0 else None, fld or "", msg or "")
              for (line, _e, fld, _t), msg in zip(head.iter_rows(), messages, strict=True)]
    return listed, reasons


def _unresolved(good: pl.DataFrame) -> list[tuple[str, int]]:
    sides = pl.concat([
        good.select(pl.col("side_a").alias("name"), pl.col("side_a_actor").alias("actor")),
        good.select(pl.col("side_b").alias("name"), pl.col("side_b_actor").alias("actor")),
    ])
    counts = (sides.filter(pl.col("actor").is_null() & pl.col("name").is_not_null())
              .group_by("name").len().sort(["len", "name"], descending=[True, False]))
    return [(n, int(c)) for n, c in counts.head(MAX_LISTED).iter_rows()]


def _write(store: Store, good: pl.DataFrame, report: IngestReport, *, label: str,
           scenario: Scenario, citation: str | None,
           on_before_commit: Callable[[], None] | None) -> None:
    con = store.con
    with store.lock:
        con.execute("BEGIN TRANSACTION")
        try:
            ingest_id = scalar(con, "SELECT nextval('ingest_seq')")
            staged = good.with_columns(pl.lit(ingest_id, dtype=pl.Int64).alias("ingest_id"))
            staged = staged.select(EVENT_COLUMNS)
            con.register("_staged", staged)
            cols = ", ".join(EVENT_COLUMNS)
            has_source = scalar(con, "SELECT count(*) FROM (SELECT 1 FROM events WHERE "
                                     "source = ? LIMIT 1)", [report.source]) > 0
            if not has_source:
                # nothing of this source yet: no id can collide, a plain append
                con.execute(f"INSERT INTO events ({cols}) SELECT {cols} FROM _staged")
                report.replaced, report.loaded = 0, staged.height
            else:
                # One join finds the ids already stored. A release replaces an earlier or
                # equal one (a later ingest wins a tie); an older never overwrites a newer.
                con.execute("""
                    CREATE OR REPLACE TEMP TABLE _seen AS
                    SELECT e.event_id, f.version_key <= ? AS replace
                    FROM events e JOIN files f USING (ingest_id)
                    JOIN _staged s ON e.event_id = s.event_id
                    WHERE e.source = ?""", [version_key(report.version), report.source])
                report.replaced = scalar(con, "SELECT count(*) FROM _seen WHERE replace")
                kept = scalar(con, "SELECT count(*) FROM _seen WHERE NOT replace")
                con.execute("DELETE FROM events WHERE source = ? AND event_id IN "
                            "(SELECT event_id FROM _seen WHERE replace)", [report.source])
                con.execute(f"""
                    INSERT INTO events ({cols}) SELECT {cols} FROM _staged
                    WHERE event_id NOT IN (SELECT event_id FROM _seen WHERE NOT replace)""")
                con.execute("DROP TABLE _seen")
                report.loaded = staged.height - kept
            report.unchanged = good.height - report.loaded
            con.execute("INSERT INTO files VALUES "
                        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
                        [ingest_id, report.sha256, label, report.source, report.version,
                         version_key(report.version), report.encoding, report.rows,
                         report.loaded, report.skipped, scenario.scenario.name, citation])
            # which scenarios' actors the stored side_*_actor columns were resolved against
            prints = set(filter(None, (store.meta("resolver_fingerprints") or "").split(",")))
            prints.add(resolver(scenario).fingerprint)
            con.execute("INSERT OR REPLACE INTO meta VALUES ('resolver_fingerprints', ?)",
                        [",".join(sorted(prints))])
            if on_before_commit is not None:
                on_before_commit()
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            con.unregister("_staged")


def ingest_file(store: Store, path: Path | str, *, source: str | None = None,
                version: str | None = None, scenario: Scenario | None = None,
                strict: bool = False, citation: str | None = None,
                on_before_commit: Callable[[], None] | None = None) -> IngestReport:
    """Load one CSV file of events into ``store``.

    ``source`` (``ucdp``, ``ucdp-candidate``, ``acled``, ``gtd``) is detected from the header
    when omitted. ``version`` is the release (read from a UCDP file name when omitted); for one
    event id, a later release replaces an earlier one. Malformed rows are skipped and reported
    with their line and reason, or abort the whole ingest when ``strict``. A file already in the
    store (same SHA-256) changes nothing. ``on_before_commit`` is called inside the transaction,
    just before it commits (tests use it to kill a process mid-ingest).
    """
    started = time.perf_counter()
    path = Path(path)
    name = str(path)
    if store.bundled:
        raise SarhadError("the bundled data store is read-only; ingest into a --db file")
    try:
        table, sha, adapter, version = _read(store, path, name=name, source=source,
                                             version=version)
    except FileNotFoundError:
        raise SarhadError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise SarhadError(f"{name}: is a directory, not an event file") from None
    except OSError as err:
        raise SarhadError(f"{name}: cannot read: {err.strerror or err}") from None
    if table is None:
        row = first_row(store.con, "SELECT source, source_version, encoding FROM files "
                        "WHERE sha256 = ? ORDER BY ingest_id LIMIT 1", [sha])
        assert row is not None
        return IngestReport(name, sha, row[0], row[1], row[2], already_loaded=True,
                            seconds=time.perf_counter() - started)
    assert adapter is not None
    # adapters name columns as the publisher documents them; match case-insensitively
    lower = {c: c.lower() for c in table.frame.columns if c not in ("_line", "_fields")}
    expected = {x.lower(): x for x in (*adapter.required, *adapter.optional)}
    table.frame = table.frame.rename(
        {c: expected[lc] for c, lc in lower.items() if expected.get(lc, c) != c})
    report = IngestReport(name, sha, adapter.name, version, table.encoding)
    report.timings["read"] = time.perf_counter() - started
    return _ingest_raw(store, table, adapter, report, scenario=scenario, strict=strict,
                       label=str(path.resolve()), citation=citation or adapter.citation or None,
                       on_before_commit=on_before_commit, started=started)


def _read(store: Store, path: Path, *, name: str, source: str | None,
          version: str | None) -> tuple[Table | None, str, Adapter | None, str | None]:
    """Hash the file; if it is new, detect its format and parse it."""
    if path.is_dir():
        raise IsADirectoryError(path)
    sha = sha256_of(path)
    if store.has_file(sha):
        return None, sha, None, None
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    if not head.strip(b" \t\r\n\xef\xbb\xbf"):
        raise SarhadError(f"{name}: empty file")
    encoding = sniff_encoding(head, name=name)
    header = header_of(head, name=name)
    adapter = _adapter_for(header, path, source, name)
    version = version or adapter.version_from(path)
    names = {x.lower() for x in (*adapter.required, *adapter.optional)}
    wanted = [c for c in header if c.lower() in names]
    table = read_table(path, wanted, name=name, encoding=encoding)
    return table, sha, adapter, version


def _ingest_raw(store: Store, table: Table, adapter: Adapter, report: IngestReport, *,
                scenario: Scenario | None, strict: bool, label: str, citation: str | None,
                on_before_commit: Callable[[], None] | None, started: float) -> IngestReport:
    if scenario is None:
        from sarhad.kb import load_scenario

        scenario = load_scenario()
    # the table is emptied as soon as its rows are no longer needed: peak memory matters
    raw, n_fields = table.frame, table.n_columns
    table.frame = pl.DataFrame()
    report.rows = raw.height
    canon = adapter.canonical(raw.lazy()).collect()
    if "_fields" in raw.columns:
        # a record with more or fewer fields than the header is malformed (a stray comma or
        # quote): its values would land in the wrong columns
        fields = raw.get_column("_fields")
        ragged = (pl.when(fields == 1).then(pl.lit("row: empty line"))
                  .when(fields != n_fields)
                  .then(pl.lit(f"row: {{_fields}} fields, the header has {n_fields}")))
        canon = canon.with_columns(
            pl.coalesce(pl.select(ragged.alias("r")).to_series(), pl.col("problem"))
            .alias("problem"))
    rows = _prepare(canon, source=adapter.name, scenario=scenario)
    del canon
    n_bad = rows.get_column("problem").is_not_null().sum()
    bad = rows.filter(pl.col("problem").is_not_null()) if n_bad else rows.clear()
    good = rows.filter(pl.col("problem").is_null()) if n_bad else rows
    report.skipped = bad.height
    if not bad.height:
        del raw
    else:
        report.problems, report.skip_reasons = _problems(bad, rows, raw, report.file)
        if strict:
            more = bad.height - len(report.problems)
            listed = list(report.problems)
            if more > 0:
                listed.append(Problem(report.file, None, "", f"... and {more} more"))
            raise ValidationFailed(listed)
        del raw
    del rows
    t_check = time.perf_counter()
    report.timings["check"] = t_check - started - report.timings.get("read", 0.0)
    _write(store, good, report, label=label, scenario=scenario, citation=citation,
           on_before_commit=on_before_commit)
    report.timings["write"] = time.perf_counter() - t_check
    report.unresolved = _unresolved(good)
    report.seconds = time.perf_counter() - started
    return report


def ingest_frame(store: Store, parquet: Path, *, source: str, version: str | None,
                 scenario: Scenario, sha256: str, citation: str | None,
                 label: str) -> IngestReport:
    """Load a Parquet file holding a source's columns as text plus ``_line`` (the bundled
    extract), through the same checks and resolution as a CSV."""
    started = time.perf_counter()
    adapter = ADAPTERS[source]
    raw = pl.read_parquet(parquet)
    raw = raw.with_columns(pl.exclude("_line").cast(pl.String))
    table = Table(raw, "utf-8", raw.width - 1)
    report = IngestReport(label, sha256, adapter.name, version, "utf-8")
    return _ingest_raw(store, table, adapter, report, scenario=scenario, strict=True,
                       label=label, citation=citation, on_before_commit=None, started=started)
