"""Portfolio KPIs by period: acquisition (leads, conversion, CAC, campaign ROI, CLV/CAC) and retention
(churn, retention, win-back success, retention cost, repurchase).

Pure functions over plain DataFrames and a :class:`Period`; the column contract of each input is in
``scoring.kpis.inputs`` and the formulas in docs/indicators.md ("Portfolio KPIs").
"""

from scoring.kpis.acquisition import (
    cac,
    campaign_spend,
    clv_to_cac,
    lead_conversion_rate,
    leads_count,
    marketing_roi,
)
from scoring.kpis.periods import Period, periods
from scoring.kpis.retention import (
    RetentionCounts,
    active_customers,
    churn_rate,
    first_purchases,
    new_customers,
    repurchase_rate,
    retention_cost,
    retention_counts,
    retention_rate,
    win_back_rate,
)
from scoring.kpis.table import kpi_table

__all__ = [
    "Period",
    "RetentionCounts",
    "active_customers",
    "cac",
    "campaign_spend",
    "churn_rate",
    "clv_to_cac",
    "first_purchases",
    "kpi_table",
    "lead_conversion_rate",
    "leads_count",
    "marketing_roi",
    "new_customers",
    "periods",
    "repurchase_rate",
    "retention_cost",
    "retention_counts",
    "retention_rate",
    "win_back_rate",
]
