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
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numba
import numpy as np
import polars as pl

from sarhad.errors import SarhadError

_BOM = b"\xef\xbb\xbf"


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


_LOW7 = np.uint64(0x7F7F7F7F7F7F7F7F)
_EACH_BYTE = np.uint64(0x0101010101010101)
_QUOTES = np.uint64(0x2222222222222222)      # '"' in every byte
_NEWLINES = np.uint64(0x0A0A0A0A0A0A0A0A)    # '\n'
_COMMAS = np.uint64(0x2C2C2C2C2C2C2C2C)      # ','


@numba.njit(cache=True, nogil=True, inline="always")
def _byte_mask(word: np.uint64, pattern: np.uint64) -> np.uint64:  # pragma: no cover
    # The high bit of each byte of `word` that equals the byte repeated in `pattern`, exactly
    # (no false positives: the low seven bits are added without carrying out of the byte).
    t = word ^ pattern
    return ~(((t & _LOW7) + _LOW7) | t | _LOW7)


@numba.njit(cache=True, nogil=True, inline="always")
def _layout_bytes(buf: np.ndarray, lo: int, hi: int, inside: bool, commas: int, line: int,
                  k: int, starts: np.ndarray, fields: np.ndarray, ends: np.ndarray
                  ) -> tuple[bool, int, int, int]:  # pragma: no cover
    # buf[lo:hi] byte by byte: a quote toggles 'inside a quoted field' (an escaped quote is
    # two toggles); outside quotes a comma separates fields and a newline ends the record,
    # whose field count, final newline and the line where the next record starts are written.
    for i in range(lo, hi):
        c = buf[i]
        if c == 34:
            inside = not inside
        elif c == 10:
            line += 1
            if not inside:
                fields[k] = commas + 1
                starts[k] = line
                ends[k] = i
                k += 1
                commas = 0
        elif c == 44 and not inside:
            commas += 1
    return inside, commas, line, k


@numba.njit(cache=True, nogil=True)
def _layout_chunk(buf: np.ndarray, state: np.ndarray, starts: np.ndarray,
                  fields: np.ndarray, ends: np.ndarray) -> int:  # pragma: no cover
    # One pass over a chunk: for each record that ends in it, its field count, the offset of
    # its final newline and the line where the next record starts; returns how many records
    # ended. state = [inside, commas, line] carries across chunks. The chunk is read eight
    # bytes at a time (SWAR): a word with no quote and no newline, most of them, only adds
    # its commas (a popcount of their mask) when outside quotes; the rest go byte by byte.
    # Measured on GED text: half the time of the byte-by-byte pass. The output arrays are
    # as long as the chunk, but only the pages of the records written are ever touched.
    inside = state[0] == 1
    commas = state[1]
    line = state[2]
    k = 0
    n_words = buf.size // 8
    words = buf[:n_words * 8].view(np.uint64)
    for w in range(n_words):
        word = words[w]
        if (_byte_mask(word, _QUOTES) | _byte_mask(word, _NEWLINES)) == 0:
            if not inside:
                ones = _byte_mask(word, _COMMAS) >> np.uint64(7)
                commas += (ones * _EACH_BYTE) >> np.uint64(56)
            continue
        inside, commas, line, k = _layout_bytes(buf, w * 8, w * 8 + 8, inside, commas, line,
                                                k, starts, fields, ends)
    inside, commas, line, k = _layout_bytes(buf, n_words * 8, buf.size, inside, commas, line,
                                            k, starts, fields, ends)
    state[0] = 1 if inside else 0
    state[1] = commas
    state[2] = line
    return k


@dataclass
class Records:
    """Whole records cut from a file: their bytes, start lines and field counts."""

    data: bytes
    lines: np.ndarray    # physical line (1-based) where each record starts
    fields: np.ndarray   # fields in each record


