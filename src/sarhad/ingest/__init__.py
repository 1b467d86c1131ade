"""Event data in: one adapter per source behind one interface (:mod:`sarhad.ingest.base`),
auto-detected from the header; actors resolved against the scenario; places normalised.

>>> from sarhad.store import open_store
>>> from sarhad.ingest import ingest_file
>>> with open_store(Path("events.duckdb")) as store:          # doctest: +SKIP
...     report = ingest_file(store, "GEDEvent_v22_1.csv")
"""

from __future__ import annotations

from sarhad.ingest import acled, gtd, ucdp  # noqa: F401  (register the adapters)
from sarhad.ingest.base import ADAPTERS, Adapter, detect
from sarhad.ingest.pipeline import IngestReport, ingest_file

__all__ = ["ADAPTERS", "Adapter", "IngestReport", "detect", "ingest_file"]
