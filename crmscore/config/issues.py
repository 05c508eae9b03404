"""What the config checker reports: one positioned, human-worded issue per problem."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["ConfigError", "ConfigIssue"]


@dataclass(frozen=True, order=True)
class ConfigIssue:
    """One problem in a config file. Lines and columns are 1-based; ``path`` is a JSON path."""

    file: str
    line: int
    col: int
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}  {self.path}  {self.message}"


class ConfigError(Exception):
    """A config could not be loaded; ``issues`` lists every problem found (sorted by position)."""

    def __init__(self, issues: Sequence[ConfigIssue]) -> None:
        self.issues: list[ConfigIssue] = list(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))
