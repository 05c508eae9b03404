"""The store's tables, in SQLAlchemy Core.

Two families live here:

* **Canonical CRM entities** (customers, contacts, leads, ...). Every connector maps into these and
  scoring reads only these. Each row is keyed by ``(source, external_id)`` — the CRM instance it came
  from and the id the CRM gave it — and carries the CRM's own modified time plus a JSON ``attributes``
  bag for every field the model does not name, so nothing a CRM sends is dropped. References between
  entities are stored as the *external* id of the target in the same source: a sync can deliver
  orders before their customer, and an orphan is something to report, not a load failure.
* **Run bookkeeping** (sync state, scoring runs, scores, indicator values, alerts, config versions).
  Scores are written per run and never overwritten, so history and trends come for free.

The column lists here are the contract; ``docs/data-model.md`` explains each field.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from store.types import UTCDateTime

__all__ = [
    "ENTITY_TABLES",
    "activities",
    "alerts",
    "api_keys",
    "campaigns",
    "cases",
    "config_versions",
    "contacts",
    "customers",
    "indicator_values",
    "jobs",
    "leads",
    "metadata",
    "opportunities",
    "order_lines",
    "orders",
    "quality_reports",
    "sample_truth",
    "scores",
    "scoring_runs",
    "survey_responses",
    "sync_runs",
    "sync_state",
    "writeback_state",
]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# A BIGINT primary key that SQLite still treats as its ROWID alias (autoincrement).
_PK = BigInteger().with_variant(Integer(), "sqlite")


def _ts(name: str, **kw: object) -> Column:
    return Column(name, UTCDateTime(), **kw)  # type: ignore[arg-type]


def _entity(name: str, *columns: Column) -> Table:
    """A canonical entity table: identity columns, the entity's own columns, then attributes."""
    return Table(
        name,
        metadata,
        Column("id", _PK, primary_key=True, autoincrement=True),
        Column("source", String(64), nullable=False),
        Column("external_id", String(128), nullable=False),
        *columns,
        _ts("modified_at"),
        Column("attributes", JSON, nullable=False, default=dict),
        _ts("loaded_at", nullable=False),
        UniqueConstraint("source", "external_id"),
    )


def _customer_ref() -> Column:
    return Column("customer_external_id", String(128), index=True)


customers = _entity(
    "customers",
    Column("name", String(255), nullable=False),
    Column("kind", String(16), nullable=False, default="company"),  # company | person
    Column("email", String(255)),
    Column("phone", String(64)),
    Column("country", String(64)),
    Column("industry", String(128)),
    Column("owner", String(128)),
    _ts("created_at"),
    Column("active", Boolean, nullable=False, default=True),
)
# The API's customer list sorted by name: (name, id) is its exact keyset order, so a page is an
# index walk from the cursor instead of a sort of every customer (0.6 ms instead of 400 ms on
# PostgreSQL at 100,000 customers).
Index("ix_customers_name_id", customers.c.name, customers.c.id)
# The same list sorted by external id: (external_id, id) is that order's keyset (the
# (source, external_id) unique constraint leads with source, so it cannot serve it).
Index("ix_customers_external_id_id", customers.c.external_id, customers.c.id)

contacts = _entity(
    "contacts",
    _customer_ref(),
    Column("name", String(255), nullable=False),
    Column("email", String(255)),
    Column("phone", String(64)),
    Column("title", String(128)),
)

campaigns = _entity(
    "campaigns",
    Column("name", String(255), nullable=False),
    Column("channel", String(64)),
    _ts("started_at"),
    _ts("ended_at"),
    Column("cost", Float),
)

leads = _entity(
    "leads",
    Column("name", String(255)),
    Column("status", String(32)),  # new | qualified | converted | lost
    Column("source_channel", String(64)),
    Column("campaign_external_id", String(128), index=True),
    _ts("created_at"),
    _ts("converted_at"),
    _customer_ref(),  # the customer the lead became, if converted
)

opportunities = _entity(
    "opportunities",
    _customer_ref(),
    Column("name", String(255)),
    Column("amount", Float),
    Column("stage", String(64)),
    Column("status", String(16)),  # open | won | lost
    _ts("created_at"),
    _ts("expected_close_at"),
    _ts("closed_at"),
)

