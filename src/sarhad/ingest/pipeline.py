"""Ingest one file: read, detect, check, normalise places, resolve actors, write, report.

Every step is vectorised (polars expressions, DuckDB set operations); the write is one
transaction, so a file is loaded completely or not at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from sarhad.errors import Problem, SarhadError, ValidationFailed
from sarhad.ingest import places
from sarhad.ingest.actors import resolver
from sarhad.ingest.base import (
    ADAPTERS,
    Adapter,
    detect,
    distinct_values,
    enum_codes,
    format_problems,
    strip_numbers,
    version_key,
)
from sarhad.ingest.reader import BlockReader, header_of, sha256_of, sniff_encoding
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


def _per_distinct(col: pl.Series, outputs: dict[str, tuple[Callable[[pl.Expr], pl.Expr],
                                                             pl.DataType]]) -> list[pl.Series]:
    """Each ``expr`` of a text column, evaluated once per distinct value and spread to every
    row: place names repeat, so the regexes run on a few hundred strings instead of every row.

    The column is hashed once (a cast to an ``Enum`` of its distinct values, whose codes are
    positions in that list); every output is then a ``gather`` of its per-value results by
    those codes, with no further hashing of the column's strings."""
    values = distinct_values(col)
    codes = enum_codes(col, values)
    with_null = pl.concat([values, pl.Series([None], dtype=pl.String)])
    has_null = col.null_count() > 0
    out = []
    for name, (expr, dtype) in outputs.items():
        mapped = pl.select(expr(pl.lit(with_null)).alias("m")).to_series().cast(dtype)
        series = mapped.head(values.len()).gather(codes)
        if has_null and mapped[-1] is not None:   # what the expression gives a missing cell
            series = series.fill_null(mapped[-1])
        out.append(series.alias(name))
    return out


def _prepare(canon: pl.DataFrame, *, dup: pl.Series, scenario: Scenario) -> pl.DataFrame:
    """Canonical rows -> store rows: places, actors, ids, duplicates flagged as problems."""
    res = resolver(scenario)
    province, fata_prov, kp = _per_distinct(canon.get_column("province_raw"), {
        "province": (places.province_expr, pl.String()),
        "fata": (places.fata_province_expr, pl.Boolean()),
        "kp": (places.kp_expr, pl.Boolean())})
    district, merged = _per_distinct(canon.get_column("district_raw"), {
        "district": (places.district_expr, pl.String()),
        "merged": (places.merged_district_expr, pl.Boolean())})
    canon = canon.with_columns(
        province,
        (fata_prov | (kp & merged)).alias("former_fata"),
        district,
        res.resolve(canon, "side_a_id", "side_a").alias("side_a_actor"),
        res.resolve(canon, "side_b_id", "side_b").alias("side_b_actor"),
    )
    # release and file hash are per file: stored once in 'files', not on every event
    return canon.with_columns(
        pl.col("_line").alias("file_line"),
        pl.coalesce(pl.col("problem"),
                    pl.when(pl.lit(dup)).then(
                        pl.lit("event_id: duplicate of line {_first_line}")))
        .alias("problem"),
    )


