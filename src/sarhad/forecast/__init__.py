"""Forecasts that are judged: probabilistic monthly forecasts (:mod:`.models`,
:mod:`.ensemble`), naive baselines (:mod:`.baselines`), rolling backtests (:mod:`.backtest`),
proper scores (:mod:`.scoring`), parallel runs (:mod:`.parallel`), the question ledger
(:mod:`.ledger`) and the public entry points used by the CLI and the brief (:mod:`.api`).

Every forecaster shares one interface (:mod:`.base`)::

    f.fit(y, start_month="2007-01").sample(12, draws=1000, rng=np.random.default_rng(1))
"""

from __future__ import annotations
