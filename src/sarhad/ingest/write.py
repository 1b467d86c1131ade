"""Writing one ingest into the store: one transaction, blocks of rows appended inside it.

A block is appended as it is checked (by a writer thread, while the next block is checked);
an event id already stored from an earlier or equal release of the same source is replaced,
one from a later release is kept. Nothing is visible to other connections before the commit,
and a rollback (or a killed process) leaves the store as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import polars as pl

from sarhad.ingest.base import version_key
from sarhad.ingest.normalise import BLOCK_COLUMNS
from sarhad.store import ROW_COLUMNS, Store, scalar

#: stored columns with one value per ingest, as SQL over the parameters ($1 source, $2 id)
_CONSTANT = {"source": "$1::VARCHAR", "ingest_id": "$2::BIGINT"}
_COLS = ", ".join(ROW_COLUMNS)
_VALUES = ", ".join(_CONSTANT.get(c, c) for c in ROW_COLUMNS)


#: DuckDB settings for the time of an ingest (each set back afterwards), as measured on the
#: 400,000-event benchmark file:
#: - one thread: the append runs in a thread of its own beside the parsing and checking, and
#:   a second DuckDB thread cost more CPU time than it saved;
#: - each full row group (122,880 rows) compressed and written as soon as it is appended,
#:   rather than five gathered first: the commit then has almost nothing left to write;
#: - rows may land in any order (every reader orders what it needs);
#: - no combined dictionary + FSST compression of text: its analysis of ``event_id`` (a
#:   different text on every row) took a fifth of the append's CPU time, for a store file
#:   about 15% smaller.
INGEST_SETTINGS = {"threads": "1", "write_buffer_row_group_count": "1",
                   "preserve_insertion_order": "false",
                   "disabled_compression_methods": "'dict_fsst'"}


class Transaction:
    """The one transaction of an ingest of ``source`` (release ``version``) into ``store``,
    under :data:`INGEST_SETTINGS`."""

    def __init__(self, store: Store, source: str, version: str | None) -> None:
        self.con = store.con
        self.source, self.version = source, version
        self._saved = {k: scalar(self.con, f"SELECT current_setting('{k}')")
                       for k in INGEST_SETTINGS}
        for key, value in INGEST_SETTINGS.items():
            self.con.execute(f"SET {key} = {value}")
        self.con.execute("BEGIN TRANSACTION")
        try:
            self.ingest_id = int(scalar(self.con, "SELECT nextval('ingest_seq')"))
            # events of this source already stored: ids may collide with them
            self.has_source = scalar(self.con, "SELECT count(*) FROM (SELECT 1 FROM event_rows "
                                     "WHERE source = ? LIMIT 1)", [source]) > 0
        except BaseException:
            self.rollback()
            raise

    def append(self, rows: pl.DataFrame, dimensions: dict[str, pl.DataFrame]
               ) -> tuple[int, int]:
        """Write one block of checked, coded rows (:data:`BLOCK_COLUMNS`), after the rows of
        the dimension tables first coded for them; returns (written, replaced)."""
        con = self.con
        for table, new in dimensions.items():
            if new.height:
                con.register("_new", new)
                try:
                    con.execute(f"INSERT INTO {table} SELECT * FROM _new")
                finally:
                    con.unregister("_new")
        staged = rows.select(BLOCK_COLUMNS)
        # source and ingest id are the same on every row: given to DuckDB as constants
        # rather than as columns of 400,000 copies to convert and scan
        fixed = [self.source, self.ingest_id]
        con.register("_staged", staged)
        try:
            if not self.has_source:
                # nothing of this source stored before: no id can collide, a plain append
                con.execute(f"INSERT INTO event_rows ({_COLS}) SELECT {_VALUES} FROM _staged",
                            fixed)
                return staged.height, 0
            # One join finds the ids stored by earlier ingests (this one has no 'files' row
            # before its commit). A release replaces an earlier or equal one (a later ingest
            # wins a tie); an older never overwrites a newer. The caller keeps repeats of an
            # id within the file out of these blocks: a repeat must not replace anything.
            con.execute("""
                CREATE OR REPLACE TEMP TABLE _seen AS
                SELECT e.event_id, f.version_key <= $1 AS replace
                FROM event_rows e JOIN files f USING (ingest_id)
                JOIN _staged s ON e.event_id = s.event_id
                WHERE e.source = $2""", [version_key(self.version), self.source])
            replaced = scalar(con, "SELECT count(*) FROM _seen WHERE replace")
            kept = scalar(con, "SELECT count(*) FROM _seen WHERE NOT replace")
            con.execute("DELETE FROM event_rows WHERE source = ? AND event_id IN "
                        "(SELECT event_id FROM _seen WHERE replace)", [self.source])
            con.execute(f"""
                INSERT INTO event_rows ({_COLS}) SELECT {_VALUES} FROM _staged
                WHERE event_id NOT IN (SELECT event_id FROM _seen WHERE NOT replace)""", fixed)
            con.execute("DROP TABLE _seen")
            return staged.height - kept, replaced
        finally:
            con.unregister("_staged")

    def remove_lines(self, lines: Sequence[int]) -> int:
        """Delete this ingest's rows that start on ``lines`` (ids repeated across blocks,
        known once the whole file is read); returns how many were written and are gone."""
        if not lines:
            return 0
        frame = pl.DataFrame({"line": list(lines)}, schema={"line": pl.Int64})
        self.con.register("_lines", frame)
        try:
            before = scalar(self.con, "SELECT count(*) FROM event_rows WHERE ingest_id = ?",
                            [self.ingest_id])
            self.con.execute("DELETE FROM event_rows WHERE ingest_id = ? AND file_line IN "
                             "(SELECT line FROM _lines)", [self.ingest_id])
            after = scalar(self.con, "SELECT count(*) FROM event_rows WHERE ingest_id = ?",
                           [self.ingest_id])
        finally:
            self.con.unregister("_lines")
        return int(before - after)

    def unresolved(self, limit: int) -> list[tuple[str, int]]:
        """Side names of this ingest's events that matched no scenario actor, by number of
        events (a name on both sides of one event counts twice), most frequent first."""
        rows = self.con.execute("""
            WITH n AS (
                SELECT side, count(*) AS n FROM (
                    SELECT side_a AS side FROM event_rows WHERE ingest_id = $1
                    UNION ALL
                    SELECT side_b FROM event_rows WHERE ingest_id = $1)
                GROUP BY side)
            SELECT s.name, sum(n.n) AS events FROM n JOIN sides s ON s.code = n.side
            WHERE s.actor IS NULL AND s.name IS NOT NULL
            GROUP BY s.name ORDER BY events DESC, s.name LIMIT $2""",
                                [self.ingest_id, limit]).fetchall()
        return [(str(n), int(c)) for n, c in rows]

    def commit(self, file_row: list[Any], fingerprint: str,
               on_before_commit: Callable[[], None] | None = None) -> None:
        """Record the file (``files`` row, without its ingest id) and which scenario resolved
        its sides, then commit."""
        con = self.con
        con.execute("INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
                    [self.ingest_id, *file_row])
        # which scenarios' actors the stored side_*_actor columns were resolved against
        stored = scalar(con, "SELECT value FROM meta WHERE key = 'resolver_fingerprints'")
        prints = set(filter(None, (stored or "").split(",")))
        prints.add(fingerprint)
        con.execute("INSERT OR REPLACE INTO meta VALUES ('resolver_fingerprints', ?)",
                    [",".join(sorted(prints))])
        if on_before_commit is not None:
            on_before_commit()
        con.execute("COMMIT")
        self._restore()

    def rollback(self) -> None:
        self.con.execute("ROLLBACK")
        self._restore()

    def _restore(self) -> None:
        for key, value in self._saved.items():
            self.con.execute(f"SET {key} = ?", [value])
