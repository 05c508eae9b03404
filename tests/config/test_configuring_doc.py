"""The examples in docs/configuring.md are valid configs (or valid fragments of one)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crmscore.config import validate_text

DOC = (Path(__file__).resolve().parents[2] / "docs" / "configuring.md").read_text(encoding="utf-8")
HEAD = "version: 1\nindicators:\n  - {key: r, kind: recency, weight: 1}\n"
HEAD_SCORECARDS = "version: 1\nindicators:\n  - {key: r, kind: recency}\n"  # weights live in the scorecards
YAML_BLOCKS = re.findall(r"```yaml\n(.*?)```", DOC, re.DOTALL)
JSON_BLOCKS = re.findall(r"```json\n(.*?)```", DOC, re.DOTALL)


@pytest.mark.parametrize("block", YAML_BLOCKS, ids=lambda b: b.split(":", 1)[0])
def test_each_yaml_example_validates_inside_a_minimal_config(block):
    head = HEAD_SCORECARDS if "scorecards:" in block else HEAD
    text = "version: 1\n" + block if block.startswith("indicators:") else head + block
    assert validate_text(text, "doc.yaml") == []


def test_the_json_example_validates():
    assert JSON_BLOCKS and all(validate_text(block, "doc.json") == [] for block in JSON_BLOCKS)

