"""Errors talking to a CRM, phrased for the admin who has to fix the connection or the request.

They are :class:`~crmscore.errors.UserFacingError` so the CLI prints one line, never a traceback.
Messages carry the CRM's own words (``Filter field x in Account module is not found``) but never a
secret, and never the body of a failed login: SuiteCRM echoes a wrong password in clear there.
"""

from __future__ import annotations

from crmscore.errors import UserFacingError

__all__ = [
    "CrmAuthError",
    "CrmError",
    "CrmRequestError",
    "CrmUnavailable",
    "StreamUnavailable",
    "truncate",
]


def truncate(text: str, limit: int = 300) -> str:
    """One line of at most ``limit`` characters: CRM messages can embed 7 KB view archs or tracebacks."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


class CrmError(UserFacingError):
    """Anything that went wrong between crmscore and a CRM."""


class CrmAuthError(CrmError):
    """The CRM refused our credentials (or our token, after one renewal)."""


class CrmUnavailable(CrmError):
    """The CRM kept answering 429/5xx or timing out after every retry."""


class CrmRequestError(CrmError):
    """The CRM refused a request for a reason retrying cannot fix (a 4xx, an Odoo server error).

    ``kind`` is a short, stable classification (``not_found``, ``access``, ``validation``,
    ``invalid``, ``missing``, ...) that callers branch on instead of parsing the message;
    ``name`` is the CRM's own error class where it has one (Odoo's ``error.data.name``).
    """

    def __init__(self, message: str, *, status: int | None = None, kind: str = "invalid", name: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.name = name


class StreamUnavailable(CrmError):
    """The CRM has no such module/model (an app not installed): the stream is skipped, not the sync."""
