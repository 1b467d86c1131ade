"""Reading a delimited file as publishers ship it: byte order marks, Latin-1 files, quoted
newlines, HDX's row of HXL hashtags, and the physical line where each record starts.

The line numbers are found with array arithmetic, not a Python loop: a newline ends a record
exactly when an even number of double quotes precede it (a quoted field opens and closes with
one quote each; an escaped quote inside it is written as two).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np
import polars as pl

from sarhad.errors import SarhadError

_BOM = b"\xef\xbb\xbf"


@dataclass
class Decoded:
    data: bytes           # UTF-8, no byte order mark
    encoding: str         # what the file was: utf-8, utf-8-sig, cp1252, latin-1


def decode(data: bytes, *, name: str) -> Decoded:
    """UTF-8 (with or without BOM) passes through; otherwise the file is read as Windows-1252,
    or Latin-1, which older GTD downloads use, and re-encoded. UTF-16 is refused."""
    if data.startswith(_BOM):
        return Decoded(data[len(_BOM):], "utf-8-sig")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SarhadError(f"{name}: UTF-16 text is not supported; save the file as UTF-8 "
                          "(or Latin-1) CSV and ingest it again")
    try:
        data.decode("utf-8")
        return Decoded(data, "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return Decoded(data.decode("cp1252").encode("utf-8"), "cp1252")
    except UnicodeDecodeError:
        return Decoded(data.decode("latin-1").encode("utf-8"), "latin-1")


def header_of(data: bytes, *, name: str) -> list[str]:
    """Column names from the first record (which may not span more than the first 1 MB)."""
    head = data[: 1 << 20].decode("utf-8", errors="replace")
    try:
        row = next(csv.reader(io.StringIO(head)), [])
    except csv.Error as err:
        raise SarhadError(f"{name}: line 1: cannot read the header: {err}") from None
    cols = [c.strip() for c in row]
    if not any(cols):
        raise SarhadError(f"{name}: empty file or no header row")
    return cols


def record_lines(data: bytes, n_records: int) -> np.ndarray:
    """The physical line (1-based) on which each data record starts, header excluded."""
    arr = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(arr == 10)
    if newlines.size in (n_records, n_records + 1):  # no quoted newlines: one record per line
        return np.arange(2, n_records + 2, dtype=np.int64)
    quotes = np.flatnonzero(arr == 34)
    ends = np.flatnonzero(np.searchsorted(quotes, newlines) % 2 == 0)
    # record k+1 starts on the line after the k-th record-ending newline
    starts = ends.astype(np.int64) + 2
    out = starts[:n_records]
    if out.size < n_records:  # a last record without a final newline
        out = np.concatenate([out, np.full(n_records - out.size, -1, dtype=np.int64)])
    return out


def read_table(data: bytes, columns: list[str], *, name: str) -> pl.DataFrame:
    """All ``columns`` as text, plus ``_line``; a leading row of HXL hashtags is dropped."""
    try:
        frame = pl.read_csv(data, columns=columns, infer_schema_length=0,
                            missing_utf8_is_empty_string=False, raise_if_empty=False)
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError, OSError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise SarhadError(f"{name}: not a readable CSV file: {first}") from None
    lines = record_lines(data, frame.height)
    frame = frame.with_columns(pl.Series("_line", lines, dtype=pl.Int64))
    if frame.height and frame.width > 1:
        first = frame.row(0)
        texts = [v for v in first[:-1] if v]
        if texts and all(v.startswith("#") for v in texts):  # HDX's HXL hashtag row
            frame = frame.slice(1)
    return frame
