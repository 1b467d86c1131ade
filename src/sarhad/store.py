"""The event store: one DuckDB file holding every ingested event in one canonical table.

``open_store(None)`` gives the bundled UCDP GED 22.1 Pakistan extract (shipped inside the
package as Parquet, see ``sarhad/data/CITATION.md``), resolved against the bundled scenario in
an in-memory database built once per process, so every command works offline. ``open_store(PATH)``
opens (or creates) a DuckDB file; ``sarhad ingest`` without ``--db`` writes to
``platformdirs.user_data_dir("sarhad")/events.duckdb``. The schema is documented in
``docs/store.md``.

Safety: each ingest is one transaction (all of a file or none of it; DuckDB's write-ahead log
leaves the file as it was when a process is killed mid-ingest), and DuckDB locks a file against
a second writing process: that process waits up to ``wait`` seconds, then gets a clear message.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from sarhad.errors import SarhadError

SCHEMA_VERSION = 2

#: the public columns of ``events``, in order (``uid`` first, computed from source and id)
EVENT_COLUMNS = [
    "source", "event_id", "date_start", "date_end",
    "date_precision", "country", "country_name", "province", "former_fata", "province_raw",
    "district", "location", "latitude", "longitude", "side_a", "side_a_id", "side_a_actor",
    "side_b", "side_b_id", "side_b_actor", "dyad_id", "type_of_violence", "event_type", "best",
    "low", "high", "file_line", "ingest_id",
]

#: The event columns that repeat from event to event live once in a small table each, and an
#: event holds their code: its kind, its place, and each of its two sides. DuckDB appends an
#: event of 16 columns in about 60% of the time of one of 28 (the 400,000-event benchmark).
DIMENSIONS: dict[str, tuple[str, ...]] = {
    "kinds": ("date_precision", "type_of_violence", "event_type"),
    "places": ("country", "country_name", "province", "former_fata", "province_raw",
               "district", "location"),
    "sides": ("name", "ucdp_id", "actor"),
}

#: the stored columns of ``event_rows``, in order
ROW_COLUMNS = ["source", "event_id", "date_start", "date_end", "kind", "place", "latitude",
               "longitude", "side_a", "side_b", "dyad_id", "best", "low", "high", "file_line",
               "ingest_id"]

#: columns stored as 32-bit integers (DuckDB appends them a fifth faster than 64-bit ones);
#: a value beyond their range makes its row malformed
INT32_COLUMNS = ("side_a_id", "side_b_id", "dyad_id", "best", "low", "high")

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR
);
CREATE SEQUENCE IF NOT EXISTS ingest_seq START 1;
CREATE TABLE IF NOT EXISTS files (
    ingest_id BIGINT,            -- order of ingests; a later release replaces an earlier one
    sha256 VARCHAR,              -- content hash: the same file twice is a no-op
    path VARCHAR,
    source VARCHAR,              -- ucdp | ucdp-candidate | acled | gtd
    source_version VARCHAR,      -- release, e.g. 22.1 or 21.0.3
    version_key VARCHAR,         -- the release as a sortable string ('' when unknown)
    encoding VARCHAR,
    rows BIGINT,                 -- data records in the file
    loaded BIGINT,               -- events written (new or replacing an older release)
    skipped BIGINT,              -- malformed records skipped
    scenario VARCHAR,            -- scenario name the sides were resolved against
    citation VARCHAR,
    ingested_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS kinds (
    code INTEGER,
    date_precision VARCHAR,      -- day | week | month | year
    type_of_violence TINYINT,    -- UCDP: 1 state-based, 2 non-state, 3 one-sided
    event_type VARCHAR           -- ACLED event type, GTD attack type, UCDP violence type
);
CREATE TABLE IF NOT EXISTS places (
    code INTEGER,
    country VARCHAR,             -- ISO 3166 alpha-3 (null when not known)
    country_name VARCHAR,        -- as the source wrote it
    province VARCHAR,            -- normalised (NWFP, FATA -> Khyber Pakhtunkhwa)
    former_fata BOOLEAN,         -- in the former Federally Administered Tribal Areas
    province_raw VARCHAR,        -- as the source wrote it
    district VARCHAR,            -- 'district'/'agency' suffix removed
    location VARCHAR
);
CREATE TABLE IF NOT EXISTS sides (
    code INTEGER,
    name VARCHAR,                -- as published
    ucdp_id INTEGER,             -- UCDP actor id (UCDP sources)
    actor VARCHAR                -- resolved scenario actor id, or null
);
CREATE TABLE IF NOT EXISTS event_rows (
    source VARCHAR,              -- ucdp | ucdp-candidate | acled | gtd
    event_id VARCHAR,            -- the publisher's id
    date_start DATE,
    date_end DATE,
    kind INTEGER,                -- kinds.code
    place INTEGER,               -- places.code
    latitude DOUBLE,
    longitude DOUBLE,
    side_a INTEGER,              -- sides.code
    side_b INTEGER,              -- sides.code
    dyad_id INTEGER,             -- UCDP dyad
    best INTEGER,                -- fatalities, best estimate
    low INTEGER,
    high INTEGER,
    file_line BIGINT,            -- physical line where the record starts in ...
    ingest_id BIGINT             -- ... the file of this ingest (files: sha256, path, release)
);
-- one row per event with all of its columns: what readers query
CREATE OR REPLACE VIEW events AS
    SELECT r.source || ':' || r.event_id AS uid, r.source, r.event_id, r.date_start,
           r.date_end, k.date_precision, p.country, p.country_name, p.province, p.former_fata,
           p.province_raw, p.district, p.location, r.latitude, r.longitude,
           a.name AS side_a, a.ucdp_id AS side_a_id, a.actor AS side_a_actor,
           b.name AS side_b, b.ucdp_id AS side_b_id, b.actor AS side_b_actor,
           r.dyad_id, k.type_of_violence, k.event_type, r.best, r.low, r.high, r.file_line,
           r.ingest_id
    FROM event_rows r
    JOIN kinds k ON k.code = r.kind
    JOIN places p ON p.code = r.place
    JOIN sides a ON a.code = r.side_a
    JOIN sides b ON b.code = r.side_b;
-- events with their file and release: per-file values live once in 'files'
CREATE OR REPLACE VIEW event_records AS
    SELECT e.*, f.source_version, f.version_key, f.sha256 AS file_sha256, f.path AS file_path
    FROM events e JOIN files f USING (ingest_id);
"""

