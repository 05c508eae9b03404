"""Portfolio KPIs by period: acquisition (leads, conversion, CAC, campaign ROI, CLV/CAC), retention
(churn, retention, win-back success, retention cost, repurchase, cohort curves), value (revenue, ARPU)
and satisfaction (CSAT, NPS, complaints), for the whole portfolio or one segment.

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
from scoring.kpis.cohorts import COHORT_COLUMNS, cohort_retention
from scoring.kpis.inputs import KPI_INPUT_COLUMNS, KpiInputs, segment_customers
from scoring.kpis.periods import (
    PERIOD_KINDS,
    Period,
    calendar_periods,
    period_label,
    periods,
)
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
from scoring.kpis.satisfaction import (
    complaint_count,
    complaint_rate,
    period_csat,
    period_nps,
)
from scoring.kpis.table import KPI_COLUMNS, WHOLE_PORTFOLIO_ONLY, kpi_table
from scoring.kpis.value import arpu, revenue

__all__ = [
    "COHORT_COLUMNS",
    "KPI_COLUMNS",
    "KPI_INPUT_COLUMNS",
    "PERIOD_KINDS",
    "WHOLE_PORTFOLIO_ONLY",
    "KpiInputs",
    "Period",
    "RetentionCounts",
    "active_customers",
    "arpu",
    "cac",
    "calendar_periods",
    "campaign_spend",
    "churn_rate",
    "clv_to_cac",
    "cohort_retention",
    "complaint_count",
    "complaint_rate",
    "first_purchases",
    "kpi_table",
    "lead_conversion_rate",
    "leads_count",
    "marketing_roi",
    "new_customers",
    "period_csat",
    "period_label",
    "period_nps",
    "periods",
    "repurchase_rate",
    "retention_cost",
    "retention_counts",
    "retention_rate",
    "revenue",
    "segment_customers",
    "win_back_rate",
]