orders = _entity(
    "orders",
    _customer_ref(),
    Column("kind", String(16), nullable=False, default="order"),  # order | invoice | refund
    _ts("ordered_at", nullable=False),
    Column("amount", Float, nullable=False),  # refunds are negative
    Column("currency", String(8)),
    Column("status", String(32)),
)

order_lines = _entity(
    "order_lines",
    Column("order_external_id", String(128), nullable=False, index=True),
    Column("product", String(255)),
    Column("category", String(128)),
    Column("quantity", Float),
    Column("amount", Float),
)

cases = _entity(
    "cases",
    _customer_ref(),
    Column("subject", String(255)),
    Column("priority", String(16)),  # low | medium | high | urgent
    Column("status", String(32)),
    Column("is_complaint", Boolean, nullable=False, default=False),
    _ts("opened_at", nullable=False),
    _ts("first_response_at"),
    _ts("closed_at"),
)

activities = _entity(
    "activities",
    _customer_ref(),
    Column("kind", String(16), nullable=False),  # call | meeting | email | task
    Column("direction", String(16)),  # inbound | outbound
    _ts("occurred_at", nullable=False),
)

survey_responses = _entity(
    "survey_responses",
    _customer_ref(),
    Column("survey", String(16), nullable=False),  # csat | nps
    Column("score", Float, nullable=False),
    Column("scale_min", Float, nullable=False),
    Column("scale_max", Float, nullable=False),
    _ts("responded_at", nullable=False),
)

# Ground truth written by the sample-CRM generator only: lets later work measure churn prediction
# against what really happened. Never read by scoring.
sample_truth = Table(
    "sample_truth",
    metadata,
    Column("source", String(64), primary_key=True),
    Column("customer_external_id", String(128), primary_key=True),
    Column("churned", Boolean, nullable=False),
    _ts("churned_at"),
    Column("churn_hazard", Float, nullable=False),
)

ENTITY_TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        customers,
        contacts,
        campaigns,
        leads,
        opportunities,
        orders,
        order_lines,
        cases,
        activities,
        survey_responses,
    )
}

# ---- run bookkeeping -------------------------------------------------------------------------

sync_state = Table(
    "sync_state",
    metadata,
    Column("source", String(64), primary_key=True),
    Column("stream", String(64), primary_key=True),
    _ts("cursor"),
    Column("ids_at_cursor", JSON, nullable=False, default=list),
    _ts("updated_at", nullable=False),
    # Where an unfinished sync window stands (its bounds and the adapter's page position), the
    # boundary ids of the previous window and when ids were last reconciled: see connector/state.py.
    Column("progress", JSON, nullable=False, default=dict),
)

sync_runs = Table(
    "sync_runs",
    metadata,
    Column("id", _PK, primary_key=True, autoincrement=True),
    Column("source", String(64), nullable=False),
    Column("status", String(16), nullable=False),  # running | succeeded | failed
    _ts("started_at", nullable=False),
    _ts("finished_at"),
    Column("counts", JSON, nullable=False, default=dict),
    Column("errors", JSON, nullable=False, default=list),
)

# What crmscore last wrote into each CRM record's score fields, so a write-back sends only what
# changed and the sync can recognise the echo of its own writes (connector/writeback.py).
writeback_state = Table(
    "writeback_state",
    metadata,
    Column("source", String(64), primary_key=True),
    Column("entity", String(32), primary_key=True),
    Column("external_id", String(128), primary_key=True),
    Column("values", JSON, nullable=False, default=dict),
    _ts("written_at", nullable=False),
)

# The data-quality report computed after each sync (connector/quality.py): summary counts and
# the first findings of each kind, kept per sync run for the CLI and the API.
quality_reports = Table(
    "quality_reports",
    metadata,
    Column("id", _PK, primary_key=True, autoincrement=True),
    Column("sync_run_id", _PK, ForeignKey("sync_runs.id", ondelete="CASCADE"), index=True),
    Column("source", String(64), nullable=False),
    _ts("created_at", nullable=False),
    Column("summary", JSON, nullable=False, default=dict),
    Column("findings", JSON, nullable=False, default=list),
)

config_versions = Table(
    "config_versions",
    metadata,
    Column("id", _PK, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False),
    Column("body", JSON, nullable=False),
    Column("checksum", String(64), nullable=False, index=True),
    Column("author", String(128)),
    Column("comment", Text),
    _ts("created_at", nullable=False),
    Column("active", Boolean, nullable=False, default=False),
)