BUNDLED_FILE = "ged_22.1_pakistan.parquet"
BUNDLED_SHA256 = "b15bad2a3df2278d4195dd3850a3c05f5a0c999d0c198eebd1e21fd6062fedcf"
UCDP_CITATION = (
    "UCDP Georeferenced Event Dataset (GED) Global version 22.1, CC BY 4.0. Sundberg, Ralph and "
    "Erik Melander (2013). Introducing the UCDP Georeferenced Event Dataset. Journal of Peace "
    "Research 50(4): 523-532. Davies, Shawn, Therese Pettersson and Magnus Öberg (2022). "
    "Organized violence 1989-2021 and drone warfare. Journal of Peace Research 59(4)."
)


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> Any:
    """First value of the first row (the result is fetched completely, which DuckDB 2 needs
    before the connection can run anything else)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None


def first_row(con: duckdb.DuckDBPyConnection, sql: str,
              params: list[Any] | None = None) -> tuple[Any, ...] | None:
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def query_frame(con: duckdb.DuckDBPyConnection, sql: str,
                params: list[Any] | None = None) -> pl.DataFrame:
    """A query's rows as a polars frame (through Arrow, without an extra copy)."""
    table = con.sql(sql, params=params or None).to_arrow_table()
    return pl.DataFrame(pl.from_arrow(table))


def default_db_path() -> Path:
    """Where ``sarhad ingest`` writes without ``--db``."""
    import platformdirs

    return Path(platformdirs.user_data_dir("sarhad")) / "events.duckdb"


@dataclass
class Store:
    """An open event store. ``con`` is the DuckDB connection (query it freely, read-only)."""

    con: duckdb.DuckDBPyConnection
    path: Path | None                 # None: the bundled in-memory store
    read_only: bool = False
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @property
    def bundled(self) -> bool:
        return self.path is None

    @property
    def label(self) -> str:
        return "bundled UCDP GED 22.1 Pakistan extract" if self.path is None else str(self.path)

    _cache: dict[tuple[Any, ...], Any] = field(default_factory=dict, repr=False)

    _local: threading.local = field(default_factory=threading.local, repr=False)

    def reader(self) -> duckdb.DuckDBPyConnection:
        """A cursor of the store's own (one per thread) for its reads: a query that a caller
        left half-fetched on ``con`` (DuckDB 2 refuses new work on that connection until it is
        fetched) never blocks them, and DuckDB connections are not shared across threads."""
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._local.cursor = self.con.cursor()
        return cur

    def generation(self) -> int:
        """Changes whenever an ingest commits (here or in another process)."""
        return int(scalar(self.reader(), "SELECT coalesce(max(ingest_id), 0) FROM files"))

    def cached(self, sql: str, params: list[Any] | None = None, *,
               generation: int | None = None) -> Any:
        """A scalar query's value, remembered until the next ingest: panels ask for the same
        first and last dates on every call. Pass ``generation`` when already known."""
        gen = self.generation() if generation is None else generation
        key = (gen, sql, tuple(params or ()))
        if key not in self._cache:
            if len(self._cache) > 256:
                self._cache.clear()
            self._cache[key] = scalar(self.reader(), sql, params)
        return self._cache[key]

    def close(self) -> None:
        """Close a file store. The bundled store is shared by the process and stays open."""
        if self.path is not None:
            self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what is loaded --------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        return scalar(self.reader(), "SELECT value FROM meta WHERE key = ?", [key])

    def files(self) -> list[dict[str, Any]]:
        cur = self.reader().execute("SELECT * FROM files ORDER BY ingest_id")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def has_file(self, sha256: str) -> bool:
        return scalar(self.reader(), "SELECT count(*) FROM files WHERE sha256 = ?", [sha256]) > 0

    def summary(self) -> list[dict[str, Any]]:
        """Per source and country: events, fatalities, first and last day."""
        cur = self.reader().execute("""
            SELECT source, string_agg(DISTINCT source_version, ', ') AS versions,
                   country, count(*) AS events, sum(best) AS fatalities,
                   min(date_start) AS first, max(date_start) AS last
            FROM event_records GROUP BY source, country ORDER BY source, events DESC""")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def latest_date(self) -> dt.date | None:
        return scalar(self.reader(), "SELECT max(date_start) FROM event_rows")

    def count(self) -> int:
        return scalar(self.reader(), "SELECT count(*) FROM event_rows")


