"""A small document model that every brief section writes into, rendered twice: to the terminal
(:mod:`sarhad.report.terminal`) and to self-contained HTML (:mod:`sarhad.report.html`).

Sections never format for one medium; they produce blocks. ``cites`` are source references
(``P05``) shown beside the line they support.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Para:
    """A paragraph (or one bullet) with the references that support it."""

    text: str
    cites: tuple[str, ...] = ()
    emphasis: bool = False


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 3


@dataclass(frozen=True)
class Bullets:
    items: tuple[Para, ...]


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""
    row_cites: tuple[tuple[str, ...], ...] = ()
    numeric: tuple[bool, ...] = ()


@dataclass(frozen=True)
class Figure:
    """An inline SVG figure; ``png`` optional bytes for media that cannot show SVG."""

    svg: str
    caption: str
    alt: str = ""


@dataclass(frozen=True)
class Callout:
    """A warning or caveat, e.g. where the data cannot speak."""

    text: str
    tone: str = "note"  # note | warning


Block = Para | Heading | Bullets | Table | Figure | Callout


@dataclass
class Section:
    """One section of a report. ``data`` is its machine-readable content for ``--json``."""

    key: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    lead: str = ""

    def cites(self) -> set[str]:
        found: set[str] = set()
        for b in self.blocks:
            if isinstance(b, Para):
                found.update(b.cites)
            elif isinstance(b, Bullets):
                for item in b.items:
                    found.update(item.cites)
            elif isinstance(b, Table):
                for rc in b.row_cites:
                    found.update(rc)
        return found


@dataclass
class Document:
    title: str
    subtitle: str
    sections: list[Section]
    footer: str = ""