def _problems(bad: pl.DataFrame, bad_raw: pl.DataFrame, seen: pl.DataFrame, name: str
              ) -> tuple[list[Problem], dict[str, int]]:
    """Problems of the skipped rows: counts by field for all, messages for the first few.
    ``bad_raw`` holds the raw cells of the skipped rows (to fill the messages), ``seen`` the
    id and line of every row (to say where a duplicate id first occurs)."""
    split = bad.select(pl.col("_line"), pl.col("event_id"),
                       pl.col("problem").str.splitn(": ", 2).struct.rename_fields(
                           ["field", "template"])).unnest("problem").sort("_line")
    reasons = dict(split.group_by("field").len().sort("len", descending=True).iter_rows())
    head = split.head(MAX_LISTED)
    # raw values to fill the messages, for the listed rows only
    values = {r["_line"]: r for r in bad_raw.filter(
        pl.col("_line").is_in(head["_line"].implode())).to_dicts()}
    # where each listed id first occurs (rows are in file order: the smallest line)
    first = seen.filter(pl.col("id").is_in(head["event_id"].drop_nulls().implode()))
    first_line = dict(first.group_by("id").agg(pl.col("_line").min()).iter_rows())
    rows_for = []
    for line, eid, _f, _t in head.iter_rows():
        row = dict(values.get(line, {}))
        row["_first_line"] = first_line.get(eid, "?")
        rows_for.append(row)
    messages = format_problems(head["template"].to_list(), rows_for)
    listed = [Problem(name, int(line) if line and line > 0 else None, fld or "", msg or "")
              for (line, _e, fld, _t), msg in zip(head.iter_rows(), messages, strict=True)]
    return listed, reasons


def _name_counts(good: pl.DataFrame) -> pl.DataFrame:
    """Events per side name that matched no scenario actor (one block's rows)."""
    sides = pl.concat([
        good.select(pl.col("side_a").alias("name"), pl.col("side_a_actor").alias("actor")),
        good.select(pl.col("side_b").alias("name"), pl.col("side_b_actor").alias("actor")),
    ])
    return (sides.filter(pl.col("actor").is_null() & pl.col("name").is_not_null())
            .group_by("name").len())


def _unresolved(counts: list[pl.DataFrame]) -> list[tuple[str, int]]:
    """The blocks' counts summed: most frequent first, ties by name."""
    if not counts:
        return []
    total = (pl.concat(counts).group_by("name").agg(pl.col("len").sum())
             .sort(["len", "name"], descending=[True, False]))
    return [(n, int(c)) for n, c in total.head(MAX_LISTED).iter_rows()]


#: stored columns with one value per ingest, as SQL over the parameters ($1 source, $2 id)
_CONSTANT = {"source": "$1::VARCHAR", "ingest_id": "$2::BIGINT"}
_COLS = ", ".join(EVENT_COLUMNS)
_VALUES = ", ".join(_CONSTANT.get(c, c) for c in EVENT_COLUMNS)


@dataclass
class _Txn:
    """The one transaction of an ingest, open on the store's connection."""

    ingest_id: int
    has_source: bool   # events of this source already stored: ids may collide


def _begin(store: Store, report: IngestReport) -> _Txn:
    con = store.con
    con.execute("BEGIN TRANSACTION")
    try:
        ingest_id = scalar(con, "SELECT nextval('ingest_seq')")
        has_source = scalar(con, "SELECT count(*) FROM (SELECT 1 FROM events WHERE "
                                 "source = ? LIMIT 1)", [report.source]) > 0
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return _Txn(int(ingest_id), has_source)


def _insert_block(store: Store, txn: _Txn, good: pl.DataFrame, report: IngestReport
                  ) -> tuple[int, int]:
    """Write one block of checked rows; returns (loaded, replaced)."""
    con = store.con
    # source and ingest id are the same on every row: given to DuckDB as constants
    # ($1, $2) rather than as columns of 400,000 copies to convert and scan
    staged = good.select([c for c in EVENT_COLUMNS if c not in _CONSTANT])
    fixed = [report.source, txn.ingest_id]
    con.register("_staged", staged)
    try:
        if not txn.has_source:
            # nothing of this source yet: no id can collide, a plain append
            con.execute(f"INSERT INTO events ({_COLS}) SELECT {_VALUES} FROM _staged", fixed)
            return staged.height, 0
        # One join finds the ids already stored. A release replaces an earlier or equal
        # one (a later ingest wins a tie); an older never overwrites a newer.
        con.execute("""
            CREATE OR REPLACE TEMP TABLE _seen AS
            SELECT e.event_id, f.version_key <= $1 AS replace
            FROM events e JOIN files f USING (ingest_id)
            JOIN _staged s ON e.event_id = s.event_id
            WHERE e.source = $2""", [version_key(report.version), report.source])
        replaced = scalar(con, "SELECT count(*) FROM _seen WHERE replace")
        kept = scalar(con, "SELECT count(*) FROM _seen WHERE NOT replace")
        con.execute("DELETE FROM events WHERE source = ? AND event_id IN "
                    "(SELECT event_id FROM _seen WHERE replace)", [report.source])
        con.execute(f"""
            INSERT INTO events ({_COLS}) SELECT {_VALUES} FROM _staged
            WHERE event_id NOT IN (SELECT event_id FROM _seen WHERE NOT replace)""", fixed)
        con.execute("DROP TABLE _seen")
        return staged.height - kept, replaced
    finally:
        con.unregister("_staged")


