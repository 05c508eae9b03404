"""The repurchase rate reproduces the published CDNOW figure from the raw order file.

scoring-references.md §5.3: over CDNOW weeks 1–39 (1997-01-01 … 1997-09-30), 946 of the 2,357
customers bought at least twice: 40.1 %. Same-day orders are one purchase; counting order rows
instead gives 959 and would miss the published number.
"""

from __future__ import annotations

import pandas as pd
import pytest

from scoring.kpis import Period, repurchase_rate
from tests.scoring.clv.conftest import read_cdnow_sample


@pytest.fixture(scope="module")
def cdnow_orders() -> pd.DataFrame:
    raw = read_cdnow_sample()
    return pd.DataFrame(
        {
            "customer_id": raw["customer"].astype("int64"),
            "ordered_at": raw["date"].dt.tz_localize("UTC").astype("datetime64[us, UTC]"),
            "amount": raw["amount"].astype("float64"),
            "kind": pd.Series("order", index=raw.index, dtype="str"),
        }
    )


def test_cdnow_weeks_1_to_39_have_946_repeat_buyers_of_2357_customers(cdnow_orders: pd.DataFrame) -> None:
    # Orders are dated at midnight; periods are start < t <= end, so start the day before week 1.
    weeks_1_39 = Period(pd.Timestamp("1996-12-31", tz="UTC"), pd.Timestamp("1997-09-30", tz="UTC"))
    rate = repurchase_rate(cdnow_orders, weeks_1_39)
    assert rate == pytest.approx(100 * 946 / 2357)
    assert round(rate, 1) == 40.1
