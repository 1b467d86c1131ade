"""The store's dimension tables (``kinds``, ``places``, ``sides``): each distinct combination of
the event columns that repeat gets one code, and an event stores the code.

An ingest loads each table once, gives codes to the combinations it meets (new ones numbered
on from the largest), and writes the new rows with the block that first uses them, inside its
transaction: a rolled-back ingest leaves no row behind.

Within an ingest a combination is known by a *key*: integer columns, each a text's position
among the distinct values of its :class:`~sarhad.ingest.distinct.DistinctMap` (positions never
change during an ingest) or a number as given. A block's codes are then one join on integer
keys against the combinations seen so far; only combinations new to the ingest are described
(their texts gathered) and looked up in the stored table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import duckdb
import polars as pl

from sarhad.store import DIMENSIONS

#: the key value of a missing text (no position is this large)
NO_POSITION = 2**32 - 1


class Dimension:
    """One dimension table, for one ingest."""

    def __init__(self, con: duckdb.DuckDBPyConnection, table: str) -> None:
        self.table = table
        self.columns = DIMENSIONS[table]
        rows = con.execute(f"SELECT code, {', '.join(self.columns)} FROM {table}").fetchall()
        self._code: dict[tuple[Any, ...], int] = {tuple(r[1:]): r[0] for r in rows}
        self._next = max(self._code.values(), default=-1) + 1
        self._new: list[tuple[Any, ...]] = []
        self._known: pl.DataFrame | None = None      # key columns -> code, this ingest

    def codes(self, keys: pl.DataFrame,
              describe: Callable[[pl.DataFrame], pl.DataFrame]) -> pl.Series:
        """The code of each row's combination. ``keys`` holds integer key columns (no nulls);
        ``describe`` turns distinct keys not seen before into the table's columns (in
        order, one row per key)."""
        coded = None if self._known is None else self._lookup(keys)
        if coded is None or coded.null_count():
            # (the first block: every combination is new)
            new = (keys if coded is None else keys.filter(coded.is_null())
                   ).unique(maintain_order=True)
            described = describe(new)
            codes = [self._code_of(row) for row in described.iter_rows()]
            learnt = new.with_columns(pl.Series("code", codes, dtype=pl.Int32))
            self._known = learnt if self._known is None else pl.concat([self._known, learnt])
            coded = self._lookup(keys)
        return coded

    def take_new(self) -> pl.DataFrame:
        """The rows coded since the last call (``code`` and the table's columns), to be
        written with the events that use them."""
        new, self._new = self._new, []
        schema: dict[str, pl.DataType] = {"code": pl.Int32(),
                                          **{c: _DTYPES[c] for c in self.columns}}
        return pl.DataFrame(new, schema=schema, orient="row")

    def _lookup(self, keys: pl.DataFrame) -> pl.Series:
        assert self._known is not None
        return keys.join(self._known, on=keys.columns, how="left",
                         maintain_order="left").get_column("code")

    def _code_of(self, row: tuple[Any, ...]) -> int:
        code = self._code.get(row)
        if code is None:
            code = self._code[row] = self._next
            self._next += 1
            self._new.append((code, *row))
        return code


_DTYPES: dict[str, pl.DataType] = {
    "date_precision": pl.String(), "type_of_violence": pl.Int8(), "event_type": pl.String(),
    "country": pl.String(), "country_name": pl.String(), "province": pl.String(),
    "former_fata": pl.Boolean(), "province_raw": pl.String(), "district": pl.String(),
    "location": pl.String(), "name": pl.String(), "ucdp_id": pl.Int32(), "actor": pl.String(),
}
