"""A seeded, deterministic sample CRM with realistic churn dynamics, written as per-entity files.

It lets every later stage (file source, scoring, GraphQL) run on data whose true churn outcome is
known — ``sample_truth.csv`` records it — without any real customer data.
"""

from crmscore.sample.generator import (
    CHUNK_CUSTOMERS,
    DEFAULT_AS_OF,
    SampleSummary,
    generate,
)
from crmscore.sample.writer import ENTITIES, canonical_columns

__all__ = ["CHUNK_CUSTOMERS", "DEFAULT_AS_OF", "ENTITIES", "SampleSummary", "canonical_columns", "generate"]
