"""Config mutations: validate, save, activate, roll back and preview — through ``crmscore.config.service``.

The service gives the CLI and the API the same results; here each outcome becomes a payload member:
issues → ``ValidationFailed`` (with every positioned issue), a missing version → ``NotFound``. All
are admin-only and refused to keys limited to a source (a config scores every source).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.scalars import JSON

from graphql_api.config_types import ConfigIssue, ConfigVersion
from graphql_api.context import ApiContext
from graphql_api.ids import encode_id
from graphql_api.payloads import (
    Forbidden,
    NotFound,
    ValidationFailed,
    admin_or_forbidden,
    not_found,
    validation_failed,
)

__all__ = ["ConfigMutations"]

Info = strawberry.Info[ApiContext, None]
_MAX_TEXT = 200_000  # characters of config text accepted


@strawberry.input
class ConfigTextInput:
    yaml: str = strawberry.field(description="The config document (YAML or JSON).")
    client_mutation_id: str | None = None


@strawberry.input
class SaveConfigInput:
    yaml: str
    comment: str | None = None
    activate: bool = False
    client_mutation_id: str | None = None


@strawberry.input
class ActivateConfigInput:
    version_id: int
    client_mutation_id: str | None = None


@strawberry.input
class RollbackConfigInput:
    to_version_id: int | None = strawberry.field(default=None, description="Default: the config in force before the active one.")
    client_mutation_id: str | None = None


@strawberry.input
class PreviewConfigInput:
    yaml: str
    top: int = strawberry.field(default=20, description="How many band changers to list, 0..100.")
    client_mutation_id: str | None = None


@strawberry.type(description="The config is valid.")
class ConfigValid:
    contributions: JSON = strawberry.field(description="scorecard -> indicator -> nominal % of the health score.")
    client_mutation_id: str | None = None


@strawberry.type
class SaveConfigSuccess:
    version: ConfigVersion
    created: bool = strawberry.field(description="False when exactly this content was already stored.")
    activated: bool
    diff: str = strawberry.field(description="Against the version active before.")
    client_mutation_id: str | None = None


@strawberry.type
class ActivateConfigSuccess:
    version: ConfigVersion
    previous: ConfigVersion | None
    client_mutation_id: str | None = None


@strawberry.type(description="One config's results on the current data.")
class PreviewSummary:
    label: str
    version_id: int | None
    customers: int
    scored: int
    mean: float | None
    median: float | None
    histogram: list[int] = strawberry.field(description="Counts in [0,10), [10,20), … [90,100].")
    bands: JSON
    segments: JSON
    scorecards: JSON
    alert_counts: JSON


@strawberry.type
class PreviewMover:
    customer_id: strawberry.ID
    name: str
    before: float | None
    after: float | None
    before_band: str | None
    after_band: str | None


@strawberry.type(description="What the draft would do, next to the active config. Nothing was written.")
class ConfigPreview:
    as_of: datetime
    draft: PreviewSummary
    active: PreviewSummary | None
    band_changes: int
    movers: list[PreviewMover]
    contributions: JSON
    client_mutation_id: str | None = None


ValidateConfigPayload = Annotated[ConfigValid | ValidationFailed | Forbidden, strawberry.union("ValidateConfigPayload")]
SaveConfigPayload = Annotated[SaveConfigSuccess | ValidationFailed | Forbidden, strawberry.union("SaveConfigPayload")]
ActivateConfigPayload = Annotated[
    ActivateConfigSuccess | NotFound | ValidationFailed | Forbidden, strawberry.union("ActivateConfigPayload")
]
PreviewConfigPayload = Annotated[ConfigPreview | ValidationFailed | Forbidden, strawberry.union("PreviewConfigPayload")]


def _issues(outcome: Any) -> ValidationFailed:
    issues = [ConfigIssue.of(i) for i in outcome.issues]
    return validation_failed(f"{len(issues)} problem(s) in the config", issues)


def _too_long(text: str) -> ValidationFailed | None:
    return validation_failed(f"the config is longer than {_MAX_TEXT:,} characters") if len(text) > _MAX_TEXT else None


def _summary(s: Any) -> PreviewSummary:
    return PreviewSummary(
        label=s.label,
        version_id=s.version_id,
        customers=s.customers,
        scored=s.scored,
        mean=s.mean,
        median=s.median,
        histogram=list(s.histogram),
        bands=dict(s.bands),
        segments=dict(s.segments),
        scorecards=dict(s.scorecards),
        alert_counts=s.alert_counts,
    )


def _activation(outcome: Any, client_mutation_id: str | None) -> Any:
    if not outcome.ok:
        message = "; ".join(i.message for i in outcome.issues)
        if "no config version" in message:
            return not_found(message)
        return _issues(outcome)
    return ActivateConfigSuccess(
        version=ConfigVersion.of(outcome.version),
        previous=None if outcome.previous is None else ConfigVersion.of(outcome.previous),
        client_mutation_id=client_mutation_id,
    )


@strawberry.type
class ConfigMutations:
    @strawberry.mutation(description="Check a config without storing it. Admin keys only.")
    async def validate_config(self, info: Info, input: ConfigTextInput) -> ValidateConfigPayload:
        from crmscore.config.service import validate_config_text

        refused = admin_or_forbidden(info, "validateConfig", all_sources=True) or _too_long(input.yaml)
        if refused is not None:
            return refused
        outcome = await run_in_threadpool(validate_config_text, input.yaml)
        if not outcome.ok:
            return _issues(outcome)
        return ConfigValid(contributions=outcome.contributions, client_mutation_id=input.client_mutation_id)

    @strawberry.mutation(description="Validate and store a config as a new version (optionally activating it). Admin keys only.")
    async def save_config(self, info: Info, input: SaveConfigInput) -> SaveConfigPayload:
        from crmscore.config.service import save_config

        refused = admin_or_forbidden(info, "saveConfig", all_sources=True) or _too_long(input.yaml)
        if refused is not None:
            return refused
        author = info.context.viewer().name
        outcome = await run_in_threadpool(
            lambda: save_config(info.context.engine, input.yaml, author=author, comment=input.comment, activate_now=input.activate)
        )
        if not outcome.ok:
            return _issues(outcome)
        return SaveConfigSuccess(
            version=ConfigVersion.of(outcome.version),
            created=outcome.created,
            activated=outcome.activated,
            diff=outcome.diff,
            client_mutation_id=input.client_mutation_id,
        )

    @strawberry.mutation(description="Make a stored config version the active one. Admin keys only.")
    async def activate_config(self, info: Info, input: ActivateConfigInput) -> ActivateConfigPayload:
        from crmscore.config.service import activate_config

        refused = admin_or_forbidden(info, "activateConfig", all_sources=True)
        if refused is not None:
            return refused
        outcome = await run_in_threadpool(activate_config, info.context.engine, input.version_id)
        return _activation(outcome, input.client_mutation_id)  # type: ignore[no-any-return]

    @strawberry.mutation(description="Activate the config in force before the active one (or a given version). Admin keys only.")
    async def rollback_config(self, info: Info, input: RollbackConfigInput) -> ActivateConfigPayload:
        from crmscore.config.service import rollback_config

        refused = admin_or_forbidden(info, "rollbackConfig", all_sources=True)
        if refused is not None:
            return refused
        outcome = await run_in_threadpool(rollback_config, info.context.engine, input.to_version_id)
        return _activation(outcome, input.client_mutation_id)  # type: ignore[no-any-return]

    @strawberry.mutation(description="Score the current data with a draft config, next to the active one; writes nothing. Admin keys only.")
    async def preview_config(self, info: Info, input: PreviewConfigInput) -> PreviewConfigPayload:
        from crmscore.config.service import preview_config

        refused = admin_or_forbidden(info, "previewConfig", all_sources=True) or _too_long(input.yaml)
        if refused is not None:
            return refused
        if not 0 <= input.top <= 100:
            return validation_failed(f"top must be between 0 and 100, got {input.top}")
        outcome = await run_in_threadpool(lambda: preview_config(info.context.engine, input.yaml, top=input.top))
        if not outcome.ok:
            return _issues(outcome)
        p = outcome.preview
        return ConfigPreview(
            as_of=p.as_of,
            draft=_summary(p.draft),
            active=None if p.active is None else _summary(p.active),
            band_changes=p.band_changes,
            movers=[
                PreviewMover(
                    customer_id=strawberry.ID(encode_id("Customer", m.customer_id)),
                    name=m.name,
                    before=m.before,
                    after=m.after,
                    before_band=m.before_band,
                    after_band=m.after_band,
                )
                for m in p.movers
            ],
            contributions=p.contributions,
            client_mutation_id=input.client_mutation_id,
        )
