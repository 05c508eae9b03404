"""Signing in to the admin page: admin keys only, a protected session cookie, CSRF on every write."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from admin import create_admin_app
from crmscore.auth import revoke_key
from tests.admin.conftest import csrf_of, login, make_client


def test_pages_send_a_visitor_without_a_session_to_the_login_form(client: TestClient):
    for path in ("/admin/", "/admin/config", "/admin/history", "/admin/customers/1"):
        response = client.get(path)
        assert response.status_code == 303
        assert response.headers["location"] == "/admin/login"
    assert client.get("/admin/api/dashboard").status_code == 401


def test_an_admin_key_signs_in_with_an_httponly_strict_signed_cookie(client: TestClient, keys: dict[str, str]):
    response = login(client, keys["admin"])
    assert response.status_code == 303 and response.headers["location"] == "/admin/"
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("crmscore_admin=")
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie
    assert keys["admin"] not in response.headers["set-cookie"]
    page = client.get("/admin/")
    assert page.status_code == 200 and "Signed in as admin person" in page.text


def test_the_cookie_is_secure_when_the_page_is_served_over_https(engine: Engine, keys: dict[str, str]):
    with make_client(engine, "https://testserver") as client:
        cookie = login(client, keys["admin"]).headers["set-cookie"].lower()
    assert "; secure" in cookie


def test_viewer_limited_and_unknown_keys_are_refused_with_a_reason(client: TestClient, keys: dict[str, str]):
    cases = {"viewer": "viewer key", "limited": "is limited to source", "bogus": "not valid"}
    for which, says in cases.items():
        response = login(client, keys.get(which, "crms_0123456789_" + "x" * 43))
        assert response.status_code == 401, which
        assert says in response.text, which
        assert client.get("/admin/").status_code == 303


def test_a_login_without_the_forms_csrf_token_is_refused(client: TestClient, keys: dict[str, str]):
    client.get("/admin/login")
    response = client.post("/admin/login", data={"api_key": keys["admin"], "csrf_token": "forged"})
    assert response.status_code == 403
    assert client.get("/admin/").status_code == 303


def test_writes_without_the_sessions_csrf_token_are_refused(admin_client: TestClient):
    assert admin_client.post("/admin/api/config/validate", json={"config": {}}).status_code == 403
    assert admin_client.post("/admin/api/config/validate", json={"config": {}}, headers={"X-CSRF-Token": "nope"}).status_code == 403
    assert admin_client.post("/admin/logout", data={"csrf_token": "nope"}).status_code == 403
    assert admin_client.get("/admin/").status_code == 200  # still signed in
    ok = admin_client.post("/admin/api/config/validate", json={"config": {}}, headers={"X-CSRF-Token": admin_client.csrf})
    assert ok.status_code == 200


def test_logout_ends_the_session(admin_client: TestClient):
    response = admin_client.post("/admin/logout", data={"csrf_token": admin_client.csrf})
    assert response.status_code == 303 and response.headers["location"] == "/admin/login"
    assert admin_client.get("/admin/").status_code == 303


def test_revoking_the_key_ends_its_sessions_at_once(admin_client: TestClient, engine: Engine, keys: dict[str, str]):
    revoke_key(engine, keys["admin"].split("_")[1])
    assert admin_client.get("/admin/").status_code == 303


def test_a_short_secret_key_is_refused(engine: Engine):
    with pytest.raises(ValueError, match="secret_key"):
        create_admin_app(engine, secret_key="short")


def test_the_login_page_has_a_labelled_key_field_and_a_skip_link(client: TestClient):
    page = client.get("/admin/login").text
    assert '<label for="api_key">Admin API key</label>' in page
    assert 'href="#main"' in page and 'id="main"' in page
    assert csrf_of(page)
