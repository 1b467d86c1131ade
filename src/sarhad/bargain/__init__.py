"""Negotiation model: KTAB's spatial model of politics (SMP) in vectorised Python.

``SpatialModel`` runs one problem and keeps every state; ``run_batch`` runs many draws at once;
``read_ktab_csv`` reads KTAB's CSV inputs; :mod:`sarhad.bargain.talks` reads a scenario's
``negotiation`` section and runs it over draws of its input distributions.
"""

from sarhad.bargain.csvio import parse_ktab_csv, read_ktab_csv
from sarhad.bargain.engine import Options
from sarhad.bargain.model import SMPInput, SpatialModel, run_batch

__all__ = ["Options", "SMPInput", "SpatialModel", "parse_ktab_csv", "read_ktab_csv", "run_batch"]
