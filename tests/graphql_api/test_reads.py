"""Reads: which run is served and how indicator labels are taken from its config."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from graphql_api.reads import fetch_served_run, indicator_labels


def test_the_served_run_is_the_newest_succeeded_one_with_its_config_labels(engine: Engine, seed: Any) -> None:
    assert fetch_served_run(engine).run_id is None
    old_config = seed.config([{"key": "a", "label": "Old A"}])
    new_config = seed.config([{"key": "b", "label": "New B"}, {"key": "a", "label": "New A"}])
    seed.run(old_config, {})
    served = seed.run(new_config, {})
    seed.run(old_config, {}, status="failed")
    seed.run(old_config, {}, status="running")
    run = fetch_served_run(engine)
    assert run.run_id == served
    assert list(run.labels.items()) == [("b", "New B"), ("a", "New A")]


@pytest.mark.parametrize(
    ("body", "labels"),
    [
        ({"indicators": [{"key": "x", "label": "X"}, {"key": "y"}]}, {"x": "X", "y": "y"}),
        ({"indicators": [{"key": "x", "label": ""}, {"label": "no key"}, "junk"]}, {"x": "x"}),
        ({"indicators": "not a list"}, {}),
        ({}, {}),
        (["not", "a", "mapping"], {}),
        (None, {}),
    ],
)
def test_labels_fall_back_to_keys_and_ignore_malformed_entries(body: Any, labels: dict[str, str]) -> None:
    assert indicator_labels(body) == labels
