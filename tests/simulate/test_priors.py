"""The simulation section: validation with file and line, prior sampling, no post-2021 dates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sarhad.errors import ValidationFailed
from sarhad.kb import load_scenario
from sarhad.simulate.priors import PARAMETER_NAMES, Prior, load_spec, sample_parameters

BUNDLED = Path(__file__).resolve().parents[2] / "src/sarhad/scenarios/pakistan_ttp_2021"


def test_bundled_section_is_valid_and_sourced(bundled_scenario):
    spec = load_spec(bundled_scenario)
    assert set(spec.parameters) == set(PARAMETER_NAMES)
    for p in spec.parameters.values():
        assert p.cites and len(p.reason) > 8
    assert spec.origin <= "2021-12"
    assert "status-quo" in spec.policies


def test_no_date_after_2021_in_the_section():
    import re

    text = (BUNDLED / "20-simulation.yaml").read_text()
    years = [int(y) for y in re.findall(r"\b(20\d\d)\b", text)]
    assert years and max(years) <= 2021


def _layer(tmp_path, text: str):
    """A scenario directory with the bundled system file and a modified simulation file."""
    import shutil

    shutil.copy(BUNDLED / "00-system.yaml", tmp_path / "00-system.yaml")
    f = tmp_path / "20-simulation.yaml"
    f.write_text(text)
    return load_scenario([str(tmp_path)]), f


def test_problems_are_reported_with_file_and_line(tmp_path):
    import yaml

    raw = yaml.safe_load((BUNDLED / "20-simulation.yaml").read_text())
    raw["simulation"]["parameters"]["deal_gain"]["prior"] = {"dist": "beta", "a": -1, "b": 2}
    raw["simulation"]["policies"]["talks"]["taliban"] = "hug"
    scn, f = _layer(tmp_path, yaml.safe_dump(raw, sort_keys=False))
    with pytest.raises(ValidationFailed) as err:
        load_spec(scn)
    msg = str(err.value)
    assert str(f) in msg
    assert "simulation.parameters.deal_gain.prior" in msg
    assert "simulation.policies.talks.taliban" in msg
    assert len(err.value.problems) == 2
    lines = [p.line for p in err.value.problems]
    assert all(isinstance(n, int) and n > 0 for n in lines)


def test_unknown_parameter_and_missing_prior(tmp_path):
    import yaml

    raw = yaml.safe_load((BUNDLED / "20-simulation.yaml").read_text())
    params = raw["simulation"]["parameters"]
    params["typo_param"] = params.pop("aq_gain")
    scn, f = _layer(tmp_path, yaml.safe_dump(raw, sort_keys=False))
    with pytest.raises(ValidationFailed) as err:
        load_spec(scn)
    text = str(err.value)
    assert "'aq_gain' has no prior" in text and "unknown parameter 'typo_param'" in text


def test_probability_parameters_need_unit_priors(tmp_path):
    import yaml

    raw = yaml.safe_load((BUNDLED / "20-simulation.yaml").read_text())
    raw["simulation"]["parameters"]["split_prob"]["prior"] = {"dist": "normal", "mean": 0.2,
                                                              "sd": 0.1}
    scn, _ = _layer(tmp_path, yaml.safe_dump(raw, sort_keys=False))
    with pytest.raises(ValidationFailed, match="split_prob is a probability"):
        load_spec(scn)


@pytest.mark.parametrize("prior,dist", [
    ({"dist": "beta", "a": 2.0, "b": 5.0}, stats.beta(2, 5)),
    ({"dist": "uniform", "low": -1.0, "high": 3.0}, stats.uniform(-1, 4)),
    ({"dist": "normal", "mean": 1.0, "sd": 0.5}, stats.norm(1, 0.5)),
    ({"dist": "lognormal", "median": 2.0, "sigma": 0.3}, stats.lognorm(0.3, scale=2.0)),
])
def test_prior_draws_follow_their_distribution(prior, dist):
    p = Prior.model_validate(prior)
    x = p.sample(20000, np.random.default_rng(0))
    assert stats.kstest(x, dist.cdf).pvalue > 0.001
    lo, hi = p.interval(0.9)
    assert lo == pytest.approx(dist.ppf(0.05)) and hi == pytest.approx(dist.ppf(0.95))


def test_posterior_draws_replace_priors_jointly(bundled_scenario):
    spec = load_spec(bundled_scenario)
    post = {"sanctuary_effect": np.array([5.0, 6.0]), "ceasefire_effect": np.array([50.0, 60.0])}
    p = sample_parameters(spec, 200, np.random.default_rng(1), posterior=post)
    assert set(np.unique(p["sanctuary_effect"])) == {5.0, 6.0}
    # joint rows: 5 goes with 50 and 6 with 60
    np.testing.assert_array_equal(p["ceasefire_effect"], p["sanctuary_effect"] * 10)
