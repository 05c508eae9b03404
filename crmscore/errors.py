"""The one error type the CLI turns into a one-line message instead of a traceback."""

from __future__ import annotations

__all__ = ["UserFacingError"]


class UserFacingError(Exception):
    """Raised for anything the user can fix: bad input, a missing file, an unreachable database.

    Every message names what is wrong and where, so the CLI prints ``error: <message>`` and exits 2.
    """
