"""The invalid-config corpus: every file is refused with the right path and line, and never stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML
from sqlalchemy import Engine, func, select

from crmscore.config import validate_config
from crmscore.config.service import active_config, save_config
from store import tables as t

CORPUS = Path(__file__).resolve().parent / "invalid"
MANIFEST: dict[str, list[dict[str, object]]] = YAML(typ="safe").load((CORPUS / "manifest.yml").read_text())
FILES = sorted(CORPUS.glob("*.yaml"))
GOOD = (Path(__file__).resolve().parents[2] / "configs" / "default.yaml").read_text(encoding="utf-8")


def test_the_corpus_is_large_and_every_file_has_a_manifest_entry():
    assert len(FILES) >= 30
    assert sorted(MANIFEST) == [f.name for f in FILES]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_each_invalid_config_is_refused_with_the_expected_path_and_line(path):
    issues = validate_config(path)
    assert [(i.path, i.line) for i in issues] == [(e["path"], e["line"]) for e in MANIFEST[path.name]]
    assert all(i.file == str(path) and i.col >= 1 and i.message for i in issues)


def test_saving_any_invalid_config_changes_nothing_in_the_store(engine: Engine):
    good = save_config(engine, GOOD, filename="default.yaml", author="admin", activate_now=True)
    assert good.ok and good.version is not None
    for path in FILES:
        outcome = save_config(engine, path.read_text(encoding="utf-8"), filename=path.name, author="intruder")
        assert not outcome.ok and outcome.version is None, path.name
        assert [(i.path, i.line) for i in outcome.issues] == [(e["path"], e["line"]) for e in MANIFEST[path.name]]
    active = active_config(engine)
    assert active is not None and active.id == good.version.id and active.body == good.version.body
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.config_versions)).scalar_one() == 1