def _commit(store: Store, txn: _Txn, report: IngestReport, *, label: str,
            scenario: Scenario, citation: str | None,
            on_before_commit: Callable[[], None] | None) -> None:
    con = store.con
    con.execute("INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
                [txn.ingest_id, report.sha256, label, report.source, report.version,
                 version_key(report.version), report.encoding, report.rows, report.loaded,
                 report.skipped, scenario.scenario.name, citation])
    # which scenarios' actors the stored side_*_actor columns were resolved against
    prints = set(filter(None, (store.meta("resolver_fingerprints") or "").split(",")))
    prints.add(resolver(scenario).fingerprint)
    con.execute("INSERT OR REPLACE INTO meta VALUES ('resolver_fingerprints', ?)",
                [",".join(sorted(prints))])
    if on_before_commit is not None:
        on_before_commit()
    con.execute("COMMIT")


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
        reader, sha, adapter, version = _open(store, path, name=name, source=source,
                                              version=version)
        if reader is None:
            return _already_loaded(store, name, sha, started)
        assert adapter is not None
        report = IngestReport(name, "", adapter.name, version, reader.encoding)
        # adapters name columns as the publisher documents them; match case-insensitively
        expected = {x.lower(): x for x in (*adapter.required, *adapter.optional)}
        rename = {c: expected[c.lower()] for c in reader.columns
                  if expected.get(c.lower(), c) != c}
        frames = (f.rename(rename) if rename else f for f in reader)
        try:
            _ingest_frames(store, frames, reader.n_columns, adapter, report,
                           scenario=scenario, strict=strict, label=str(path.resolve()),
                           citation=citation or adapter.citation or None,
                           on_before_commit=on_before_commit, started=started,
                           file_info=lambda: (reader.sha256, reader.encoding))
        finally:
            reader.close()
    except FileNotFoundError:
        raise SarhadError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise SarhadError(f"{name}: is a directory, not an event file") from None
    except OSError as err:
        raise SarhadError(f"{name}: cannot read: {err.strerror or err}") from None
    if report.already_loaded:
        return _already_loaded(store, name, report.sha256, started)
    return report


def _already_loaded(store: Store, name: str, sha: str, started: float) -> IngestReport:
    row = first_row(store.reader(), "SELECT source, source_version, encoding FROM files "
                    "WHERE sha256 = ? ORDER BY ingest_id LIMIT 1", [sha])
    assert row is not None
    return IngestReport(name, sha, row[0], row[1], row[2], already_loaded=True,
                        seconds=time.perf_counter() - started)


def _open(store: Store, path: Path, *, name: str, source: str | None, version: str | None
          ) -> tuple[BlockReader | None, str, Adapter | None, str | None]:
    """Detect the file's format and open it for reading; ``None`` for a file already in the
    store that cannot be read as asked.

    The content hash is computed while the file is read, from the same read as the record
    lines (hashing first would read the file twice and add its time to every ingest), and
    checked before the commit: a file loaded before is read once more, then rolled back."""
    if path.is_dir():
        raise IsADirectoryError(path)
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    try:
        if not head.strip(b" \t\r\n\xef\xbb\xbf"):
            raise SarhadError(f"{name}: empty file")
        encoding = sniff_encoding(head, name=name)
        header = header_of(head, name=name)
        adapter = _adapter_for(header, path, source, name)
    except SarhadError:
        # a file already loaded is a no-op whatever it is asked to be read as
        sha = sha256_of(path)
        if store.has_file(sha):
            return None, sha, None, None
        raise
    version = version or adapter.version_from(path)
    names = {x.lower() for x in (*adapter.required, *adapter.optional)}
    wanted = [c for c in header if c.lower() in names]
    return BlockReader(path, wanted, name=name, encoding=encoding), "", adapter, version