def record_blocks(source: Path | bytes, *, digest: Any = None,
                  repeat_header: bool = False) -> Iterator[Records]:
    """The file as blocks of whole records (about one 16 MB chunk each, the header being the
    first record of the first block), cut by one compiled quote-aware pass (numba, cached on
    disk) that streams the file, so memory stays flat whatever its size. ``digest`` (a
    ``hashlib`` object) is fed the same chunks, so the content hash costs no second read.
    With ``repeat_header``, every later block's bytes start with the header record too (not
    counted in its ``lines`` and ``fields``), so that each block parses on its own; the
    bytes are copied once either way."""
    state = np.array([0, 0, 1], dtype=np.int64)
    carry = b""          # the bytes of a record that a chunk boundary cut
    first_line = 1       # where that record starts
    prefix = b""         # the header record, once known (repeat_header)
    starts = fields = ends = np.empty(0, dtype=np.int64)
    for chunk in _chunks(source):
        buf = np.frombuffer(chunk, dtype=np.uint8)
        if buf.size == 0:
            continue
        if digest is not None:
            digest.update(chunk)     # releases the GIL on large buffers, like the kernel
        if starts.size < buf.size:   # a chunk of n bytes ends at most n records
            starts = np.empty(buf.size, dtype=np.int64)
            fields = np.empty(buf.size, dtype=np.int64)
            ends = np.empty(buf.size, dtype=np.int64)
        k = _layout_chunk(buf, state, starts, fields, ends)
        if k == 0:
            carry += bytes(chunk)
            continue
        cut = int(ends[k - 1]) + 1
        lines = np.empty(k, dtype=np.int64)
        lines[0] = first_line
        lines[1:] = starts[:k - 1]
        data = b"".join((prefix, carry, chunk[:cut]))
        if repeat_header and not prefix:
            # the first block: its first record is the header (it ends at the first
            # record end of the file, which may lie in this chunk or be carried into it)
            prefix = data[: len(carry) + int(ends[0]) + 1]
        yield Records(data, lines, fields[:k].copy())
        carry, first_line = bytes(chunk[cut:]), int(starts[k - 1])
    if carry:            # a last record without a final newline
        yield Records(b"".join((prefix, carry)), np.array([first_line], np.int64),
                      np.array([state[1] + 1], np.int64))


