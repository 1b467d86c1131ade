"""Large sweeps: many runs of several policies, split into chunks run serially or on Dask.

The runs are cut into ``chunks``; chunk ``i`` draws from child ``i`` of
``numpy.random.SeedSequence(seed).spawn(chunks)``, so its random numbers do not depend on where
it runs. A Dask sweep (local processes by default, or an existing cluster by address) therefore
returns exactly what the serial sweep returns for the same seed and chunking. Each chunk returns
only per-run outcomes (not monthly arrays), which keeps memory flat in the number of runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from sarhad.errors import SarhadError
from sarhad.simulate.engine import Simulator, draw_all, run_draws
from sarhad.simulate.policies import compile_policy
from sarhad.simulate.results import outcomes


def _chunk_sizes(runs: int, chunks: int) -> list[int]:
    base, extra = divmod(runs, chunks)
    return [base + (1 if i < extra else 0) for i in range(chunks)]


def run_chunk(sim: Simulator, policies: Sequence[str], runs: int, months: int,
              seed: np.random.SeedSequence) -> dict[str, dict[str, np.ndarray]]:
    """One chunk: every policy on the chunk's common random numbers; per-run outcomes."""
    d = draw_all(sim.spec, sim.baseline, runs, months, seed)
    out = {}
    for p in policies:
        ens = run_draws(sim.spec, sim.baseline, sim.ctx, sim.levers(p, d), d)
        out[p] = outcomes(ens, sim.ctx.urban)
    return out


def sweep(sim: Simulator, policies: Sequence[str], *, runs: int, months: int, seed: int = 0,
          chunks: int = 8, scheduler: str = "serial") -> dict[str, dict[str, np.ndarray]]:
    """Per-run outcomes ``{policy: {outcome: array (runs,)}}`` for a large ensemble.

    ``scheduler``: ``"serial"`` (in this process), ``"local"`` (a Dask ``LocalCluster`` of
    processes) or the address of an existing Dask scheduler (``tcp://host:8786``)."""
    for p in policies:
        compile_policy(sim.spec, p, terms=np.zeros((1, 3)))
    if chunks < 1 or runs < chunks:
        raise SarhadError(f"need 1 <= chunks <= runs, got chunks={chunks}, runs={runs}")
    seeds = np.random.SeedSequence(int(seed)).spawn(chunks)
    sizes = _chunk_sizes(int(runs), int(chunks))
    if scheduler == "serial":
        parts = [run_chunk(sim, list(policies), n, months, s) for n, s in zip(sizes, seeds,
                                                                                strict=True)]
    else:
        parts = _dask(sim, list(policies), sizes, months, seeds, scheduler)
    return {p: {k: np.concatenate([part[p][k] for part in parts]) for k in parts[0][p]}
            for p in policies}


def _dask(sim: Simulator, policies: list[str], sizes: list[int], months: int,
          seeds: list[np.random.SeedSequence], scheduler: str) -> list[Any]:
    from dask.distributed import Client, LocalCluster

    cluster = None
    try:
        if scheduler == "local":
            cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                   dashboard_address=":0")
            client = Client(cluster)
        else:
            client = Client(scheduler, timeout=10)
    except OSError as err:
        raise SarhadError(f"cannot reach the Dask scheduler {scheduler!r}: {err}") from None
    try:
        remote_sim = client.scatter(sim, broadcast=True)
        futs = [client.submit(run_chunk, remote_sim, policies, n, months, s, pure=False)
                for n, s in zip(sizes, seeds, strict=True)]
        return client.gather(futs)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
