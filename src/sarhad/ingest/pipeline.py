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
from sarhad.ingest.base import (
    ADAPTERS,
    Adapter,
    bad,
    detect,
    first_problem,
    format_problems,
    strip_numbers,
    version_key,
)
from sarhad.ingest.normalise import Normaliser
from sarhad.ingest.reader import BlockReader, header_of, sha256_of, sniff_encoding
from sarhad.ingest.write import Transaction
from sarhad.kb.schema import Scenario
from sarhad.store import INT32_COLUMNS, Store, first_row

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
        try:        # the reader's thread is already reading: always stop it
            assert adapter is not None
            report = IngestReport(name, "", adapter.name, version, reader.encoding)
            # adapters name columns as the publisher documents them; match case-insensitively
            expected = {x.lower(): x for x in (*adapter.required, *adapter.optional)}
            rename = {c: expected[c.lower()] for c in reader.columns
                      if expected.get(c.lower(), c) != c}
            frames = (f.rename(rename) if rename else f for f in reader)
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
    names = {x.lower() for x in adapter.read_columns()}
    wanted = [c for c in header if c.lower() in names]
    return BlockReader(path, wanted, name=name, encoding=encoding), "", adapter, version


#: rows per block handed from stage to stage (checked, coded): small enough for the stages to
#: overlap on a file of a few hundred thousand events, large enough that polars' fixed cost
#: per call stays small
BLOCK = 122_880


#: the problem of a row whose id an earlier row of the file already has (``{_first_line}`` is
#: filled in when the problems are listed)
DUPLICATE = "event_id: duplicate of line {_first_line}"


_TOO_LARGE = first_problem(*(bad(pl.col(c).abs() > 2**31 - 1, c, f"beyond {2**31 - 1:,}")
                             for c in INT32_COLUMNS))


def _check_block(raw: pl.DataFrame, dup: pl.Series, adapter: Adapter, n_fields: int
                 ) -> pl.DataFrame:
    """One block of raw rows -> canonical rows with ``problem`` set on the malformed ones (a
    repeated id, ``dup``, when the row has no other problem)."""
    canon = adapter.canonical(raw.lazy()).collect()
    failed = canon.get_column("problem").is_not_null()
    if failed.any():
        # numbers with spaces around them, counts written as floats: the rejected rows
        # parsed again, tidied
        sub = raw.filter(failed)
        fixed = strip_numbers(sub, adapter.integers)
        if not fixed.equals(sub):
            again = adapter.canonical(fixed.lazy()).collect()
            at = failed.arg_true()
            canon = canon.with_columns(canon.get_column(c).clone().scatter(at, again.get_column(c))
                                       for c in canon.columns)
    problem = pl.coalesce(pl.col("problem"), _TOO_LARGE)
    if "_fields" in raw.columns:
        # a record with more or fewer fields than the header is malformed (a stray comma or
        # quote): its values would land in the wrong columns
        fields = raw.get_column("_fields")
        ragged = (pl.when(fields == 1).then(pl.lit("row: empty line"))
                  .when(fields != n_fields)
                  .then(pl.lit(f"row: {{_fields}} fields, the header has {n_fields}")))
        problem = pl.coalesce(pl.select(ragged.alias("r")).to_series(), problem)
    return canon.with_columns(
        pl.coalesce(problem, pl.when(pl.lit(dup)).then(pl.lit(DUPLICATE))).alias("problem"))


def _regroup(frames: Iterable[pl.DataFrame], size: int) -> Iterator[pl.DataFrame]:
    """The frames' rows in blocks of exactly ``size`` rows (the last one shorter), each in
    one contiguous chunk: a block of many chunks (the parser makes several per frame) was
    measured to make every later select and filter copy it together again first."""
    pending: list[pl.DataFrame] = []
    n = 0
    for frame in frames:
        if not frame.height:
            continue
        pending.append(frame)
        n += frame.height
        while n >= size:
            whole = pl.concat(pending, rechunk=False) if len(pending) > 1 else pending[0]
            yield whole.slice(0, size).rechunk()
            rest = whole.slice(size)
            pending, n = ([rest] if rest.height else []), rest.height
    if n:
        yield (pl.concat(pending, rechunk=False) if len(pending) > 1 else pending[0]).rechunk()


