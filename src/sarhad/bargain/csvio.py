"""Reader for KTAB's SMP CSV format, tolerant of padding and trailing commas, strict on content.

Line 1: ``scenario name, description, nActors, nDims``. Line 2: a header
``Actor, Description, Power, <dim> Position, <dim> Salience, ...``. Then one row per actor:
``name, description, power`` and one ``position, salience`` pair per dimension, all on 0-100;
an actor's saliences may total at most 100 (its whole attention), as KTAB requires.
Every problem raises :class:`~sarhad.errors.SarhadError` with one line naming file, line and field.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np

from sarhad.bargain.model import SMPInput
from sarhad.errors import SarhadError


def _fail(path: str, line: int, field: str, msg: str) -> SarhadError:
    return SarhadError(f"{path}:{line}: [{field}] {msg}")


def _strip_dim(header: str) -> str:
    h = header.strip()
    for suffix in (" Position", " position", " Pos", " pos"):
        if h.endswith(suffix) and len(h) > len(suffix):
            return h[: -len(suffix)].strip()
    return h


def _num(path: str, rl: int, row: list[str], col: int, field: str, lo: float,
         hi: float | None) -> float:
    """The number in cell ``col`` of ``row`` (line ``rl``), checked to lie in [lo, hi]."""
    if col >= len(row) or row[col] == "":
        raise _fail(path, rl, field, f"missing value for actor {row[0]!r}")
    try:
        v = float(row[col])
    except ValueError:
        raise _fail(path, rl, field, f"not a number: {row[col]!r}") from None
    if not math.isfinite(v):
        raise _fail(path, rl, field, f"not a finite number: {row[col]!r}")
    if v < lo or (hi is not None and v > hi):
        rng = f"{lo:g}-{hi:g}" if hi is not None else f">= {lo:g}"
        raise _fail(path, rl, field, f"{v:g} is outside {rng}")
    return v


def parse_ktab_csv(text: str, *, path: str = "<csv>") -> SMPInput:
    """Parse KTAB CSV text into an :class:`SMPInput` (positions, saliences on 0-100)."""
    rows = list(csv.reader(io.StringIO(text)))
    # keep line numbers: csv.reader yields one row per physical line for these files
    numbered = [(k + 1, [c.strip() for c in r]) for k, r in enumerate(rows)]
    numbered = [(ln, r) for ln, r in numbered if any(c for c in r)]
    if not numbered:
        raise _fail(path, 1, "header", "empty file")
    ln, head = numbered[0]
    if len(head) < 4:
        raise _fail(path, ln, "header", "line 1 must be: scenario name, description, "
                                        "number of actors, number of dimensions")

    def _int(s: str, field: str) -> int:
        try:
            v = float(s)
        except ValueError:
            raise _fail(path, ln, field, f"expected a whole number, got {s!r}") from None
        if not v.is_integer() or v < 1:
            raise _fail(path, ln, field, f"expected a positive whole number, got {s!r}")
        return int(v)

    name, desc = head[0], head[1]
    n_act = _int(head[2], "nActors")
    n_dim = _int(head[3], "nDims")
    if n_act < 2:
        raise _fail(path, ln, "nActors", f"need at least 2 actors, got {n_act}")
    if len(numbered) < 2:
        raise _fail(path, ln + 1, "header", "missing the column header line")
    hln, hdr = numbered[1]
    hdr = [h for h in hdr]
    while hdr and not hdr[-1]:
        hdr.pop()
    if len(hdr) < 3 + 2 * n_dim:
        raise _fail(path, hln, "header", f"{n_dim} dimension(s) need {3 + 2 * n_dim} columns "
                                         f"(Actor, Description, Power, then position and "
                                         f"salience per dimension); found {len(hdr)}")
    dims = [_strip_dim(hdr[3 + 2 * k]) for k in range(n_dim)]
    body = numbered[2:]
    if len(body) != n_act:
        where = body[n_act][0] if len(body) > n_act else (body[-1][0] + 1 if body else hln + 1)
        raise _fail(path, where, "nActors", f"line 1 declares {n_act} actors but the file has "
                                            f"{len(body)} actor rows")
    names: list[str] = []
    descs: list[str] = []
    power = np.zeros(n_act)
    pos = np.zeros((n_act, n_dim))
    sal = np.zeros((n_act, n_dim))
    for a, (rl, row) in enumerate(body):
        while len(row) > 3 + 2 * n_dim and not row[-1]:
            row = row[:-1]
        if not row or not row[0]:
            raise _fail(path, rl, "Actor", "missing actor name")
        if row[0] in names:
            raise _fail(path, rl, "Actor", f"duplicate actor name {row[0]!r}")

        if len(row) > 3 + 2 * n_dim:
            raise _fail(path, rl, "nDims", f"{len(row)} fields but {n_dim} dimension(s) allow "
                                           f"{3 + 2 * n_dim}")
        names.append(row[0])
        descs.append(row[1] if len(row) > 1 else "")
        power[a] = _num(path, rl, row, 2, hdr[2] or "Power", 0.0, None)
        for k in range(n_dim):
            pf = hdr[3 + 2 * k] or f"Position {k + 1}"
            sf = hdr[4 + 2 * k] or f"Salience {k + 1}"
            pos[a, k] = _num(path, rl, row, 3 + 2 * k, pf, 0.0, 100.0)
            sal[a, k] = _num(path, rl, row, 4 + 2 * k, sf, 0.0, 100.0)
        total = sal[a].sum()
        if total > 100.0 + 1e-9:
            raise _fail(path, rl, "Salience", f"saliences of {row[0]!r} total {total:g}, more "
                                              f"than 100")
        if total <= 0.0:
            raise _fail(path, rl, "Salience", f"actor {row[0]!r} has zero salience on every "
                                              f"dimension")
    if power.sum() <= 0.0:
        raise _fail(path, body[-1][0], "Power", "total power of all actors is zero")
    if np.any(power <= 0.0):
        bad = int(np.argmax(power <= 0.0))
        raise _fail(path, body[bad][0], hdr[2] or "Power",
                    f"actor {names[bad]!r} has zero power (KTAB needs every voting weight > 0)")
    return SMPInput(name=name, description=desc, actors=names, actor_descriptions=descs,
                    dimensions=dims, power=power, position=pos, salience=sal)


def read_ktab_csv(path: str | Path) -> SMPInput:
    """Read a KTAB SMP CSV file; see :func:`parse_ktab_csv`."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SarhadError(f"{p}: no such file") from None
    except UnicodeDecodeError:
        raise SarhadError(f"{p}: not a UTF-8 text file") from None
    except OSError as err:
        raise SarhadError(f"{p}: cannot read ({err.strerror})") from None
    return parse_ktab_csv(text, path=str(p))
