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
class Table:
    frame: pl.DataFrame   # the requested columns as text, plus _line and _fields
    encoding: str         # what the file was: utf-8, utf-8-sig, cp1252 or latin-1
    n_columns: int        # fields in the header


def strip_bom(data: bytes, *, name: str) -> tuple[bytes, str]:
    """Remove a UTF-8 byte order mark; refuse UTF-16 (Excel's 'Unicode text')."""
    if data.startswith(_BOM):
        return data[len(_BOM):], "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SarhadError(f"{name}: UTF-16 text is not supported; save the file as UTF-8 "
                          "(or Latin-1) CSV and ingest it again")
    return data, "utf-8"


def transcode(data: bytes) -> tuple[bytes, str]:
    """Bytes that are not UTF-8 read as Windows-1252 (a superset of Latin-1's printable range,
    what older GTD downloads use), or as Latin-1 when a byte is undefined in Windows-1252."""
    try:
        return data.decode("cp1252").encode("utf-8"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1").encode("utf-8"), "latin-1"


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


def record_layout(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """For every record after the header: the physical line (1-based) where it starts, and
    its number of fields. Quote-aware and vectorised: a newline or comma separates only when
    an even number of double quotes precede it."""
    arr = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(arr == 34)
    newlines = np.flatnonzero(arr == 10)
    is_end = np.searchsorted(quotes, newlines) % 2 == 0
    end_idx = np.flatnonzero(is_end)                 # index among all newlines
    ends = newlines[end_idx]
    if arr.size and not (ends.size and ends[-1] == arr.size - 1):
        # a last record without a final newline
        ends = np.append(ends, arr.size)
        end_idx = np.append(end_idx, newlines.size)
    commas = np.flatnonzero(arr == 44)
    commas = commas[np.searchsorted(quotes, commas) % 2 == 0]
    before = np.searchsorted(commas, ends)           # unquoted commas before each record end
    fields = np.diff(np.concatenate([[0], before])) + 1
    starts = np.concatenate([[1], end_idx[:-1] + 2]).astype(np.int64)
    return starts[1:], fields[1:].astype(np.int64)


def read_table(data: bytes, columns: list[str], *, name: str, encoding: str) -> Table:
    """All ``columns`` as text, plus ``_line`` and ``_fields`` per record; a leading row of
    HXL hashtags (HDX extracts) is dropped. Non-UTF-8 files are transcoded first."""
    n_header = len(header_of(data, name=name))
    try:
        frame = pl.read_csv(data, columns=columns, infer_schema_length=0,
                            truncate_ragged_lines=True, raise_if_empty=False)
    except pl.exceptions.ComputeError as err:
        if "utf-8" not in str(err).lower() and "utf8" not in str(err).lower():
            raise SarhadError(f"{name}: not a readable CSV file: {_first_line(err)}") from None
        data, encoding = transcode(data)
        frame = pl.read_csv(data, columns=columns, infer_schema_length=0,
                            truncate_ragged_lines=True, raise_if_empty=False)
    except (pl.exceptions.NoDataError, OSError) as err:
        raise SarhadError(f"{name}: not a readable CSV file: {_first_line(err)}") from None
    lines, fields = record_layout(data)
    if lines.size < frame.height:   # should not happen; keep the frame usable regardless
        pad = frame.height - lines.size
        lines = np.concatenate([lines, np.full(pad, -1)])
        fields = np.concatenate([fields, np.full(pad, n_header)])
    frame = frame.with_columns(pl.Series("_line", lines[:frame.height], dtype=pl.Int64),
                               pl.Series("_fields", fields[:frame.height], dtype=pl.Int64))
    if frame.height and frame.width > 2:
        first = frame.row(0)
        texts = [v for v in first[:-2] if v]
        if texts and all(v.startswith("#") for v in texts):  # HDX's HXL hashtag row
            frame = frame.slice(1)
    return Table(frame, encoding, n_header)


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
