"""The CDNOW sample as the CLV tests' common ground: raw orders, their summary, and the fits.

Everything is rebuilt from the RAW ``CDNOW_sample.txt`` (2,357 customers, 6,919 orders), the data set
of Fader, Hardie & Lee (2005), so each published number is reproduced end to end: order
aggregation, estimation and prediction. Calibration is weeks 1–39 (to 1997-09-30), the holdout
weeks 40–78 (to 1998-06-30). The fits are session-scoped because several modules read them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from scoring.clv import (
    BGNBD,
    FitResult,
    GammaGamma,
    ParetoNBD,
    fit_bgnbd,
    fit_gamma_gamma,
    fit_paretonbd,
    rfm_summary,
)

DATASETS = Path(__file__).resolve().parents[3].parent / "shared" / "datasets"
CALIBRATION_END = "1997-09-30"
OBSERVATION_END = "1998-06-30"


def read_cdnow_sample() -> pd.DataFrame:
    """The raw file: master id, sample id (1…2,357, the ID of the shipped summaries), date, CDs, dollars."""
    raw = pd.read_csv(
        DATASETS / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "customer", "date", "cds", "amount"],
        dtype={"date": str},
    )
    raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    return raw


@pytest.fixture(scope="session")
def cdnow_orders() -> pd.DataFrame:
    return read_cdnow_sample()


@pytest.fixture(scope="session")
def cdnow(cdnow_orders: pd.DataFrame) -> pd.DataFrame:
    """(x, t_x, T, zbar) in weeks plus the holdout's x_star, one row per customer."""
    return rfm_summary(
        cdnow_orders, "customer", "date", "amount", CALIBRATION_END, observation_end=OBSERVATION_END
    )


@pytest.fixture(scope="session")
def published_summary() -> pd.DataFrame:
    return pd.read_csv(DATASETS / "cdnow_customers_summary_with_transactions.csv", index_col="ID")


@pytest.fixture(scope="session")
def bgnbd_fit(cdnow: pd.DataFrame) -> FitResult[BGNBD]:
    return fit_bgnbd(cdnow["x"], cdnow["t_x"], cdnow["T"])


@pytest.fixture(scope="session")
def paretonbd_fit(cdnow: pd.DataFrame) -> FitResult[ParetoNBD]:
    return fit_paretonbd(cdnow["x"], cdnow["t_x"], cdnow["T"])


@pytest.fixture(scope="session")
def gamma_gamma_fit(cdnow: pd.DataFrame) -> FitResult[GammaGamma]:
    return fit_gamma_gamma(cdnow["x"], cdnow["zbar"])
