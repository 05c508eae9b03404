"""Maximum likelihood shared by every CLV model, and the result it returns.

All models are fitted on log-parameters with L-BFGS-B, so positivity needs no constraint and the
optimiser sees a better-scaled surface. The objective is the *mean* negative log-likelihood so
tolerances mean the same thing for 2,000 and for 1,000,000 customers.

The point of this module is that a fit never hands back numbers that only look like an answer:
a parameter that runs off towards 0 or infinity (the classic symptom of data that cannot identify
the model) gives status ``"boundary"``; an optimiser that stops without meeting its tolerances
gives ``"not_converged"``; a stationary point that is not a proper peak (Hessian not positive
definite), or data that identify nothing at all (nobody repeats), give ``"not_identified"``. Each
raises :class:`FitError` unless the caller asks for the result anyway, in which case ``status`` and
``warnings`` say what is wrong.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize

from scoring.clv.errors import FitError

__all__ = ["FitResult", "FitStatus", "maximise_likelihood", "unidentified", "wdot"]

P = TypeVar("P")
FitStatus = Literal["converged", "boundary", "not_converged", "not_identified"]
FloatArray = NDArray[np.float64]

#: Hard optimiser bounds on every log-parameter (1e-8 … 1e8).
LOG_BOUND = math.log(1e8)
#: A log-parameter beyond this (1e-6 … 1e6) is treated as having run off to 0 or infinity.
LOG_BOUNDARY = math.log(1e6)
#: Projected-gradient norm (of the mean log-likelihood) below which a stopped optimiser is at an optimum.
GRADIENT_TOLERANCE = 1e-5
#: A Hessian condition number beyond this means a direction the data does not pin down.
MAX_CONDITION = 1e10


@dataclass(frozen=True)
class FitResult(Generic[P]):
    """One maximum-likelihood fit: the parameters and everything needed to judge them.

    ``log_likelihood`` is the paper's total log-likelihood (comparable with published values), not
    a rescaled one. ``converged`` is the optimiser's own verdict; ``status`` adds whether the point
    is an interior, well-defined peak — read ``ok``. ``diagnostics`` holds the optimiser message,
    gradient norm, standard errors and every start that was tried.
    """

    model: str
    params: P
    log_likelihood: float
    n: int
    converged: bool
    iterations: int
    status: FitStatus
    warnings: tuple[str, ...] = ()
    diagnostics: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the fit converged to an interior optimum (warnings may still be present)."""
        return self.status == "converged"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (used by the CLI)."""
        return {
            "model": self.model,
            "params": {k: float(v) for k, v in vars(self.params).items()},  # NaN when not identified
            "log_likelihood": self.log_likelihood,
            "n": self.n,
            "converged": self.converged,
            "iterations": self.iterations,
            "status": self.status,
            "warnings": list(self.warnings),
            "diagnostics": dict(self.diagnostics),
        }


def wdot(u: FloatArray, v: FloatArray) -> float:
    """Σ u·v for 1-D arrays; einsum, because it beats BLAS ``dot`` severalfold on one thread here."""
    return float(np.einsum("i,i->", u, v))


Objective = Callable[[FloatArray], float]
Gradient = Callable[[FloatArray], FloatArray]
ValueAndGradient = Callable[[FloatArray], tuple[float, FloatArray]]


def _central_gradient(fn: Objective, step: float = 1e-6) -> Gradient:
    def gradient(theta: FloatArray) -> FloatArray:
        out = np.empty_like(theta)
        for j in range(len(theta)):
            e = np.zeros_like(theta)
            e[j] = step
            out[j] = (fn(theta + e) - fn(theta - e)) / (2 * step)
        return out

    return gradient


def _hessian(gradient: Gradient, theta: FloatArray, step: float = 1e-5) -> FloatArray:
    k = len(theta)
    h = np.empty((k, k))
    for j in range(k):
        e = np.zeros(k)
        e[j] = step
        h[:, j] = (gradient(theta + e) - gradient(theta - e)) / (2 * step)
    return (h + h.T) / 2


def _standard_errors(
    hessian: FloatArray, theta: FloatArray, names: Sequence[str], n_eff: float
) -> tuple[dict[str, float] | None, float | None, str | None]:
    """Standard errors of the natural parameters from the observed information (delta method).

    Returns a problem description instead when the optimum is not a well-defined peak.
    """
    if not np.all(np.isfinite(hessian)):
        return None, None, "the Hessian at the optimum is not finite"
    eig = np.linalg.eigvalsh(hessian)
    if eig.min() <= 0 or eig.max() / eig.min() > MAX_CONDITION:
        return None, None, (
            "the log-likelihood is flat in some direction at the optimum (Hessian not positive "
            f"definite, eigenvalues {eig.min():.3g} … {eig.max():.3g}); the data do not identify the parameters"
        )
    cov = np.linalg.inv(hessian * n_eff)
    se = np.exp(theta) * np.sqrt(np.diag(cov))
    return {name: float(v) for name, v in zip(names, se, strict=True)}, float(eig.max() / eig.min()), None


class _Attempt:
    """One L-BFGS-B run from one start, classified."""

    def __init__(self, start: tuple[float, ...], res: Any) -> None:
        self.start = start
        self.res = res
        self.theta = np.asarray(res.x, dtype=np.float64)
        self.gradient_norm = float(np.max(np.abs(res.jac))) if res.jac is not None else math.inf
        finite = bool(math.isfinite(res.fun) and res.fun < 1e300)
        self.optimiser_converged = finite and bool(res.success or self.gradient_norm < GRADIENT_TOLERANCE)
        self.status: FitStatus = (
            "boundary" if np.any(np.abs(self.theta) >= LOG_BOUNDARY)
            else "converged" if self.optimiser_converged else "not_converged"
        )
        self.se: dict[str, float] | None = None
        self.condition: float | None = None
        self.problem: str | None = None

    def record(self, names: Sequence[str], n_eff: float) -> dict[str, Any]:
        return {
            "start": dict(zip(names, self.start, strict=True)),
            "log_likelihood": float(-self.res.fun * n_eff) if self.res.fun < 1e300 else None,
            "status": self.status,
            "iterations": int(self.res.nit),
            "message": str(self.res.message),
        }


def maximise_likelihood(
    *,
    model: str,
    names: Sequence[str],
    objective: Objective,
    starts: Sequence[Sequence[float]],
    make_params: Callable[[FloatArray], P],
    n: int,
    n_eff: float,
    value_and_gradient: ValueAndGradient | None = None,
    raise_on_failure: bool = True,
    extra_diagnostics: Mapping[str, Any] | None = None,
    max_iterations: int = 2000,
) -> FitResult[P]:
    """Minimise the mean negative log-likelihood ``objective`` over log-parameters.

    ``value_and_gradient`` is an analytic alternative to central differences of ``objective``.
    ``starts`` are natural-scale parameter vectors tried in order until one converges to an
    interior optimum with a positive-definite Hessian; every attempt is kept in the diagnostics.
    ``n_eff`` is the total weight, so ``-objective * n_eff`` is the total log-likelihood.
    """
    numeric = _central_gradient(objective)
    vg: ValueAndGradient = value_and_gradient or (lambda theta: (objective(theta), numeric(theta)))
    # Differencing a numerical gradient needs a wider step for a stable Hessian.
    hessian_step = 1e-5 if value_and_gradient is not None else 1e-3

    def grad(theta: FloatArray) -> FloatArray:
        return vg(theta)[1]

    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(names)

    def fun(theta: FloatArray) -> tuple[float, FloatArray]:
        with np.errstate(all="ignore"):
            value, g = vg(theta)
        if not (math.isfinite(value) and np.all(np.isfinite(g))):
            return 1e300, np.zeros_like(theta)
        return float(value), g

    attempts: list[_Attempt] = []
    for start in starts:
        res = minimize(
            fun, np.log(np.asarray(start, dtype=np.float64)), jac=True, method="L-BFGS-B", bounds=bounds,
            options={"maxiter": max_iterations, "ftol": 1e-14, "gtol": 1e-9, "maxcor": 20},
        )
        attempt = _Attempt(tuple(map(float, start)), res)
        if attempt.status == "converged":
            # A stationary point is only an answer if it is a proper peak; otherwise try the next start.
            with np.errstate(all="ignore"):
                hessian = _hessian(grad, attempt.theta, hessian_step)
            attempt.se, attempt.condition, attempt.problem = _standard_errors(hessian, attempt.theta, names, n_eff)
            if attempt.problem is not None:
                attempt.status = "not_identified"
        attempts.append(attempt)
        if attempt.status == "converged":
            break
    if not attempts:
        raise ValueError("maximise_likelihood needs at least one start")
    best = min(attempts, key=lambda a: (a.status != "converged", a.res.fun))
    res, status, theta = best.res, best.status, best.theta
    params = make_params(np.exp(theta))
    warnings: list[str] = []
    if status == "boundary":
        ran_off = [
            f"{nm}={math.exp(t):.3g} ({'→ 0' if t < 0 else '→ ∞'})"
            for nm, t in zip(names, theta, strict=True) if abs(t) >= LOG_BOUNDARY
        ]
        warnings.append(
            f"{model}: parameters ran off to a boundary ({', '.join(ran_off)}); the data cannot identify "
            "the model (too few customers, or too few repeat purchases)"
        )
    elif status == "not_converged":
        warnings.append(
            f"{model}: the optimiser stopped without converging ({res.message}); gradient norm {best.gradient_norm:.2g}"
        )
    elif status == "not_identified":
        warnings.append(f"{model}: {best.problem}")
    diagnostics: dict[str, Any] = {
        "optimizer": "L-BFGS-B on log-parameters",
        "message": str(res.message),
        "gradient_norm": best.gradient_norm,
        "function_evaluations": int(res.nfev),
        "standard_errors": best.se,
        "hessian_condition": best.condition,
        "starts": [a.record(names, n_eff) for a in attempts],
        **(extra_diagnostics or {}),
    }
    ll = -float(res.fun) * n_eff if res.fun < 1e300 else -math.inf
    result: FitResult[P] = FitResult(
        model=model,
        params=params,
        log_likelihood=float(ll),
        n=n,
        converged=best.optimiser_converged,
        iterations=int(res.nit),
        status=status,
        warnings=tuple(warnings),
        diagnostics=diagnostics,
    )
    if raise_on_failure and status != "converged":
        raise FitError("; ".join(warnings), result)
    return result


def unidentified(
    *,
    model: str,
    names: Sequence[str],
    make_params: Callable[[FloatArray], P],
    n: int,
    reason: str,
    raise_on_failure: bool = True,
) -> FitResult[P]:
    """The result for data that cannot identify the model at all, known before any optimisation.

    Parameters are NaN (so no downstream number can look valid) and ``status`` is ``"not_identified"``.
    """
    result: FitResult[P] = FitResult(
        model=model,
        params=make_params(np.full(len(names), np.nan)),
        log_likelihood=math.nan,
        n=n,
        converged=False,
        iterations=0,
        status="not_identified",
        warnings=(f"{model}: {reason}",),
        diagnostics={"optimizer": "not run"},
    )
    if raise_on_failure:
        raise FitError(result.warnings[0], result)
    return result