scoring_runs = Table(
    "scoring_runs",
    metadata,
    Column("id", _PK, primary_key=True, autoincrement=True),
    Column("status", String(16), nullable=False),  # running | succeeded | failed
    Column("config_version_id", _PK, ForeignKey("config_versions.id"), nullable=False),
    _ts("as_of", nullable=False),
    _ts("started_at", nullable=False),
    _ts("finished_at"),
    Column("customers_scored", Integer, nullable=False, default=0),
    Column("error", Text),
    # The churn model applied in this run and what its probability means (None: no model was
    # applied, so the run's scores carry no churn risk); ``churn_note`` says why not, or which
    # customers were left without a risk.
    Column("churn_model_version", Integer),
    Column("churn_definition", Text),
    Column("churn_note", Text),
)

scores = Table(
    "scores",
    metadata,
    Column("run_id", _PK, ForeignKey("scoring_runs.id", ondelete="CASCADE"), primary_key=True),
    Column("customer_id", _PK, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True),
    Column("health_score", Float),
    Column("band", String(64)),
    Column("segment", String(64)),
    Column("r_score", Integer),
    Column("f_score", Integer),
    Column("m_score", Integer),
    # Probability of churning within the model's horizon (None: no model in the run, or the
    # customer lacked a feature the model needs) and the model's own top drivers up and down.
    Column("churn_risk", Float),
    Column("churn_drivers", JSON),
    # The key of the config scorecard whose weights and bands produced this score and band (None:
    # not scored). Last, as migration 0007 added it.
    Column("scorecard", String(64)),
    Index("ix_scores_run_health", "run_id", "health_score", "customer_id"),
)

indicator_values = Table(
    "indicator_values",
    metadata,
    Column("run_id", _PK, ForeignKey("scoring_runs.id", ondelete="CASCADE"), primary_key=True),
    Column("customer_id", _PK, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(64), primary_key=True),
    Column("value", Float),  # the raw indicator value (None when missing)
    Column("score", Float),  # normalised 0..100 (None when missing)
    Column("points", Float),  # points this indicator added (+) or removed (-) around the neutral 50
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", _PK, primary_key=True, autoincrement=True),
    Column("run_id", _PK, ForeignKey("scoring_runs.id", ondelete="CASCADE")),
    Column("customer_id", _PK, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    Column("rule", String(128), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("message", Text, nullable=False),
    Column("status", String(16), nullable=False, default="open"),  # open | acknowledged | resolved
    _ts("raised_at", nullable=False),
    # A customer's newest alerts (the API's per-customer alert lists, batched for a whole page).
    Index("ix_alerts_customer_id_id", "customer_id", "id"),
)

# ---- API access and background jobs ----------------------------------------------------------

# API keys: only a SHA-256 of the key is stored; ``prefix`` is the non-secret part of the key used
# to find the row, so a leaked database gives no usable key. Revoked keys stay for the audit trail.
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", _PK, primary_key=True, autoincrement=True),
    Column("prefix", String(32), nullable=False, unique=True),
    Column("key_hash", String(64), nullable=False),
    Column("name", String(128), nullable=False),
    Column("role", String(16), nullable=False),  # viewer | admin
    Column("source", String(64)),  # when set, the key sees only customers of this source
    _ts("created_at", nullable=False),
    _ts("last_used_at"),
    _ts("revoked_at"),
)

# Long operations started through the API (scoring, sync, write-back): one row per job, updated with
# its progress so any API process can answer "how far is it" after a restart or from another host.
jobs = Table(
    "jobs",
    metadata,
    Column("id", _PK, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),  # scoring | sync | write_back
    Column("status", String(16), nullable=False),  # queued | running | succeeded | failed
    Column("progress", Float, nullable=False, default=0.0),  # 0..1
    Column("message", Text),
    Column("params", JSON, nullable=False, default=dict),
    Column("result", JSON, nullable=False, default=dict),
    Column("error", Text),
    Column("requested_by", String(128)),
    _ts("created_at", nullable=False),
    _ts("started_at"),
    _ts("finished_at"),
    Index("ix_jobs_status_id", "status", "id"),
)
