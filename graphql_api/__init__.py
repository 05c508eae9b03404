"""The GraphQL API over the store: customers, scores, alerts, runs, configs and jobs."""

from graphql_api.app import create_app
from graphql_api.schema import schema
from graphql_api.settings import ApiSettings

__all__ = ["ApiSettings", "create_app", "schema"]