def _ingest_frames(store: Store, frames: Iterable[pl.DataFrame], n_fields: int,
                   adapter: Adapter, report: IngestReport, *, scenario: Scenario | None,
                   strict: bool, label: str, citation: str | None,
                   on_before_commit: Callable[[], None] | None, started: float,
                   file_info: Callable[[], tuple[str, str]]) -> None:
    """Check, resolve and write rows as they are parsed, in blocks of :data:`BLOCK` rows.

    Five stages overlap, each in a thread of its own, a block handed from one to the next
    (:class:`_Stage`): the reader's thread cuts and hashes the file; this thread parses it;
    a checking thread checks a block (no state shared between blocks); a coding thread
    normalises places, resolves sides and codes the dimensions of the rows to keep (the
    per-ingest maps of distinct values are its alone); a writing thread appends them inside
    the one transaction. polars, DuckDB, hashlib and the numba kernel release the GIL, so on
    two cores the stages keep both busy; each holds at most one block at a time.

    An id repeated within a block is caught there. One repeated across blocks is found once
    the whole file is read, and its later rows, already appended, are deleted before the
    commit: ids seldom repeat, and checking every block against all earlier ids cost a fifth
    of the checks. Where events of the source are stored already, a repeat could replace one
    of them when appended, so there each block is checked against the earlier ids first.
    With ``strict`` every block is checked before anything is written. ``file_info`` gives
    the file's hash and encoding once every frame is read; a hash already in the store rolls
    the transaction back (``report.already_loaded``)."""
    if scenario is None:
        from sarhad.kb import load_scenario

        scenario = load_scenario()
    normaliser = Normaliser(scenario, store.con)
    id_col = adapter.id_column
    seen: list[pl.DataFrame] = []          # id and line of every row, in file order
    bad_parts: list[pl.DataFrame] = []
    bad_raw: list[pl.DataFrame] = []
    held: list[tuple[pl.DataFrame, dict[str, pl.DataFrame]]] = []   # strict: blocks wait
    txn: Transaction | None = None
    t_parse = 0.0

    def checked(raw: pl.DataFrame, dup: pl.Series) -> tuple[pl.DataFrame, pl.DataFrame | None,
                                                            pl.DataFrame | None]:
        rows = _check_block(raw, dup, adapter, n_fields)
        failed = rows.get_column("problem").is_not_null()
        if not failed.any():
            return rows, None, None
        return rows.filter(~failed), rows.filter(failed), raw.filter(failed)

    def hand_on(good: pl.DataFrame, bad: pl.DataFrame | None, bad_cells: pl.DataFrame | None
                ) -> None:
        if bad is not None and bad_cells is not None:
            bad_parts.append(bad)
            bad_raw.append(bad_cells)
        coding.submit(good)

    def check(raw: pl.DataFrame, dup: pl.Series) -> None:
        hand_on(*checked(raw, dup))

    def code(rows: pl.DataFrame) -> None:
        coded, new = normaliser.rows(rows), normaliser.take_new()
        if txn is None:
            held.append((coded, new))
        else:
            writing.submit(coded, new)

    def write(rows: pl.DataFrame, new: dict[str, pl.DataFrame]) -> tuple[int, int]:
        assert txn is not None
        return txn.append(rows, new)

    checking = _Stage(check, "check", depth=2)
    coding, writing = _Stage(code, "code"), _Stage(write, "write")
    with store.lock:
        try:
            if not strict:
                txn = Transaction(store, report.source, report.version)
            blocks = iter(_regroup(frames, BLOCK))
            while True:
                t0 = time.perf_counter()
                raw = next(blocks, None)
                t_parse += time.perf_counter() - t0
                if raw is None:
                    break
                report.rows += raw.height
                ids = raw.get_column(id_col)
                dup = _repeats(ids)
                if txn is not None and txn.has_source and seen:
                    # a repeat written now could replace a stored event before it is found
                    # to be a repeat: here, earlier blocks' ids are checked before writing
                    dup = dup | ids.is_in(pl.concat([f.get_column("id") for f in seen])
                                          .implode()).fill_null(False)
                seen.append(pl.DataFrame([ids.alias("id"), raw.get_column("_line")]))
                checking.submit(raw, dup)
                del raw, ids, dup
            last = checking.take_back()
            if last is not None:
                # the parse is over and the checking thread is still at the block before:
                # this thread checks the last one itself, then hands it on in order
                result = checked(*last)
                checking.drain()
                hand_on(*result)
                del last, result
            checking.drain()
            coding.drain()
            report.sha256, report.encoding = file_info()
            all_seen = pl.concat(seen) if seen else pl.DataFrame(
                {"id": [], "_line": []}, schema={"id": pl.String, "_line": pl.Int64})
            late = _repeated_across_blocks(all_seen, bad_parts)
            if late.height:
                bad_parts.append(late)
            bad = pl.concat(bad_parts, how="diagonal_relaxed") if bad_parts else None
            report.skipped = 0 if bad is None else bad.height
            if bad is not None:
                report.problems, report.skip_reasons = _problems(
                    bad, pl.concat(bad_raw, how="diagonal_relaxed") if bad_raw else
                    pl.DataFrame({"_line": []}, schema={"_line": pl.Int64}),
                    all_seen, report.file)
            seen.clear()     # the ids are in all_seen
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
                txn = Transaction(store, report.source, report.version)
                for rows, new in held:
                    writing.submit(rows, new)
                held.clear()
            counts = writing.drain()
            t_finish = time.perf_counter()
            removed = txn.remove_lines(late.get_column("_line").to_list())
            report.loaded = sum(n for n, _ in counts) - removed
            report.replaced = sum(r for _, r in counts)
            report.unchanged = report.rows - report.skipped - report.loaded
            report.unresolved = txn.unresolved(MAX_LISTED)
            txn.commit([report.sha256, label, report.source, report.version,
                        version_key(report.version), report.encoding, report.rows,
                        report.loaded, report.skipped, scenario.scenario.name, citation],
                       normaliser.resolver.fingerprint, on_before_commit)
        except BaseException as err:
            # the stages may still be at work: let each finish (a block being checked may
            # still hand one to the coder, and so on) before rolling back
            for stage in (checking, coding, writing):
                stage.stop()
            if txn is not None:
                txn.rollback()
            if isinstance(err, _AlreadyLoaded):
                return
            raise
        finally:
            for stage in (checking, coding, writing):
                stage.close()
    report.timings["parse"] = t_parse
    report.timings["check"] = checking.busy
    report.timings["code"] = coding.busy
    # the part of the write not hidden behind the other stages, then the file's own rows
    # (repeated ids removed, unresolved names counted, the commit)
    report.timings["write"] = t_finish - t_written
    report.timings["finish"] = time.perf_counter() - t_finish
    report.seconds = time.perf_counter() - started