def _has_meta(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(scalar(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'meta' "
                            "AND schema_name = 'main'"))


def _ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the schema in a new store (a store of another version is left as it is, for
    :func:`_check_schema` to refuse)."""
    if _has_meta(con):
        return
    con.execute("BEGIN TRANSACTION")     # all of the schema or none of it
    try:
        con.execute(SCHEMA)
        con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def _check_schema(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    try:
        row = first_row(con, "SELECT value FROM meta WHERE key = 'schema_version'")
    except duckdb.CatalogException:
        raise SarhadError(f"{path}: not a sarhad event store (no 'meta' table)") from None
    if row is None or int(row[0]) != SCHEMA_VERSION:
        raise SarhadError(f"{path}: store schema version {row[0] if row else '?'}, this sarhad "
                          f"reads version {SCHEMA_VERSION}; ingest into a new --db file")


def _connect(path: Path, *, read_only: bool, wait: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + max(wait, 0.0)
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as err:
            text = str(err)
            if "lock" not in text.lower():
                first = text.splitlines()[0] if text else "cannot open"
                raise SarhadError(f"{path}: cannot open the event store: {first}") from None
            if time.monotonic() >= deadline:
                raise SarhadError(
                    f"{path}: the event store is in use by another sarhad process (an ingest "
                    "is running); wait for it to finish and try again") from None
            time.sleep(0.2)
        except duckdb.Error as err:
            first = str(err).splitlines()[0] if str(err) else type(err).__name__
            raise SarhadError(f"{path}: not a readable DuckDB event store: {first}") from None


_BUNDLED: Store | None = None
_BUNDLED_LOCK = threading.Lock()


def bundled_data_path() -> Path:
    """The bundled Parquet file (inside the installed package)."""
    return Path(str(resources.files("sarhad.data").joinpath(BUNDLED_FILE)))


def _bundled_store() -> Store:
    global _BUNDLED
    with _BUNDLED_LOCK:
        if _BUNDLED is None:
            from sarhad.ingest.pipeline import ingest_frame
            from sarhad.kb import load_scenario

            con = duckdb.connect(":memory:")
            _ensure_schema(con)
            store = Store(con, None, read_only=True)
            ingest_frame(store, bundled_data_path(), source="ucdp", version="22.1",
                         scenario=load_scenario(), sha256=BUNDLED_SHA256,
                         citation=UCDP_CITATION,
                         label="sarhad/data/" + BUNDLED_FILE)
            _BUNDLED = store
        return _BUNDLED


def open_store(db: Path | None = None, *, read_only: bool = False, wait: float = 5.0) -> Store:
    """Open the event store.

    ``db=None``: the bundled UCDP GED 22.1 Pakistan extract, resolved against the bundled
    scenario, built in memory once per process. ``db=PATH``: a DuckDB file, created with the
    schema if missing (unless ``read_only``). A file locked by another writing process is waited
    for up to ``wait`` seconds, then refused with a clear message.
    """
    if db is None:
        return _bundled_store()
    path = Path(db).expanduser()
    if read_only and not path.exists():
        raise SarhadError(f"{path}: no event store there; load data with 'sarhad ingest FILE "
                          f"--db {path}', or leave out --db to use the bundled UCDP data")
    if path.is_dir():
        raise SarhadError(f"{path}: is a directory; --db takes a DuckDB file path")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = _connect(path, read_only=read_only, wait=wait)
    try:
        if not read_only:
            _ensure_schema(con)
        _check_schema(con, path)
    except BaseException:
        con.close()
        raise
    return Store(con, path, read_only=read_only)
