"""Fits that cannot be trusted say so: boundary, non-convergence and unidentified data are never plain numbers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from scoring.clv import FitError, FitResult, fit_bgnbd, fit_paretonbd
from scoring.clv.fitting import maximise_likelihood


@pytest.mark.parametrize("fit", [fit_bgnbd, fit_paretonbd], ids=["BG/NBD", "Pareto/NBD"])
def test_when_nobody_repeats_the_fit_fails_as_not_identified_with_nan_parameters(fit) -> None:  # type: ignore[no-untyped-def]
    T = np.linspace(10, 39, 200)
    with pytest.raises(FitError, match="nobody made a repeat purchase") as caught:
        fit(np.zeros(200), np.zeros(200), T)
    result = caught.value.result
    assert result.status == "not_identified" and not result.ok
    assert all(np.isnan(v) for v in vars(result.params).values())


@pytest.mark.parametrize("fit", [fit_bgnbd, fit_paretonbd], ids=["BG/NBD", "Pareto/NBD"])
def test_when_nobody_ever_drops_out_the_fit_ends_on_a_boundary_and_names_the_runaway_parameters(fit) -> None:  # type: ignore[no-untyped-def]
    # Everyone buys every week up to the last one: no sign of dropout, and no heterogeneity in rate.
    x, t_x, T = np.full(100, 38.0), np.full(100, 38.0), np.full(100, 39.0)
    with pytest.raises(FitError, match="ran off to a boundary") as caught:
        fit(x, t_x, T)
    result = caught.value.result
    assert result.status == "boundary" and not result.ok
    assert result.warnings and "→" in result.warnings[0]
    # Every start was tried, and none found an interior peak.
    statuses = [attempt["status"] for attempt in result.diagnostics["starts"]]
    assert len(statuses) == 3 and "converged" not in statuses


def test_an_optimiser_that_runs_out_of_iterations_is_reported_as_not_converged() -> None:
    # A likelihood whose optimum is far from the start, with a gradient too weak to get there in
    # one L-BFGS-B run at the bounds it is given: rosenbrock in log space.
    def objective(theta: np.ndarray) -> float:
        a, b = theta
        return float(100 * (b - a**2) ** 2 + (1 - a) ** 2)

    result = maximise_likelihood(
        model="toy", names=("p", "q"), objective=objective, starts=[(np.exp(-1.2), np.exp(1.0))],
        make_params=lambda p: p, n=1, n_eff=1.0, raise_on_failure=False, max_iterations=3,
    )
    assert result.status == "not_converged" and not result.converged
    assert "without converging" in result.warnings[0]


def test_a_fit_result_is_json_serialisable(bgnbd_fit: FitResult) -> None:
    report = json.loads(json.dumps(bgnbd_fit.to_dict()))
    assert report["status"] == "converged" and report["params"]["r"] == pytest.approx(bgnbd_fit.params.r)