class _Stage:
    """A stage of the ingest: a thread of its own that runs ``work`` on each item handed to it,
    in order. Handing over waits while ``depth`` items are still in the stage (at work or
    waiting), so memory stays at a few blocks whatever the file's size; an error in a stage
    comes out of the next hand-over, or of :meth:`drain`."""

    def __init__(self, work: Callable[..., Any], name: str, *, depth: int = 1) -> None:
        self._work = work
        self._depth = depth
        self._pool = ThreadPoolExecutor(1, f"sarhad-{name}")
        self._futures: list[Future[Any]] = []
        self._last: tuple[Any, ...] | None = None     # what the last item was given
        self.busy = 0.0           # seconds spent working

    def submit(self, *args: Any) -> None:
        if len(self._futures) >= self._depth:
            self._futures[-self._depth].result()
        self._futures.append(self._pool.submit(self._timed, *args))
        self._last = args

    def take_back(self) -> tuple[Any, ...] | None:
        """The last item handed over, if the stage has not started on it yet (the caller
        then works on it itself); else None."""
        last, self._last = self._last, None
        if self._futures and last is not None and self._futures[-1].cancel():
            self._futures.pop()
            return last
        return None

    def drain(self) -> list[Any]:
        """Every item's result, once all are done."""
        return [f.result() for f in self._futures]

    def stop(self) -> None:
        """Drop the items not started, wait for the one at work (errors ignored)."""
        for f in self._futures:
            f.cancel()
        wait(self._futures)

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def _timed(self, *args: Any) -> Any:
        begun = time.perf_counter()
        try:
            return self._work(*args)
        finally:
            self.busy += time.perf_counter() - begun


def _repeats(ids: pl.Series) -> pl.Series:
    """Rows whose id an earlier row has (a missing id is never a repeat). Ids are hashed
    first: when no two share a hash, the usual case, none repeats, and hashing costs a
    fraction of finding the first of each distinct text."""
    if ids.hash().n_unique() == ids.len():
        return pl.repeat(False, ids.len(), dtype=pl.Boolean, eager=True)
    return ids.is_not_null() & ~ids.is_first_distinct()


def _repeated_across_blocks(seen: pl.DataFrame, bad_parts: list[pl.DataFrame]
                            ) -> pl.DataFrame:
    """Rows whose id an earlier row of the file has, in an earlier block (a repeat within a
    block is already a problem of its row), as problem rows: ``_line``, ``event_id``,
    ``problem``. Rows skipped for another problem are not counted twice."""
    repeated = seen.filter(_repeats(seen.get_column("id")))
    if repeated.height and bad_parts:
        flagged = pl.concat([b.select("_line") for b in bad_parts])
        repeated = repeated.join(flagged, on="_line", how="anti")
    return repeated.select(pl.col("_line"), pl.col("id").alias("event_id"),
                           pl.lit(DUPLICATE).alias("problem"))


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
