"""Reading a delimited file as publishers ship it: byte order marks, Latin-1 files, quoted
newlines, HDX's row of HXL hashtags, and the physical line where each record starts.

The line numbers are found with array arithmetic, not a Python loop: a newline ends a record
exactly when an even number of double quotes precede it (a quoted field opens and closes with
one quote each; an escaped quote inside it is written as two).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numba
import numpy as np
import polars as pl

from sarhad.errors import SarhadError

_BOM = b"\xef\xbb\xbf"


@dataclass
class Table:
    frame: pl.DataFrame   # the requested columns as text, plus _line and _fields
    encoding: str         # what the file was: utf-8, utf-8-sig, cp1252 or latin-1
    n_columns: int        # fields in the header
    sha256: str = ""      # content hash of the file, computed during the same read


def sniff_encoding(head: bytes, *, name: str) -> str:
    """'utf-8-sig' when a UTF-8 byte order mark leads (polars skips it), else 'utf-8' (revised
    to cp1252 or latin-1 if parsing finds bytes that are not UTF-8); UTF-16 (Excel's
    'Unicode text') is refused."""
    if head.startswith(_BOM):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SarhadError(f"{name}: UTF-16 text is not supported; save the file as UTF-8 "
                          "(or Latin-1) CSV and ingest it again")
    return "utf-8"


def transcode(data: bytes) -> tuple[bytes, str]:
    """Bytes that are not UTF-8 read as Windows-1252 (a superset of Latin-1's printable range,
    what older GTD downloads use), or as Latin-1 when a byte is undefined in Windows-1252."""
    try:
        return data.decode("cp1252").encode("utf-8"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1").encode("utf-8"), "latin-1"


def header_of(data: bytes, *, name: str) -> list[str]:
    """Column names from the first record (which may not span more than the first 1 MB)."""
    head = data[: 1 << 20].decode("utf-8", errors="replace").lstrip("\ufeff")
    try:
        row = next(csv.reader(io.StringIO(head)), [])
    except csv.Error as err:
        raise SarhadError(f"{name}: line 1: cannot read the header: {err}") from None
    cols = [c.strip() for c in row]
    if not any(cols):
        raise SarhadError(f"{name}: empty file or no header row")
    return cols


CHUNK = 1 << 24   # 16 MB: file passes stream through one buffer of this size


@numba.njit(cache=True, nogil=True)
def _layout_chunk(buf: np.ndarray, state: np.ndarray, starts: np.ndarray,
                  fields: np.ndarray) -> int:  # pragma: no cover
    # One pass over a chunk of bytes: a quote toggles 'inside a quoted field' (an escaped
    # quote is two toggles); outside quotes a comma separates fields and a newline ends the
    # record. state = [inside, commas, line] carries across chunks. Writes the start line of
    # each record that begins in this chunk and the field count of each that ends in it;
    # returns how many records ended.
    inside = state[0] == 1
    commas = state[1]
    line = state[2]
    k = 0
    for i in range(buf.size):
        c = buf[i]
        if c > 44:          # letters and digits: most bytes, one comparison
            continue
        if c == 34:
            inside = not inside
        elif c == 10:
            line += 1
            if not inside:
                fields[k] = commas + 1
                starts[k] = line
                k += 1
                commas = 0
        elif c == 44 and not inside:
            commas += 1
    state[0] = 1 if inside else 0
    state[1] = commas
    state[2] = line
    return k


def record_layout(source: Path | bytes, *, digest: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """For every record after the header: the physical line (1-based) where it starts, and
    its number of fields. Quote-aware: a newline or comma separates only outside a quoted
    field. One compiled pass (numba, cached on disk) streaming the file in 16 MB chunks, so
    memory stays flat whatever the file's size. ``digest`` (a ``hashlib`` object) is fed the
    same chunks, so the content hash costs no second read of the file."""
    state = np.array([0, 0, 1], dtype=np.int64)
    starts_parts: list[np.ndarray] = []
    fields_parts: list[np.ndarray] = []
    last = 10
    starts = fields = np.empty(0, dtype=np.int64)
    for chunk in _chunks(source):
        buf = np.frombuffer(chunk, dtype=np.uint8)
        if buf.size == 0:
            continue
        if digest is not None:
            digest.update(chunk)     # releases the GIL on large buffers, like the kernel
        if starts.size < buf.size:   # a chunk of n bytes ends at most n records
            starts = np.empty(buf.size, dtype=np.int64)
            fields = np.empty(buf.size, dtype=np.int64)
        k = _layout_chunk(buf, state, starts, fields)
        starts_parts.append(starts[:k].copy())
        fields_parts.append(fields[:k].copy())
        last = int(buf[-1])
    starts = np.concatenate([np.ones(1, np.int64), *starts_parts])
    fields = np.concatenate([np.zeros(0, np.int64), *fields_parts])
    if last != 10:          # a last record without a final newline
        fields = np.append(fields, state[1] + 1)
    else:
        starts = starts[:-1]  # the line after the final newline starts no record
    # record 0 is the header
    return starts[1:], fields[1:]


def _chunks(source: Path | bytes) -> Iterator[memoryview]:
    if isinstance(source, bytes | bytearray):
        view = memoryview(source)
        for i in range(0, len(view), CHUNK):
            yield view[i:i + CHUNK]
        return
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    with open(source, "rb") as fh:
        while True:
            n = fh.readinto(buf)
            if not n:
                return
            yield view[:n]


def sha256_of(path: Path) -> str:
    """Content hash, streamed (no copy of the file in memory)."""
    h = hashlib.sha256()
    for chunk in _chunks(path):
        h.update(chunk)
    return h.hexdigest()


def read_table(path: Path, columns: list[str], *, name: str, encoding: str) -> Table:
    """All ``columns`` as text, plus ``_line`` and ``_fields`` per record; a leading row of
    HXL hashtags (HDX extracts) is dropped.

    Polars parses the file while the record layout and the SHA-256 are computed in a second
    thread from one streamed read (the numba kernel and hashlib release the GIL). A file that
    is not UTF-8 is transcoded in memory and parsed again; its layout is the same, since
    quotes, commas and newlines are the same bytes in Latin-1 and UTF-8.
    """
    with open(path, "rb") as fh:
        n_header = len(header_of(fh.read(1 << 20), name=name))
    digest = hashlib.sha256()
    with ThreadPoolExecutor(max_workers=1) as pool:
        layout = pool.submit(record_layout, path, digest=digest)
        try:
            frame = pl.read_csv(path, columns=columns, infer_schema_length=0,
                                truncate_ragged_lines=True, raise_if_empty=False)
        except pl.exceptions.ComputeError as err:
            if "utf-8" not in str(err).lower() and "utf8" not in str(err).lower():
                raise SarhadError(f"{name}: not a readable CSV file: {_first_line(err)}"
                                  ) from None
            text, encoding = transcode(path.read_bytes())
            frame = pl.read_csv(text, columns=columns, infer_schema_length=0,
                                truncate_ragged_lines=True, raise_if_empty=False)
            del text
        except (pl.exceptions.NoDataError, OSError) as err:
            raise SarhadError(f"{name}: not a readable CSV file: {_first_line(err)}") from None
        lines, fields = layout.result()
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
    return Table(frame, encoding, n_header, digest.hexdigest())


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
