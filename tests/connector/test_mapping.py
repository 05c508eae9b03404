"""Mapping files: CRM exports load without code, and every mistake in a mapping is pinpointed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from connector import (
    FileSource,
    MappingError,
    SourceDataError,
    load_mapping,
    load_source,
)
from connector.mapping import parse_mapping
from store import tables as t

REPO = Path(__file__).resolve().parents[2]
MAPPINGS = REPO / "configs" / "mappings"
DATA = Path(__file__).with_name("data")


def _mapping(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "crm.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_odoo_example_export_loads_through_its_mapping(engine: Engine) -> None:
    mapping = load_mapping(MAPPINGS / "odoo-export.yaml")
    report = load_source(engine, FileSource(DATA / "odoo-export", source="odoo", mapping=mapping))
    assert report.error_count == 0
    assert {k: v.inserted for k, v in report.counts.items()} == {
        "customers": 5, "opportunities": 4, "orders": 6, "order_lines": 8
    }
    with engine.connect() as conn:
        azure = conn.execute(
            select(t.customers).where(t.customers.c.external_id == "__export__.res_partner_7_1a2b3c4d")
        ).mappings().one()
        orders = dict(conn.execute(select(t.orders.c.external_id, t.orders.c.status)).all())
        kinds = set(conn.execute(select(t.orders.c.kind)).scalars())
        deals = dict(conn.execute(select(t.opportunities.c.stage, t.opportunities.c.status)).all())
        line = conn.execute(select(t.order_lines).where(t.order_lines.c.order_external_id == "S00047").limit(1)).mappings().first()
    assert (azure["name"], azure["kind"], azure["country"], azure["active"]) == ("Azure Interior", "company", "US", True)
    assert azure["created_at"].isoformat() == "2024-01-15T09:12:44+00:00"
    assert azure["attributes"] == {"Tags": "VIP,Wholesale"}
    assert orders == {"S00012": "completed", "S00019": "completed", "S00023": "completed",
                      "S00031": "cancelled", "S00044": "open", "S00047": "completed"}
    assert kinds == {"order"}
    assert deals == {"Won": "won", "Proposition": "open", "Lost": "lost", "New": "open"}
    assert line is not None and line["category"] in {"Office Furniture", "Services"}


def test_the_suitecrm_example_export_loads_with_local_times_and_joined_names(engine: Engine) -> None:
    mapping = load_mapping(MAPPINGS / "suitecrm-export.yaml")
    load_source(engine, FileSource(DATA / "suitecrm-export", source="suitecrm", mapping=mapping))
    with engine.connect() as conn:
        created = conn.execute(select(t.customers.c.created_at).where(t.customers.c.name == "Kaleidoscope Media")).scalar_one()
        names = sorted(conn.execute(select(t.contacts.c.name)).scalars())
        cases = conn.execute(select(t.cases.c.priority, t.cases.c.status, t.cases.c.attributes).order_by(t.cases.c.opened_at)).all()
    assert created.isoformat() == "2024-03-15T13:05:00+00:00"  # 14:05 in Brussels (CET)
    assert names == ["Ana Peeters", "Joost"]
    assert [tuple(c) for c in cases] == [
        ("high", "closed", {"Number": "101"}),
        ("medium", "open", {"Number": "102"}),
        ("low", "new", {"Number": "103"}),
    ]


def test_every_shipped_mapping_is_valid() -> None:
    shipped = sorted(MAPPINGS.glob("*.yaml"))
    assert shipped
    for path in shipped:
        assert load_mapping(path).entities


def test_an_unknown_entity_names_the_file_line_and_key_with_a_suggestion(tmp_path: Path) -> None:
    path = _mapping(tmp_path, "entities:\n  custmers:\n    file: a.csv\n    columns: {external_id: ID, name: Name}\n")
    with pytest.raises(MappingError, match=r"crm\.yaml:2: entities\.custmers: unknown entity 'custmers' \(did you mean 'customers'\?\)"):
        load_mapping(path)


def test_an_unknown_canonical_column_names_its_key_path(tmp_path: Path) -> None:
    path = _mapping(
        tmp_path,
        "entities:\n"
        "  orders:\n"
        "    file: so.csv\n"
        "    columns:\n"
        "      external_id: Ref\n"
        "      ordered_at: Date\n"
        "      amout: Total\n",
    )
    with pytest.raises(MappingError) as caught:
        load_mapping(path)
    message = str(caught.value)
    assert "crm.yaml:7: entities.orders.columns.amout: unknown column 'amout' of orders (did you mean 'amount'?)" in message
    assert "crm.yaml:4: entities.orders.columns: required column 'amount' is not mapped" in message
    assert message.startswith(str(path))


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("entities: {}\n", "entities: maps no entity"),
        ("entites: {}\n", "entites: unknown key 'entites' (did you mean 'entities'?)"),
        ("version: 2\nentities: {customers: {file: a.csv, columns: {external_id: ID, name: N}}}\n", "unsupported version 2"),
        ("delimiter: ';;'\nentities: {customers: {file: a.csv, columns: {external_id: ID, name: N}}}\n", "delimiter: expected a single character"),
        ("encoding: klingon\nentities: {customers: {file: a.csv, columns: {external_id: ID, name: N}}}\n", "unknown text encoding 'klingon'"),
        ("timezone: Mars/Olympus\nentities: {customers: {file: a.csv, columns: {external_id: ID, name: N}}}\n", "unknown time zone 'Mars/Olympus'"),
        ("entities: {customers: {columns: {external_id: ID, name: N}}}\n", "entities.customers.file: name the export file"),
        ("entities: {customers: {file: a.xlsx, columns: {external_id: ID, name: N}}}\n", "'a.xlsx' is neither a .csv nor a .jsonl file"),
        ("entities: {customers: {file: ../a.csv, columns: {external_id: ID, name: N}}}\n", "must be a path inside the export folder"),
        ("entities: {customers: {file: a.csv, columns: {name: N}}}\n", "map 'external_id' from the export's id column"),
        ("entities: {customers: {file: a.csv, colums: {external_id: ID, name: N}}}\n", "entities.customers.colums: unknown key 'colums' (did you mean 'columns'?)"),
        ("entities: {customers: {file: a.csv, columns: {external_id: ID, name: [1, 2]}}}\n", "entities.customers.columns.name: expected an export column name"),
        ("entities: {customers: {file: a.csv, columns: {external_id: ID, name: N}, constants: {name: X}}}\n", "entities.customers.constants.name: 'name' is also mapped under columns"),
        ("entities: {customers: {file: a.csv, columns: {external_id: ID, name: N}, constants: {created_at: soon}}}\n", "entities.customers.constants.created_at: 'soon' is not an ISO-8601 timestamp"),
        ("entities: {customers: {file: a.csv, columns: {external_id: ID, name: N}, values: {kind: {A: b}}}}\n", "entities.customers.values.kind: 'kind' is not mapped under columns"),
        ("entities: {customers: {file: a.csv, columns: {external_id: ID, name: N}, formats: {name: '%Y'}}}\n", "entities.customers.formats.name: 'name' is not a timestamp column"),
        ("entities: {customers: {file: a.csv, columns: {external_id: ID, name: N, created_at: C}, formats: {created_at: dmy}}}\n", "expected a strptime format"),
        ("entities: {customers: {file: a.csv, columns: {external_id: ID, name: N}, keep_unmapped: maybe}}\n", "keep_unmapped: expected true or false"),
        ("entities: [customers]\n", "entities: expected a mapping of entity names, found a list"),
        ("- just a list\n", "expected a mapping with an 'entities' key, found a list"),
    ],
)
def test_each_kind_of_mapping_mistake_has_its_own_clear_message(tmp_path: Path, body: str, expected: str) -> None:
    with pytest.raises(MappingError) as caught:
        load_mapping(_mapping(tmp_path, body))
    assert expected in str(caught.value)
    assert str(caught.value).startswith(str(tmp_path / "crm.yaml"))
    assert "\n" not in str(caught.value)


def test_broken_yaml_names_its_line(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match=r"crm\.yaml:3: not valid YAML"):
        load_mapping(_mapping(tmp_path, "entities:\n  customers:\n    file: [a.csv\n"))


def test_a_missing_mapping_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match=r"nope\.yaml: cannot read the mapping file"):
        load_mapping(tmp_path / "nope.yaml")


def test_a_mapping_error_is_a_source_data_error_so_the_cli_prints_one_line() -> None:
    assert issubclass(MappingError, SourceDataError)


def test_a_mapped_file_that_is_missing_is_named_with_the_key_that_names_it(tmp_path: Path) -> None:
    mapping = parse_mapping({"entities": {"customers": {"file": "partners.csv", "columns": {"external_id": "ID", "name": "N"}}}}, name="m.yaml")
    (tmp_path / "partner.csv").write_text("ID,N\n", encoding="utf-8")
    with pytest.raises(SourceDataError, match=r"partners\.csv: file not found \(did you mean 'partner\.csv'\?\) \(named by m\.yaml entities\.customers\.file\)"):
        FileSource(tmp_path, mapping=mapping)


def test_an_export_column_the_file_lacks_is_named_with_its_mapping_key(tmp_path: Path) -> None:
    mapping = parse_mapping(
        {"entities": {"customers": {"file": "p.csv", "columns": {"external_id": "ID", "name": "Display Name"}}}}, name="m.yaml"
    )
    (tmp_path / "p.csv").write_text("ID,Display name\n1,A\n", encoding="utf-8")
    with pytest.raises(
        SourceDataError,
        match=r"^p\.csv:1: column 'Display Name' is not in the file \(did you mean 'Display name'\?\) "
        r"\(named by m\.yaml entities\.customers\.columns\.name\)$",
    ):
        list(FileSource(tmp_path, mapping=mapping).read("customers"))


def test_value_maps_constants_and_dropping_unmapped_columns(engine: Engine, tmp_path: Path) -> None:
    mapping = parse_mapping(
        {
            "delimiter": ";",
            "entities": {
                "customers": {
                    "file": "export/p.csv",
                    "columns": {"external_id": "Id", "name": "Naam", "kind": "Bedrijf", "active": "Actief"},
                    "values": {"kind": {True: "company", False: "person"}, "active": {"ja": True, "nee": False}},
                    "constants": {"country": "BE"},
                    "keep_unmapped": False,
                }
            },
        },
        name="m.yaml",
    )
    (tmp_path / "export").mkdir()
    (tmp_path / "export" / "p.csv").write_text("Id;Naam;Bedrijf;Actief;Notitie\n1;Acme;TRUE;ja;x\n2;Bob;False;nee;y\n", encoding="utf-8")
    report = load_source(engine, FileSource(tmp_path, source="nl", mapping=mapping))
    assert report.counts["customers"].inserted == 2
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.customers.c.external_id, t.customers.c.kind, t.customers.c.active, t.customers.c.country, t.customers.c.attributes)
            .order_by(t.customers.c.external_id)
        ).all()
    assert [tuple(r) for r in rows] == [("1", "company", True, "BE", {}), ("2", "person", False, "BE", {})]


def test_a_bad_mapped_value_names_the_export_column_and_its_canonical_column(tmp_path: Path) -> None:
    mapping = parse_mapping(
        {"entities": {"orders": {"file": "so.csv", "columns": {"external_id": "Ref", "ordered_at": "Order Date", "amount": "Total"}}}},
        name="m.yaml",
    )
    (tmp_path / "so.csv").write_text("Ref,Order Date,Total\nS1,2025-01-01,12\nS2,2025-01-02,twelve\n", encoding="utf-8")
    (batch,) = FileSource(tmp_path, mapping=mapping).read("orders")
    assert [str(e) for e in batch.errors] == [
        "so.csv:3: column 'Total': 'twelve' is not a number (mapped to amount) (record 'S2')"
    ]
