"""SuiteCRM 7.x V8 JSON:API client: OAuth2 tokens, authenticated calls, errors in SuiteCRM's words.

What the recordings of a live 7.14.6 taught (``../shared/reference/recordings/suitecrm714``):

* tokens come from ``POST Api/access_token`` with a JSON body and **no** ``scope`` (any scope is a
  400); they last an hour and are cached until a minute before expiry, then renewed, and once more
  when the API answers 401 (revoked or expired early);
* a wrong password or unknown client id is a **500** whose body repeats the password in clear:
  such responses are final (not retried) and their bodies are never shown or logged;
* API errors are 400 ``{"errors": {"detail": ...}}`` (an object, not the JSON:API array), and a
  database failure appends the same text *after* the JSON document, so only the first JSON value
  of a body is parsed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import requests

from connector.crm_errors import CrmAuthError, CrmRequestError, truncate
from connector.http import HttpClient

__all__ = ["SuiteCrmClient", "first_json"]

_API_TYPES = ("application/vnd.api+json",)


def first_json(text: str) -> Any:
    """The first JSON value of ``text``, ignoring anything after it (SuiteCRM's trailing error text)."""
    stripped = text.lstrip()
    if not stripped:
        return None
    try:
        value, _end = json.JSONDecoder().raw_decode(stripped)
    except json.JSONDecodeError:
        return None
    return value


@dataclass
class _Token:
    value: str
    expires_at: float  # monotonic seconds
    refresh: str | None = None


class SuiteCrmClient:
    """One SuiteCRM site. ``base_url`` is the site root (``https://crm.example.com``); SuiteCRM 8
    serves the same API under ``legacy/``, so pass ``api_root="legacy/Api"`` there."""

    def __init__(
        self,
        base_url: str,
        *,
        client_id: str,
        client_secret: str,
        grant: Literal["client_credentials", "password"] = "client_credentials",
        username: str | None = None,
        password: str | None = None,
        api_root: str = "Api",
        http: HttpClient | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if grant not in ("client_credentials", "password"):
            raise ValueError(f"SuiteCRM grant must be client_credentials or password, not {grant!r}")
        if grant == "password" and not (username and password):
            raise ValueError("the SuiteCRM password grant needs a username and a password")
        self.http = http or HttpClient(base_url, label="SuiteCRM")
        self.api_root = api_root.strip("/")
        self._credentials = {"client_id": client_id, "client_secret": client_secret}
        self.grant = grant
        self._username = username
        self._password = password
        self._clock = clock
        self._token: _Token | None = None
        self.token_requests = 0

    # ---- tokens --------------------------------------------------------------------------

    def _token_body(self) -> dict[str, str]:
        body = {"grant_type": self.grant, **self._credentials}
        if self.grant == "password":
            body.update(username=self._username or "", password=self._password or "")
        return body

    def token(self, *, renew: bool = False) -> str:
        """A valid access token, fetched (or renewed) only when needed."""
        now = self._clock()
        if self._token is not None and not renew and now < self._token.expires_at:
            return self._token.value
        body = None
        if self._token is not None and self._token.refresh:
            body = {"grant_type": "refresh_token", **self._credentials, "refresh_token": self._token.refresh}
        response = self._post_token(body or self._token_body())
        if response.status_code != 200 and body is not None:
            # The refresh token was rotated away by another worker, or revoked: log in afresh.
            response = self._post_token(self._token_body())
        if response.status_code != 200:
            raise CrmAuthError(_token_failure(response, self.grant))
        data = first_json(response.text) or {}
        value = data.get("access_token") if isinstance(data, dict) else None
        if not value:
            raise CrmAuthError("SuiteCRM token endpoint answered 200 without an access_token; is the URL the site root?")
        lifetime = float(data.get("expires_in") or 3600)
        self._token = _Token(value=value, expires_at=now + max(lifetime - 60.0, lifetime / 2), refresh=data.get("refresh_token"))
        return value

    def _post_token(self, body: Mapping[str, str]) -> requests.Response:
        self.token_requests += 1
        return self.http.send(
            "POST",
            f"{self.api_root}/access_token",
            data=json.dumps(dict(body)),
            headers={"Content-Type": "application/vnd.api+json", "Accept": "application/vnd.api+json"},
            # league/oauth2-server's errors carry an "error" code: a 500 with one is a refusal, not an outage.
            retry_if=lambda r: not _is_oauth_error(r),
        )

    # ---- API calls -----------------------------------------------------------------------

    def request(self, method: str, path: str, *, params: list[tuple[str, str]] | None = None,
                body: Any = None) -> Any:
        """Call ``Api/V8/<path>``; returns the parsed JSON, raising in SuiteCRM's words on failure."""
        url = f"{self.api_root}/V8/{path.lstrip('/')}"
        for attempt in (1, 2):
            headers = {"Accept": "application/vnd.api+json", "Authorization": f"Bearer {self.token(renew=attempt == 2)}"}
            if body is not None:
                headers["Content-Type"] = "application/vnd.api+json"
            response = self.http.send(method, url, params=params, data=None if body is None else json.dumps(body),
                                      headers=headers)
            if response.status_code == 401 and attempt == 1:
                continue  # expired or revoked early: one renewal, then give up
            break
        if response.status_code == 401:
            raise CrmAuthError(f"SuiteCRM {method} {path.split('?')[0]}: {_api_message(response)} "
                               "(a fresh token was refused too; check the OAuth2 client and its user)")
        if response.status_code >= 400:
            message = _api_message(response)
            raise CrmRequestError(f"SuiteCRM {method} {path.split('?')[0]}: HTTP {response.status_code}: {message}",
                                  status=response.status_code, kind=_kind(response.status_code, message))
        parsed = first_json(response.text)
        if parsed is None:
            raise CrmRequestError(
                f"SuiteCRM {method} {path.split('?')[0]}: HTTP {response.status_code} but the body is not JSON "
                f"({truncate(response.text, 80)!r}); is the site URL right and mod_rewrite on?",
                status=response.status_code, kind="invalid",
            )
        return parsed


def _is_oauth_error(response: requests.Response) -> bool:
    data = first_json(response.text)
    return isinstance(data, dict) and "error" in data


def _token_failure(response: requests.Response, grant: str) -> str:
    """Why the token endpoint refused, without a byte of its body (it may contain the password)."""
    data = first_json(response.text)
    code = data.get("error") if isinstance(data, dict) else None
    status = response.status_code
    hints = {
        "invalid_client": "wrong client secret, or this OAuth2 client may not use this grant / is not confidential",
        "invalid_scope": "a scope was sent; SuiteCRM defines none",
        "unsupported_grant_type": "the grant type is missing or unsupported",
        "invalid_request": "the request is incomplete or the refresh token is no longer valid",
        "unknown_error": ("unknown client id, or wrong username/password for the password grant "
                          "(SuiteCRM's own text is not shown: it repeats the password)"),
    }
    hint = hints.get(str(code), "check the client id and secret")
    return f"SuiteCRM refused the {grant} token request (HTTP {status}{f' {code}' if code else ''}): {hint}"


def _api_message(response: requests.Response) -> str:
    data = first_json(response.text)
    if isinstance(data, dict):
        errors = data.get("errors")
        if isinstance(errors, dict):
            return truncate(str(errors.get("detail") or errors.get("title") or errors))
        if isinstance(errors, list) and errors:
            first = errors[0] if isinstance(errors[0], dict) else {}
            return truncate(str(first.get("detail") or first.get("title") or errors[0]))
        if "error" in data:
            hint = data.get("hint")
            text = data.get("error_description") or data.get("message") or data["error"]
            return truncate(f"{data['error']}: {text}" + (f" ({hint})" if hint else ""))
        if "message" in data:
            return truncate(str(data["message"]))
    return truncate(response.reason or f"HTTP {response.status_code}", 120)


def _kind(status: int, message: str) -> str:
    lowered = message.lower()
    if "is not found" in lowered and "module with id" in lowered:
        return "missing"
    if "accessdenied" in lowered or "not allowed" in lowered:
        return "access"
    if status in (404, 405):
        return "not_found"
    return "invalid"
