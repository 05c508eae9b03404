"""Write the schema's SDL to ``graphql_api/schema.graphql``: ``python -m graphql_api.export_schema``.

The file is committed so schema changes show up in review; a test fails when it drifts from the
code. ``--check`` exits 1 instead of writing, for CI.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from graphql_api.schema import schema

__all__ = ["SCHEMA_FILE", "main", "schema_sdl"]

SCHEMA_FILE = Path(__file__).with_name("schema.graphql")


def schema_sdl() -> str:
    return str(schema) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args not in ([], ["--check"]):
        print("usage: python -m graphql_api.export_schema [--check]", file=sys.stderr)
        return 2
    sdl = schema_sdl()
    if args == ["--check"]:
        current = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""
        if current != sdl:
            print(f"{SCHEMA_FILE} is out of date; run: python -m graphql_api.export_schema", file=sys.stderr)
            return 1
        return 0
    SCHEMA_FILE.write_text(sdl, encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
