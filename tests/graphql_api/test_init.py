"""The package's public API is exactly what other packages may import."""

from __future__ import annotations

import strawberry
from sqlalchemy import Engine
from starlette.applications import Starlette

import graphql_api


def test_the_package_exports_create_app_its_settings_and_the_schema(engine: Engine) -> None:
    assert sorted(graphql_api.__all__) == ["ApiSettings", "create_app", "schema"]
    assert isinstance(graphql_api.schema, strawberry.Schema)
    assert isinstance(graphql_api.create_app(engine), Starlette)
