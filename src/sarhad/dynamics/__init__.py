"""Violence dynamics: regime-aware negative binomial count models (:mod:`.count`), multivariate
Hawkes processes (:mod:`.hawkes`), time-rescaling goodness of fit (:mod:`.goodness`) and the
mechanism tests behind ``sarhad effects`` (:mod:`.effects`).

``HawkesProcess`` is imported lazily so that count-model users do not pay for numba.
"""

from __future__ import annotations

from typing import Any

from sarhad.dynamics.count import NegBinCountModel

__all__ = ["HawkesProcess", "NegBinCountModel"]


def __getattr__(name: str) -> Any:
    if name == "HawkesProcess":
        from sarhad.dynamics.hawkes import HawkesProcess

        return HawkesProcess
    raise AttributeError(name)
