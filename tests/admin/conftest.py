"""A small scored sample store, API keys, and a signed-in client for the admin page tests.

The admin app is mounted at ``/admin`` in a bare Starlette app, the way the main app mounts it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from admin import create_admin_app
from connector.files import FileSource
from connector.load import load_source
from crmscore.auth import create_key
from crmscore.config.service import save_config
from crmscore.pipeline import run_scoring
from crmscore.sample import generate

REPO = Path(__file__).resolve().parents[2]
DEFAULT_YAML = (REPO / "configs" / "default.yaml").read_text(encoding="utf-8")
SECRET = "test-secret-key-0123456789"
CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("admin-sample")
    generate(out, customers=60, seed=11)
    return out


@pytest.fixture
def scored(engine: Engine, sample_dir: Path) -> Engine:
    """The store with the sample loaded, the default config active, and one scoring run."""
    load_source(engine, FileSource(sample_dir, source="sample"))
    save_config(engine, DEFAULT_YAML, filename="default.yaml", author="setup", activate_now=True)
    run_scoring(engine)
    return engine


@pytest.fixture
def keys(engine: Engine) -> dict[str, str]:
    return {
        role: create_key(engine, name=f"{role} person", role=role)[1] for role in ("admin", "viewer")
    } | {"limited": create_key(engine, name="one source", role="admin", source="sample")[1]}


def make_client(engine: Engine, base_url: str = "http://testserver") -> TestClient:
    app = Starlette(routes=[Mount("/admin", app=create_admin_app(engine, secret_key=SECRET))])
    return TestClient(app, base_url=base_url, follow_redirects=False)


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with make_client(engine) as c:
        yield c


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page carries no CSRF token"
    return match.group(1)


def login(client: TestClient, key: str):
    token = csrf_of(client.get("/admin/login").text)
    return client.post("/admin/login", data={"api_key": key, "csrf_token": token})


@pytest.fixture
def admin_client(client: TestClient, keys: dict[str, str]) -> TestClient:
    """Signed in with the admin key (on an empty store: ask for ``scored`` too for data);
    ``client.csrf`` is the session's token."""
    assert login(client, keys["admin"]).status_code == 303
    client.csrf = csrf_of(client.get("/admin/").text)  # type: ignore[attr-defined]
    return client

