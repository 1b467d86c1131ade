from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def sim(bundled_scenario):
    from sarhad.simulate.engine import Simulator

    return Simulator(bundled_scenario)
