"""Errors the store raises for callers to turn into one-line messages."""

from __future__ import annotations

__all__ = ["StoreError", "StoreUnavailable"]


class StoreError(Exception):
    """Something about the store itself is wrong (not the data in it)."""


class StoreUnavailable(StoreError):
    """The database named by the URL cannot be reached or opened."""
