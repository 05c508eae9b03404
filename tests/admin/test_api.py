"""The editor's JSON API: the CLI's validation at json-editor field paths, preview, save and activate."""

from __future__ import annotations

import copy
import json

import pytest
from ruamel.yaml import YAML
from sqlalchemy import Engine, func, select
from starlette.testclient import TestClient

from crmscore.config.service import active_config, config_versions, validate_config_text
from store import tables as t
from tests.admin.conftest import DEFAULT_YAML

DEFAULT = YAML(typ="safe").load(DEFAULT_YAML)


def _post(client: TestClient, path: str, body: object) -> dict:
    response = client.post(f"/admin/api/config/{path}", json=body, headers={"X-CSRF-Token": client.csrf})
    assert response.status_code == 200, response.text
    return response.json()


def _with_weight(weight: object, index: int = 2) -> dict:
    config = copy.deepcopy(DEFAULT)
    config["indicators"][index]["weight"] = weight
    return config


def test_the_active_config_and_the_form_schema_are_served_to_the_editor(admin_client: TestClient, scored: Engine):
    active = admin_client.get("/admin/api/config/active").json()
    assert active["body"] == active_config(scored).body
    schema = admin_client.get("/admin/api/schema").json()
    assert "indicator" in schema["definitions"]


def test_a_bad_weight_comes_back_with_the_clis_message_and_the_fields_editor_path(admin_client: TestClient):
    answer = _post(admin_client, "validate", {"config": _with_weight(-5)})
    assert answer["ok"] is False
    [issue] = answer["issues"]
    assert issue["path"] == "$.indicators[2].weight"
    assert issue["field"] == "root.indicators.2.weight"
    cli = validate_config_text(json.dumps(_with_weight(-5), indent=2), "admin-editor.json").issues
    assert issue["text"] == str(cli[0])  # the very message `crmscore config validate` prints


def test_a_valid_config_reports_each_scorecards_contributions(admin_client: TestClient):
    answer = _post(admin_client, "validate", {"config": DEFAULT})
    assert answer == {"ok": True, "issues": [], "contributions": answer["contributions"]}
    shares = next(iter(answer["contributions"].values()))
    assert sum(shares.values()) == pytest.approx(100.0)


def test_a_body_that_is_not_a_config_object_is_a_clear_400(admin_client: TestClient):
    response = admin_client.post("/admin/api/config/validate", content=b"[1,2]", headers={"X-CSRF-Token": admin_client.csrf})
    assert response.status_code == 400
    assert '{"config"' in response.json()["error"]


def test_preview_puts_draft_and_active_distributions_side_by_side(admin_client: TestClient, scored: Engine):
    answer = _post(admin_client, "preview", {"config": _with_weight(40, 0)})
    assert answer["ok"] is True
    p = answer["preview"]
    assert len(p["labels"]) == len(p["draft"]["histogram"]) == len(p["active"]["histogram"]) == 10
    assert sum(p["draft"]["histogram"]) == sum(p["active"]["histogram"]) == p["draft"]["scored"]
    assert p["draft"]["histogram"] != p["active"]["histogram"]
    assert p["band_changes"] > 0 and p["movers"]
    assert all(m["before_band"] != m["after_band"] for m in p["movers"])
    assert p["active"]["version_id"] == active_config(scored).id


def test_an_invalid_draft_is_neither_previewed_nor_saved(admin_client: TestClient, scored: Engine):
    assert _post(admin_client, "preview", {"config": _with_weight("heavy")})["preview"] is None
    before = len(config_versions(scored))
    answer = _post(admin_client, "save", {"config": _with_weight(-1), "activate": True})
    assert answer["ok"] is False and answer["issues"][0]["field"] == "root.indicators.2.weight"
    assert len(config_versions(scored)) == before


def test_save_and_activate_with_rescore_makes_a_new_active_version_and_a_new_run(admin_client: TestClient, scored: Engine):
    with scored.connect() as conn:
        runs_before = conn.execute(select(func.count()).select_from(t.scoring_runs)).scalar_one()
    answer = _post(admin_client, "save", {"config": _with_weight(40, 0), "comment": "more recency", "activate": True, "rescore": True})
    assert answer["ok"] and answer["created"] and answer["activated"]
    active = active_config(scored)
    assert active.id == answer["version_id"] and active.comment == "more recency" and active.author == "admin person"
    assert active.body["indicators"][0]["weight"] == 40
    with scored.connect() as conn:
        run = conn.execute(select(t.scoring_runs).order_by(t.scoring_runs.c.id.desc())).first()
        assert conn.execute(select(func.count()).select_from(t.scoring_runs)).scalar_one() == runs_before + 1
    assert run.id == answer["run_id"] and run.config_version_id == active.id
    assert "weight: 40" in answer["diff"]


def test_saving_without_activating_leaves_the_active_version_alone(admin_client: TestClient, scored: Engine):
    before = active_config(scored).id
    answer = _post(admin_client, "save", {"config": _with_weight(7, 1)})
    assert answer["ok"] and not answer["activated"] and answer["run_id"] is None
    assert active_config(scored).id == before != answer["version_id"]
