"""Customer lifetime value: BTYD models fitted by maximum likelihood, and the simple formulas.

Pure like the rest of ``scoring``: DataFrames and arrays in, results out, no files. The usual path is
``rfm_summary(orders, ...)`` → ``fit_bgnbd`` / ``fit_paretonbd`` and ``fit_gamma_gamma`` →
``customer_lifetime_value``. Every fit returns a :class:`FitResult` whose ``status`` says whether
the optimum is interior and converged; a fit that is not raises :class:`FitError` by default.
"""

from scoring.clv.bgnbd import BGNBD, fit_bgnbd
from scoring.clv.errors import CLVInputError, FitError
from scoring.clv.fitting import FitResult, FitStatus
from scoring.clv.gammagamma import GammaGamma, fit_gamma_gamma
from scoring.clv.paretonbd import ParetoNBD, fit_paretonbd
from scoring.clv.simple import (
    CLV_METHODS,
    historical_clv,
    retention_clv,
    retention_margin_multiple,
)
from scoring.clv.summary import rfm_summary
from scoring.clv.value import customer_lifetime_value

__all__ = [
    "BGNBD",
    "CLV_METHODS",
    "CLVInputError",
    "FitError",
    "FitResult",
    "FitStatus",
    "GammaGamma",
    "ParetoNBD",
    "customer_lifetime_value",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "fit_paretonbd",
    "historical_clv",
    "retention_clv",
    "retention_margin_multiple",
    "rfm_summary",
]