def record_layout(source: Path | bytes, *, digest: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """For every record after the header: the physical line (1-based) where it starts, and
    its number of fields. Quote-aware: a newline or comma separates only outside a quoted
    field (see :func:`record_blocks`)."""
    lines, fields = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for block in record_blocks(source, digest=digest):
        lines.append(block.lines)
        fields.append(block.fields)
    return np.concatenate(lines)[1:], np.concatenate(fields)[1:]   # record 0 is the header


#: the first chunk is smaller, so that parsing starts sooner while the rest is read
FIRST_CHUNK = 1 << 21


def _chunks(source: Path | bytes) -> Iterator[memoryview]:
    first = min(CHUNK, FIRST_CHUNK)
    if isinstance(source, bytes | bytearray):
        view = memoryview(source)
        yield view[:first]
        for i in range(first, len(view), CHUNK):
            yield view[i:i + CHUNK]
        return
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    with open(source, "rb") as fh:
        n = fh.readinto(view[:first])
        while n:
            yield view[:n]
            n = fh.readinto(buf)


def sha256_of(path: Path) -> str:
    """Content hash, streamed (no copy of the file in memory)."""
    h = hashlib.sha256()
    for chunk in _chunks(path):
        h.update(chunk)
    return h.hexdigest()


class BlockReader:
    """The requested columns of a CSV file as text, in frames of whole records, each with
    ``_line`` (where the record starts) and ``_fields`` (its field count); a leading row of
    HXL hashtags (HDX extracts) is dropped. ``sha256`` and ``encoding`` are final once every
    frame has been read.

    A second thread reads the file once, hashes it and cuts it into blocks of records (the
    numba kernel and hashlib release the GIL) while polars parses the block before here;
    only a few blocks are in memory at once. (Parsing in the second thread too was measured
    slower: two threads driving polars' thread pool at once on 2 cores.) Each block is parsed
    with the file's header in front of it. A block that is not UTF-8 is transcoded
    (Windows-1252, else Latin-1) and parsed again; its records are the same, since quotes,
    commas and newlines are the same bytes in Latin-1 and UTF-8.
    """

    def __init__(self, path: Path, columns: list[str], *, name: str, encoding: str) -> None:
        self.path, self.columns, self.name = path, columns, name
        self.encoding = encoding
        self.sha256 = ""
        with open(path, "rb") as fh:
            self.n_columns = len(header_of(fh.read(1 << 20), name=name))
        # reading starts at once, while the caller sets up the rest of the ingest
        self._digest = hashlib.sha256()
        self._blocks: queue.Queue[Records | BaseException | None] = queue.Queue(maxsize=2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._produce, name="sarhad-read", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop the reading thread (a caller that gives up before the end calls this)."""
        self._stop.set()
        self._thread.join()

    def _put(self, item: Records | BaseException | None) -> bool:
        while not self._stop.is_set():     # the consumer may have given up: never block
            try:
                self._blocks.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self) -> None:
        try:
            for block in record_blocks(self.path, digest=self._digest, repeat_header=True):
                if not self._put(block):
                    return
            self._put(None)
        except BaseException as err:  # handed to the consumer, raised there
            self._put(err)

    def __iter__(self) -> Iterator[pl.DataFrame]:
        first, data_seen = True, False
        try:
            while True:
                item = self._blocks.get()
                if item is None:
                    break
                if isinstance(item, BaseException):
                    raise item
                lines, fields = item.lines, item.fields
                if first:    # the header is the first record; later blocks repeat it
                    lines, fields = lines[1:], fields[1:]
                    first = False
                frame = _attach(self._parse(item.data), lines, fields, self.n_columns)
                del item
                if not data_seen and frame.height:   # the first data record: HXL?
                    frame = _drop_hxl(frame)
                    data_seen = True
                yield frame
        finally:
            self.close()
        self.sha256 = self._digest.hexdigest()

    def _parse(self, data: bytes) -> pl.DataFrame:
        try:
            return pl.read_csv(data, columns=self.columns, infer_schema_length=0,
                               truncate_ragged_lines=True, raise_if_empty=False)
        except pl.exceptions.ComputeError as err:
            if "utf-8" not in str(err).lower() and "utf8" not in str(err).lower():
                raise SarhadError(f"{self.name}: not a readable CSV file: {_first_line(err)}"
                                  ) from None
            text, encoding = transcode(data)
            if self.encoding != "latin-1":    # the wider of the two, if blocks differ
                self.encoding = encoding
            return pl.read_csv(text, columns=self.columns, infer_schema_length=0,
                               truncate_ragged_lines=True, raise_if_empty=False)
        except (pl.exceptions.NoDataError, OSError) as err:
            raise SarhadError(f"{self.name}: not a readable CSV file: {_first_line(err)}"
                              ) from None


def _attach(frame: pl.DataFrame, lines: np.ndarray, fields: np.ndarray,
            n_header: int) -> pl.DataFrame:
    if lines.size < frame.height:   # should not happen; keep the frame usable regardless
        pad = frame.height - lines.size
        lines = np.concatenate([lines, np.full(pad, -1)])
        fields = np.concatenate([fields, np.full(pad, n_header)])
    return frame.with_columns(pl.Series("_line", lines[:frame.height], dtype=pl.Int64),
                              pl.Series("_fields", fields[:frame.height], dtype=pl.Int64))


def _drop_hxl(frame: pl.DataFrame) -> pl.DataFrame:
    if frame.height and frame.width > 2:
        first = frame.row(0)
        texts = [v for v in first[:-2] if v]
        if texts and all(v.startswith("#") for v in texts):  # HDX's HXL hashtag row
            return frame.slice(1)
    return frame


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
