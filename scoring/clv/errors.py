"""Why a CLV computation refused to give numbers.

Two kinds of failure need telling apart: the caller's data is unusable (:class:`CLVInputError`,
fix the data) and the data is fine but the model cannot be estimated from it (:class:`FitError`,
e.g. nobody repeats, so the dropout process is unidentified). A fit that fails carries its
:class:`~scoring.clv.fitting.FitResult`, so the caller can still show what the optimiser reached.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scoring.clv.fitting import FitResult

__all__ = ["CLVInputError", "FitError"]


class CLVInputError(ValueError):
    """The input arrays or orders break the model's contract; the message names the column and row."""


class FitError(RuntimeError):
    """Maximum likelihood ended on a boundary or without converging; ``result`` says where it stopped."""

    def __init__(self, message: str, result: FitResult[Any]) -> None:
        super().__init__(message)
        self.result = result
