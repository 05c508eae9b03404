"""The server-rendered pages: dashboard, version history with rollback, alerts, customer page."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select
from starlette.testclient import TestClient

from crmscore.config.service import active_config, config_versions, save_config
from store import tables as t
from tests.admin.conftest import DEFAULT_YAML


def test_the_dashboard_shows_the_latest_run_its_bands_segments_and_trends(admin_client: TestClient, scored: Engine):
    page = admin_client.get("/admin/").text
    with scored.connect() as conn:
        run = conn.execute(select(t.scoring_runs)).one()
        bands = conn.execute(select(t.scores.c.band).where(t.scores.c.run_id == run.id)).scalars().all()
    assert f"Scoring run <strong>{run.id}</strong>" in page
    top_band = max(set(bands), key=bands.count)
    assert f"<tr><td>{top_band}</td><td>{bands.count(top_band)}</td></tr>" in page
    data = admin_client.get("/admin/api/dashboard").json()
    assert sum(data["histogram"]["counts"]) == sum(1 for b in bands if b is not None)
    assert len(data["kpis"]["labels"]) == 12 and any(v is not None for v in data["kpis"]["retention"])
    assert data["cohorts"]["rows"] and all(0 <= c <= 100 for r in data["cohorts"]["rows"] for c in r["cells"] if c is not None)
    assert 'id="chart-histogram"' in page and 'aria-label="Histogram' in page


def test_an_empty_store_gets_a_dashboard_that_says_so(admin_client: TestClient):
    assert "No scoring run yet" in admin_client.get("/admin/").text


def test_history_lists_versions_with_diffs_and_activating_an_older_one_rolls_back(admin_client: TestClient, scored: Engine):
    first = active_config(scored).id
    newer = save_config(scored, DEFAULT_YAML.replace("    weight: 3\n", "    weight: 5\n", 1), activate_now=True).version.id
    page = admin_client.get("/admin/history").text
    assert f'id="version-{newer}"' in page and "+  weight: 5" in page
    assert f'action="/admin/versions/{first}/rollback"' in page
    response = admin_client.post(f"/admin/versions/{first}/rollback", data={"csrf_token": admin_client.csrf})
    assert response.status_code == 303
    assert active_config(scored).id == first
    assert f"Version {first} is now active." in admin_client.get("/admin/history").text
    missing = admin_client.post("/admin/versions/999/rollback", data={"csrf_token": admin_client.csrf})
    assert missing.status_code == 303 and "there is no config version 999" in admin_client.get("/admin/history").text
    assert len(config_versions(scored)) == 2


def test_an_open_alert_can_be_acknowledged_from_the_dashboard(admin_client: TestClient, scored: Engine):
    with scored.begin() as conn:
        customer = conn.execute(select(t.customers.c.id, t.customers.c.name)).first()
        alert_id = conn.execute(
            insert(t.alerts)
            .values(
                customer_id=customer.id, rule="low_health", severity="high", message="needs a call",
                status="open", raised_at=datetime.now(UTC),
            )
            .returning(t.alerts.c.id)
        ).scalar_one()
    page = admin_client.get("/admin/").text
    assert "needs a call" in page and f"/alerts/{alert_id}/acknowledge" in page
    assert admin_client.post(f"/admin/alerts/{alert_id}/acknowledge", data={"csrf_token": "bad"}).status_code == 403
    admin_client.post(f"/admin/alerts/{alert_id}/acknowledge", data={"csrf_token": admin_client.csrf})
    with scored.connect() as conn:
        assert conn.execute(select(t.alerts.c.status).where(t.alerts.c.id == alert_id)).scalar_one() == "acknowledged"
    assert f"/alerts/{alert_id}/acknowledge" not in admin_client.get("/admin/").text


def test_the_customer_page_shows_indicators_contributions_and_score_history(admin_client: TestClient, scored: Engine):
    s = t.scores.c
    with scored.connect() as conn:
        row = conn.execute(select(s.customer_id, s.health_score, s.scorecard).where(s.health_score.is_not(None))).first()
        keys = conn.execute(select(t.indicator_values.c.key).where(t.indicator_values.c.customer_id == row.customer_id)).scalars().all()
    page = admin_client.get(f"/admin/customers/{row.customer_id}").text
    assert f'<strong id="current-score">{round(row.health_score, 1)}</strong>' in page
    assert f'scorecard <strong id="current-scorecard">{row.scorecard}</strong>' in page  # which weights and bands
    assert all(f"<td>{k}</td>" in page for k in keys) and keys
    data = admin_client.get(f"/admin/api/customers/{row.customer_id}").json()
    assert [h["score"] for h in data["history"]] == [round(row.health_score, 1)]
    assert data["current"]["scorecard"] == row.scorecard
    assert admin_client.get("/admin/customers/999999").status_code == 404


def test_every_page_has_a_skip_link_main_landmark_and_labelled_navigation(admin_client: TestClient, scored: Engine):
    for path in ("/admin/", "/admin/config", "/admin/history", "/admin/customers/1"):
        page = admin_client.get(path).text
        assert re.search(r'<a class="skip-link" href="#main">', page), path
        assert '<main id="main"' in page and '<nav aria-label="Main">' in page
