"""Run independent tasks serially, on local Dask worker processes, or on an existing Dask cluster.

The same function and the same task arguments run in every mode, and every task carries its own
seed (see :func:`task_seed`), so the results do not depend on where or in which order tasks run:
a parallel backtest is identical to the serial one for the same seed.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

from sarhad.errors import SarhadError

T = TypeVar("T")


def task_seed(seed: int, *keys: int | str) -> np.random.SeedSequence:
    """The seed of one task, e.g. ``task_seed(seed, origin_index, "negbin36")``.

    It is the child ``SeedSequence(seed, spawn_key=keys)`` — exactly what
    ``SeedSequence(seed).spawn`` produces for child number ``keys`` — but keyed by *what* the task
    is (an origin month, a forecaster's name) rather than by its position in a list, so a
    forecaster's draws at an origin stay the same when other origins or forecasters are added.
    Strings are keyed by their CRC-32.
    """
    spawn_key = tuple(k if isinstance(k, int) else zlib.crc32(k.encode()) for k in keys)
    return np.random.SeedSequence(int(seed), spawn_key=spawn_key)


def map_tasks(fn: Callable[..., T], tasks: Sequence[tuple[Any, ...]], *, workers: int = 1,
              scheduler: str | None = None) -> list[T]:
    """``[fn(*t) for t in tasks]``, in order, serially (``workers <= 1`` and no scheduler), on a
    temporary local Dask cluster of ``workers`` single-threaded processes, or on the Dask
    scheduler at ``scheduler`` (e.g. ``tcp://10.0.0.5:8786``)."""
    if scheduler is None and workers <= 1:
        return [fn(*t) for t in tasks]
    try:
        from distributed import Client, LocalCluster
    except ImportError as err:  # pragma: no cover - dask[distributed] is a dependency
        raise SarhadError(f"parallel runs need dask.distributed ({err})") from None
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as err:
            raise SarhadError(f"cannot reach the Dask scheduler at {scheduler}: {err}") from None
        with client:
            return _run(client, fn, tasks)
    # on this machine only (127.0.0.1), no dashboards, and quiet: a worker that logs a lost
    # heartbeat while the cluster shuts down is not the user's business
    with LocalCluster(n_workers=int(workers), threads_per_worker=1, processes=True,
                      host="127.0.0.1", dashboard_address=None, worker_dashboard_address=None,
                      silence_logs=logging.CRITICAL) as cluster, Client(cluster) as client:
        return _run(client, fn, tasks)


def _run(client: Any, fn: Callable[..., T], tasks: Sequence[tuple[Any, ...]]) -> list[T]:
    columns = list(zip(*tasks, strict=True)) if tasks else []
    futures = client.map(fn, *columns, pure=False)
    return list(client.gather(futures))