#: rows checked and written per block: DuckDB writes one block while polars checks the next;
#: DuckDB's row group (122,880 rows), so each block is written out compressed as it arrives
#: rather than held until the commit
BLOCK = 122_880


def _check_block(raw: pl.DataFrame, dup: pl.Series, adapter: Adapter, n_fields: int,
                 scenario: Scenario) -> pl.DataFrame:
    """One block of raw rows -> store rows with ``problem`` set on the malformed ones."""
    canon = adapter.canonical(raw.lazy()).collect()
    failed = canon.get_column("problem").is_not_null()
    if failed.any():
        # numbers with spaces around them: the rejected rows parsed again, stripped
        sub = raw.filter(failed)
        fixed = strip_numbers(sub)
        if not fixed.equals(sub):
            again = adapter.canonical(fixed.lazy()).collect()
            at = failed.arg_true()
            canon = canon.with_columns(canon.get_column(c).clone().scatter(at, again.get_column(c))
                                       for c in canon.columns)
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
    return _prepare(canon, dup=dup, scenario=scenario)


def _regroup(frames: Iterable[pl.DataFrame], size: int) -> Iterator[pl.DataFrame]:
    """The frames' rows in blocks of exactly ``size`` rows (the last one shorter)."""
    pending: list[pl.DataFrame] = []
    n = 0
    for frame in frames:
        if not frame.height:
            continue
        pending.append(frame)
        n += frame.height
        while n >= size:
            whole = pl.concat(pending, rechunk=False) if len(pending) > 1 else pending[0]
            yield whole.slice(0, size)
            rest = whole.slice(size)
            pending, n = ([rest] if rest.height else []), rest.height
    if n:
        yield pl.concat(pending, rechunk=False) if len(pending) > 1 else pending[0]


