"""The data-quality report computed after every sync: what in the CRM's data will mislead the scores.

Four kinds of findings, each counted in ``summary`` and listed (the first :data:`MAX_FINDINGS` per
kind) in ``findings``:

* **duplicates** — customers sharing an e-mail, a phone number (digits only) or a normalised name
  (case, accents, punctuation and legal suffixes such as *GmbH* or *Ltd* ignored);
* **orphans** — orders, cases and opportunities with no customer, or pointing at a customer the
  store does not have;
* **missing** — fields scoring needs: customers that cannot be reached (no e-mail and no phone),
  opportunities without an amount or a stage, cases without a status;
* **suspicious** — values that are probably wrong: malformed e-mails, ``????`` where SuiteCRM's
  utf8mb3 tables swallowed an emoji, orders dated in the future, negative opportunity amounts.

Everything is whole-column pandas work on the source's rows, so it stays quick on large stores.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, insert, select

from store import tables

__all__ = ["MAX_FINDINGS", "QualityReport", "build_quality_report", "latest_quality_report", "save_quality_report"]

MAX_FINDINGS = 50
_LEGAL = re.compile(
    r"\b(gmbh|ag|kg|ltd|llc|inc|corp|co|sarl|sas|sa|bv|nv|spa|srl|s\.?r\.?o|sp\.? z o\.?o|oy|ab|aps|as|plc|pty|ltda|eood)\b\.?"
)
# Letters NFKD does not split into a base letter and an accent.
_TRANSLITERATE = str.maketrans({"Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "Đ": "D", "đ": "d", "ß": "ss", "Æ": "AE",
                                "æ": "ae", "Œ": "OE", "œ": "oe", "Þ": "Th", "þ": "th", "Ð": "D", "ð": "d"})
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class QualityReport:
    source: str
    created_at: datetime
    summary: dict[str, int] = field(default_factory=dict)
    findings: list[dict[str, Any]] = field(default_factory=list)

    def add(self, kind: str, items: list[dict[str, Any]]) -> None:
        self.summary[kind] = self.summary.get(kind, 0) + len(items)
        room = MAX_FINDINGS - sum(1 for f in self.findings if f["kind"] == kind)
        self.findings.extend({"kind": kind, **item} for item in items[: max(room, 0)])

    @property
    def total(self) -> int:
        return sum(self.summary.values())


def normalise_name(name: str) -> str:
    """``"Müller & Söhne GmbH"`` → ``"muller sohne"``: how a person would say two names are the same."""
    text = unicodedata.normalize("NFKD", name.translate(_TRANSLITERATE))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()  # accents go, other scripts stay
    text = _LEGAL.sub(" ", text)
    text = re.sub(r"[\W_]+", " ", text)
    return " ".join(w for w in text.split() if w not in ("and", "the"))


def _frame(conn: Connection, table: Any, source: str, columns: list[str]) -> pd.DataFrame:
    cols = [table.c[c] for c in ["external_id", *columns]]
    rows = conn.execute(select(*cols).where(table.c.source == source)).all()
    return pd.DataFrame(rows, columns=["external_id", *columns])


def _groups(frame: pd.DataFrame, key: pd.Series, label: str) -> list[dict[str, Any]]:
    keyed = frame.assign(_key=key).dropna(subset=["_key"])
    keyed = keyed[keyed["_key"] != ""]
    dup = keyed[keyed.duplicated("_key", keep=False)]
    out = []
    for value, group in dup.groupby("_key", sort=True):
        out.append({"entity": "customers", "key": label, "value": value, "ids": sorted(group["external_id"].astype(str))})
    return out


def build_quality_report(conn: Connection, source: str, *, now: datetime | None = None) -> QualityReport:
    now = now or datetime.now(UTC)
    report = QualityReport(source=source, created_at=now)
    customers = _frame(conn, tables.customers, source, ["name", "email", "phone"])
    if not customers.empty:
        email = customers["email"].astype("string").str.strip().str.lower()
        phone = customers["phone"].astype("string").str.replace(r"\D+", "", regex=True)
        phone = phone.where(phone.str.len() >= 6)
        name = customers["name"].astype("string").map(lambda n: normalise_name(n) if isinstance(n, str) else None, na_action="ignore")
        report.add("duplicate_email", _groups(customers, email, "email"))
        report.add("duplicate_phone", _groups(customers, phone, "phone"))
        report.add("duplicate_name", _groups(customers, name, "name"))
        unreachable = customers[customers["email"].isna() & customers["phone"].isna()]
        report.add("missing", [{"entity": "customers", "id": i, "field": "email or phone"} for i in unreachable["external_id"]])
        bad_email = customers[email.notna() & ~email.str.match(_EMAIL).fillna(False)]
        report.add("suspicious", [{"entity": "customers", "id": r.external_id, "field": "email", "value": r.email}
                                  for r in bad_email.itertuples()])
        lost = customers[customers["name"].astype("string").str.contains("??", regex=False).fillna(False)]
        report.add("suspicious", [{"entity": "customers", "id": r.external_id, "field": "name", "value": r.name,
                                   "why": "characters lost by the CRM (4-byte UTF-8 such as emoji stored as ?)"}
                                  for r in lost.itertuples()])
    known = set(customers["external_id"].astype(str)) if not customers.empty else set()

    for entity in ("orders", "cases", "opportunities"):
        table = tables.ENTITY_TABLES[entity]
        extra = {"orders": ["ordered_at", "kind"], "cases": ["status"], "opportunities": ["amount", "stage"]}[entity]
        frame = _frame(conn, table, source, ["customer_external_id", *extra])
        if frame.empty:
            continue
        ref = frame["customer_external_id"]
        no_customer = frame[ref.isna()]
        dangling = frame[ref.notna() & ~ref.astype(str).isin(known)]
        report.add("orphan", [{"entity": entity, "id": i, "why": "no customer"} for i in no_customer["external_id"]])
        report.add("orphan", [{"entity": entity, "id": r.external_id, "why": f"customer {r.customer_external_id} is not in the store"}
                              for r in dangling.itertuples()])
        if entity == "orders":
            future = frame[pd.to_datetime(frame["ordered_at"], utc=True) > pd.Timestamp(now + timedelta(days=1))]
            report.add("suspicious", [{"entity": "orders", "id": i, "field": "ordered_at", "why": "in the future"}
                                      for i in future["external_id"]])
        if entity == "opportunities":
            missing = frame[frame["amount"].isna() | frame["stage"].isna()]
            report.add("missing", [{"entity": "opportunities", "id": i, "field": "amount or stage"} for i in missing["external_id"]])
            negative = frame[frame["amount"].astype("Float64").lt(0).fillna(False)]
            report.add("suspicious", [{"entity": "opportunities", "id": i, "field": "amount", "why": "negative"}
                                      for i in negative["external_id"]])
        if entity == "cases":
            missing = frame[frame["status"].isna()]
            report.add("missing", [{"entity": "cases", "id": i, "field": "status"} for i in missing["external_id"]])
    for kind in ("duplicate_email", "duplicate_phone", "duplicate_name", "orphan", "missing", "suspicious"):
        report.summary.setdefault(kind, 0)
    report.findings = _json_ready(report.findings)
    return report


def _json_ready(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def plain(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, list):
            return [plain(v) for v in value]
        if value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            return None
        return value.item() if hasattr(value, "item") else value

    return [{k: plain(v) for k, v in item.items()} for item in items]


def save_quality_report(engine: Engine, report: QualityReport, sync_run_id: int | None) -> None:
    with engine.begin() as conn:
        conn.execute(insert(tables.quality_reports).values(
            sync_run_id=sync_run_id, source=report.source, created_at=report.created_at,
            summary=report.summary, findings=report.findings,
        ))


def latest_quality_report(conn: Connection, source: str) -> QualityReport | None:
    t = tables.quality_reports
    row = conn.execute(select(t).where(t.c.source == source).order_by(t.c.id.desc()).limit(1)).mappings().first()
    if row is None:
        return None
    return QualityReport(source=source, created_at=row["created_at"], summary=dict(row["summary"]), findings=list(row["findings"]))
