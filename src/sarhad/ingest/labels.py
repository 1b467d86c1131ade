"""The store's dictionary of texts: every distinct text of the coded columns gets one integer
code (table ``labels``), shared by all coded columns and all ingests.

An ingest loads the dictionary once, gives codes to the texts it meets (new ones numbered on
from the largest code), and writes the new pairs with the block that first uses them, inside
its transaction: a rolled-back ingest leaves no label behind. Codes of the distinct values of
a :class:`~sarhad.ingest.distinct.DistinctMap` are kept as a table aligned with them, so a
row's code is a gather at its position among those values, with no hashing of its text.
"""

from __future__ import annotations

import duckdb
import polars as pl

from sarhad.ingest.distinct import DistinctMap


class Labels:
    """text -> code for one ingest: the stored dictionary, and the pairs added since."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        rows = con.execute("SELECT value, code FROM labels").fetchall()
        self._code: dict[str, int] = dict(rows)
        self._next = max(self._code.values(), default=-1) + 1
        self._new: list[tuple[int, str]] = []
        self._known: dict[tuple[int, str | None], pl.Series] = {}

    def codes(self, values: pl.Series) -> pl.Series:
        """The code of each text (null for null), new texts numbered on."""
        out: list[int | None] = []
        for v in values.to_list():
            if v is None:
                out.append(None)
                continue
            code = self._code.get(v)
            if code is None:
                code = self._code[v] = self._next
                self._next += 1
                self._new.append((code, v))
            out.append(code)
        return pl.Series(values.name, out, dtype=pl.Int32)

    def table(self, dmap: DistinctMap, output: str | None = None) -> pl.Series:
        """The codes of ``dmap``'s values (``output`` None) or of one of its outputs, aligned
        with its values: a row's code is this table gathered at its position."""
        values = dmap.values if output is None else dmap.results[output]
        key = (id(dmap), output)
        known = self._known.get(key)
        if known is None or known.len() < values.len():
            start = 0 if known is None else known.len()
            more = self.codes(values.slice(start))
            known = more if known is None else pl.concat([known, more])
            self._known[key] = known
        return known

    def take_new(self) -> pl.DataFrame:
        """The pairs coded since the last call, to be written with the rows that use them."""
        new, self._new = self._new, []
        return pl.DataFrame(new, schema={"code": pl.Int32, "value": pl.String}, orient="row")