def _ingest_frames(store: Store, frames: Iterable[pl.DataFrame], n_fields: int,
                   adapter: Adapter, report: IngestReport, *, scenario: Scenario | None,
                   strict: bool, label: str, citation: str | None,
                   on_before_commit: Callable[[], None] | None, started: float,
                   file_info: Callable[[], tuple[str, str]]) -> None:
    """Check, resolve and write rows as they are parsed, in blocks of :data:`BLOCK` rows.

    Three stages overlap: the reader's thread cuts and hashes the file, this thread parses
    and checks one block, and a writer thread inserts the block checked before, in order,
    inside the one transaction (DuckDB's insert and polars release the GIL). A duplicate id
    is found against every earlier row of the file. With ``strict`` every block is checked
    before anything is written. ``file_info`` gives the file's hash and encoding once every
    frame is read; a hash already in the store rolls the transaction back
    (``report.already_loaded``)."""
    if scenario is None:
        from sarhad.kb import load_scenario

        scenario = load_scenario()
    id_col = adapter.id_column
    seen: list[pl.DataFrame] = []          # id and line of every row so far
    bad_parts: list[pl.DataFrame] = []
    bad_raw: list[pl.DataFrame] = []
    held: list[pl.DataFrame] = []          # strict: checked blocks wait for the verdict
    counts: list[pl.DataFrame] = []
    results: list[Future[tuple[int, int]]] = []
    txn: _Txn | None = None
    t_parse = t_check = 0.0
    with store.lock, ThreadPoolExecutor(max_workers=1) as writer:
        try:
            if not strict:
                txn = _begin(store, report)
            blocks = iter(_regroup(frames, BLOCK))
            while True:
                t0 = time.perf_counter()
                raw = next(blocks, None)
                t1 = time.perf_counter()
                t_parse += t1 - t0
                if raw is None:
                    break
                report.rows += raw.height
                ids = raw.get_column(id_col)
                dup = ids.is_not_null() & ~ids.is_first_distinct()
                if seen:
                    dup = dup | ids.is_in(pl.concat([f.get_column("id") for f in seen])
                                          .implode()).fill_null(False)
                seen.append(raw.select(pl.col(id_col).alias("id"), "_line"))
                rows = _check_block(raw, dup, adapter, n_fields, scenario)
                failed = rows.get_column("problem").is_not_null()
                if failed.any():
                    bad_parts.append(rows.filter(failed))
                    bad_raw.append(raw.filter(failed))
                    rows = rows.filter(~failed)
                del raw, ids, dup
                counts.append(_name_counts(rows))
                if txn is None:
                    held.append(rows)
                else:
                    if results:   # one block written while the next is checked, no more
                        results[-1].result()
                    results.append(writer.submit(_insert_block, store, txn, rows, report))
                del rows
                t_check += time.perf_counter() - t1
            report.sha256, report.encoding = file_info()
            bad = pl.concat(bad_parts) if bad_parts else None
            report.skipped = 0 if bad is None else bad.height
            if bad is not None:
                report.problems, report.skip_reasons = _problems(
                    bad, pl.concat(bad_raw, how="diagonal_relaxed"), pl.concat(seen),
                    report.file)
            del seen, bad_parts, bad_raw
            if store.has_file(report.sha256):
                report.already_loaded = True
                raise _AlreadyLoaded
            if strict and bad is not None:
                more = bad.height - len(report.problems)
                listed = list(report.problems)
                if more > 0:
                    listed.append(Problem(report.file, None, "", f"... and {more} more"))
                raise ValidationFailed(listed)
            t_written = time.perf_counter()
            if txn is None:
                txn = _begin(store, report)
                results = [writer.submit(_insert_block, store, txn, rows, report)
                           for rows in held]
                held.clear()
            report.unresolved = _unresolved(counts)
            written = [f.result() for f in results]
            report.loaded = sum(n for n, _ in written)
            report.replaced = sum(r for _, r in written)
            report.unchanged = report.rows - report.skipped - report.loaded
            _commit(store, txn, report, label=label, scenario=scenario, citation=citation,
                    on_before_commit=on_before_commit)
        except BaseException as err:
            # the writer may still be inside an insert: let it finish before rolling back
            for f in results:
                f.cancel()
            wait(results)
            if txn is not None:
                store.con.execute("ROLLBACK")
            if isinstance(err, _AlreadyLoaded):
                return
            raise
    report.timings["parse"] = t_parse
    report.timings["check"] = t_check
    # the part of the write not hidden behind parsing and checking
    report.timings["write"] = time.perf_counter() - t_written
    report.seconds = time.perf_counter() - started


class _AlreadyLoaded(Exception):
    """The file's hash was found in the store once it was read: roll back, change nothing."""


def ingest_frame(store: Store, parquet: Path, *, source: str, version: str | None,
                 scenario: Scenario, sha256: str, citation: str | None,
                 label: str) -> IngestReport:
    """Load a Parquet file holding a source's columns as text plus ``_line`` (the bundled
    extract), through the same checks and resolution as a CSV."""
    started = time.perf_counter()
    adapter = ADAPTERS[source]
    raw = pl.read_parquet(parquet)
    raw = raw.with_columns(pl.exclude("_line").cast(pl.String))
    report = IngestReport(label, sha256, adapter.name, version, "utf-8")
    _ingest_frames(store, [raw], raw.width - 1, adapter, report, scenario=scenario,
                   strict=True, label=label, citation=citation, on_before_commit=None,
                   started=started, file_info=lambda: (sha256, "utf-8"))
    return report
