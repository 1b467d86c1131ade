"""The vectorised engine against a scalar transcription of the method (tests/bargain/slow_smp)."""

from __future__ import annotations

import numpy as np
import pytest
from tests.bargain import slow_smp

from sarhad.bargain import SMPInput, SpatialModel


def _problem(seed: int, n: int = 6, d: int = 2) -> SMPInput:
    rng = np.random.default_rng(seed)
    sal = rng.uniform(5, 90 / d, (n, d)).round(2)
    return SMPInput(name=f"random-{seed}", description="", actors=[f"a{i}" for i in range(n)],
                    dimensions=[f"d{k}" for k in range(d)],
                    power=rng.uniform(10, 100, n).round(1),
                    position=rng.uniform(0, 100, (n, d)).round(1), salience=sal)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("kw", [{}, {"voting_rule": "PropBin"}, {"big_r_range": "Max"},
                                {"big_r_adjust": "Half"}, {"third_party_commit": "NoCommit"},
                                {"inter_vec_bargain": "S1P1"}, {"inter_vec_bargain": "S2PMax"}])
def test_engine_equals_scalar_transcription(seed, kw) -> None:
    p = _problem(seed, n=5 + seed % 3, d=1 + seed % 3)
    m = SpatialModel(**kw).fit(p)
    slow_kw = {{"voting_rule": "rule", "big_r_range": "rr", "big_r_adjust": "ra",
                "third_party_commit": "tpc", "inter_vec_bargain": "ivb"}[k]: v
               for k, v in kw.items()}
    final, states = slow_smp.run((p.position / 100).tolist(), p.power.tolist(),
                                 (p.salience / 100).tolist(), **slow_kw)
    assert m.n_states_ == states
    np.testing.assert_allclose(m.positions_[-1] / 100, final, atol=1e-6)
