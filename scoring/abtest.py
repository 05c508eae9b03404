"""A/B evaluation: did a campaign or retention play group do better than its control?

Three outcomes are compared, each optional: retention (a two-proportion z-test, or Fisher's exact
test when any expected cell count is below 5, where the normal approximation misleads), and revenue
and score change (Welch's t-test, which does not assume equal variances, with a CI of the difference
in means). The verdict is plain words and says "sample too small" rather than "no effect" when a
group has fewer than ``min_group`` customers: absence of evidence from 12 customers is not evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "ABResult",
    "MeanTest",
    "ProportionTest",
    "ab_test",
    "compare_means",
    "compare_proportions",
]


@dataclass(frozen=True)
class ProportionTest:
    n_a: int
    n_b: int
    rate_a: float
    rate_b: float
    difference: float  # rate_a − rate_b
    ci_low: float
    ci_high: float
    p_value: float
    method: str  # "two-proportion z-test" | "Fisher exact"


@dataclass(frozen=True)
class MeanTest:
    n_a: int
    n_b: int
    mean_a: float
    mean_b: float
    difference: float  # mean_a − mean_b
    ci_low: float
    ci_high: float
    p_value: float
    method: str = "Welch t-test"


def compare_proportions(
    successes_a: int, n_a: int, successes_b: int, n_b: int, confidence: float = 0.95
) -> ProportionTest:
    """Rate a vs rate b; the CI is the unpooled Wald interval of the difference."""
    if n_a < 1 or n_b < 1:
        raise ValueError(
            f"compare proportions: both groups need customers (got {n_a} and {n_b})"
        )
    for s, n, g in ((successes_a, n_a, "a"), (successes_b, n_b, "b")):
        if not 0 <= s <= n:
            raise ValueError(
                f"compare proportions: group {g} has {s} successes out of {n}"
            )
    pa, pb = successes_a / n_a, successes_b / n_b
    pooled = (successes_a + successes_b) / (n_a + n_b)
    table = np.array(
        [[successes_a, n_a - successes_a], [successes_b, n_b - successes_b]],
        dtype=np.float64,
    )
    expected = (
        table.sum(axis=1, keepdims=True)
        * table.sum(axis=0, keepdims=True)
        / table.sum()
    )
    if (expected < 5).any():
        p = float(stats.fisher_exact(table.astype(np.int64)).pvalue)
        method = "Fisher exact"
    else:
        se0 = np.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
        p = float(2 * stats.norm.sf(abs(pa - pb) / se0)) if se0 > 0 else 1.0
        method = "two-proportion z-test"
    z = stats.norm.ppf(0.5 + confidence / 2)
    se = np.sqrt(pa * (1 - pa) / n_a + pb * (1 - pb) / n_b)
    return ProportionTest(
        n_a, n_b, pa, pb, pa - pb, pa - pb - z * se, pa - pb + z * se, p, method
    )


def compare_means(a: np.ndarray, b: np.ndarray, confidence: float = 0.95) -> MeanTest:
    """Mean a vs mean b by Welch's t-test; NaNs are dropped; needs two values a group."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if len(a) < 2 or len(b) < 2:
        raise ValueError(
            f"compare means: each group needs at least 2 values (got {len(a)} and {len(b)})"
        )
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    diff = float(a.mean() - b.mean())
    se = float(np.sqrt(va + vb))
    if se == 0:
        return MeanTest(
            len(a),
            len(b),
            float(a.mean()),
            float(b.mean()),
            diff,
            diff,
            diff,
            1.0 if diff == 0 else 0.0,
        )
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    t = diff / se
    q = stats.t.ppf(0.5 + confidence / 2, df)
    return MeanTest(
        len(a),
        len(b),
        float(a.mean()),
        float(b.mean()),
        diff,
        diff - q * se,
        diff + q * se,
        float(2 * stats.t.sf(abs(t), df)),
    )


@dataclass(frozen=True)
class ABResult:
    treatment: str
    control: str
    retention: ProportionTest | None
    revenue: MeanTest | None
    score_change: MeanTest | None
    verdict: str


def _words(
    name: str, test: ProportionTest | MeanTest, alpha: float, scale: float, unit: str
) -> str:
    diff = test.difference * scale
    span = f"{test.ci_low * scale:+.2f} to {test.ci_high * scale:+.2f}{unit}"
    if test.p_value < alpha:
        way = "higher" if diff > 0 else "lower"
        return f"{name}: {way} by {abs(diff):.2f}{unit} in the treatment group (p = {test.p_value:.3g}; CI {span})."
    return f"{name}: no significant difference ({diff:+.2f}{unit}, p = {test.p_value:.3g}; CI {span})."


def ab_test(
    frame: pd.DataFrame,
    *,
    group: str = "group",
    treatment: str = "treatment",
    control: str = "control",
    alpha: float = 0.05,
    min_group: int = 30,
) -> ABResult:
    """Compare ``treatment`` with ``control`` rows of ``frame`` (one row per customer).

    Optional columns: ``retained`` (bool), ``revenue`` and ``score_change`` (numbers).
    """
    if group not in frame.columns:
        raise ValueError(
            f"A/B test: no {group!r} column saying which group each customer is in"
        )
    a, b = frame[frame[group] == treatment], frame[frame[group] == control]
    retention = revenue = change = None
    if "retained" in frame.columns:
        retention = (
            compare_proportions(
                int(a["retained"].astype(bool).sum()),
                len(a),
                int(b["retained"].astype(bool).sum()),
                len(b),
            )
            if len(a) and len(b)
            else None
        )
    if "revenue" in frame.columns and len(a) >= 2 and len(b) >= 2:
        revenue = compare_means(
            a["revenue"].to_numpy(np.float64), b["revenue"].to_numpy(np.float64)
        )
    if "score_change" in frame.columns and len(a) >= 2 and len(b) >= 2:
        change = compare_means(
            a["score_change"].to_numpy(np.float64),
            b["score_change"].to_numpy(np.float64),
        )
    lines = []
    if min(len(a), len(b)) < min_group:
        lines.append(
            f"Sample too small: {len(a)} treatment and {len(b)} control customers (at least {min_group} each are needed);"
            " the figures below cannot show an effect either way."
        )
    if retention is not None:
        lines.append(_words("Retention", retention, alpha, 100.0, " pts"))
    if revenue is not None:
        lines.append(_words("Revenue per customer", revenue, alpha, 1.0, ""))
    if change is not None:
        lines.append(_words("Score change", change, alpha, 1.0, ""))
    if len(lines) == (1 if min(len(a), len(b)) < min_group else 0):
        lines.append("No outcome to compare: give retained, revenue or score_change.")
    return ABResult(treatment, control, retention, revenue, change, " ".join(lines))
