"""HTTP for CRM adapters: retries with backoff and jitter, ``Retry-After``, and a client-side rate limit.

Neither SuiteCRM nor Odoo rate-limits its API, but the proxies in front of them do (429, 502, 504),
PHP times out under load, and a CRM shared with its users must not be hammered by a sync. So every
request goes through :class:`HttpClient`, which

* waits for its turn under a requests-per-second budget (:class:`RateLimiter`);
* retries 408, 429, 5xx, timeouts and dropped connections with exponential backoff and full jitter,
  waiting at least what ``Retry-After`` asks (seconds or an HTTP date);
* hands every other response back to the adapter, which knows how its CRM words an error and
  raises :class:`~connector.crm_errors.CrmRequestError` at once (4xx are not worth retrying);
* never logs a body or a header: only method, path, status and timing, so tokens, secrets and the
  bodies of failed logins (SuiteCRM echoes the password) cannot leak into logs.

The retry loop is a small loop rather than tenacity: it needs ``Retry-After`` and per-call
predicates, and an injectable ``sleep`` so tests of 429 storms take milliseconds.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from connector.crm_errors import CrmUnavailable

__all__ = ["HttpClient", "RateLimiter", "RetryPolicy", "retry_after_seconds"]

log = logging.getLogger("crmscore.connector.http")

_USER_AGENT = "crmscore-connector/0.1 (+https://github.com/crmscore)"


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to retry; ``attempts`` counts the first try."""

    attempts: int = 6
    base_delay: float = 0.5  # seconds; attempt n waits up to base * 2**(n-1)
    max_delay: float = 30.0
    max_retry_after: float = 300.0  # a server asking for longer than this is treated as down
    statuses: frozenset[int] = field(default_factory=lambda: frozenset({408, 429, 500, 502, 503, 504}))

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**(attempt-1))], so retrying clients spread out."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return rng.uniform(0, ceiling)


class RateLimiter:
    """At most ``per_second`` request starts per second, spaced evenly (a token bucket of size one).

    Thread-safe, so a pool of workers sharing one CRM still shares one budget.
    """

    def __init__(self, per_second: float | None, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if per_second is not None and per_second <= 0:
            raise ValueError(f"rate limit must be a positive number of requests per second, not {per_second!r}")
        self.interval = 0.0 if per_second is None else 1.0 / per_second
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait for the next slot; returns the seconds waited."""
        if not self.interval:
            return 0.0
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self.interval
        wait = start - now
        if wait > 0:
            self._sleep(wait)
        return wait


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: either delta-seconds or an HTTP date; None when absent or garbled."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class HttpClient:
    """One CRM's HTTP session: base URL, timeouts, retry policy and rate budget.

    ``send`` returns the final :class:`requests.Response` for any status the policy does not retry
    (the adapter decides what a 400 means) and raises :class:`CrmUnavailable` once retries run out.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float | tuple[float, float] = (10.0, 120.0),
        retry: RetryPolicy | None = None,
        rate_per_second: float | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        seed: int | None = None,
        label: str = "CRM",
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", _USER_AGENT)
        self._sleep = sleep
        self.limiter = RateLimiter(rate_per_second, sleep=sleep)
        self._rng = random.Random(seed)
        self.label = label
        self.requests_sent = 0  # every attempt, retries included (benchmarks and tests read it)
        self.retries = 0
        self.waited = 0.0  # seconds slept in backoff

    def url(self, path: str) -> str:
        return path if urlsplit(path).scheme else urljoin(self.base_url, path.lstrip("/"))

    def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        json: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        retry_if: Callable[[requests.Response], bool] | None = None,
    ) -> requests.Response:
        """Send one request, retrying what is transient.

        ``retry_if`` narrows the policy for one call: it sees each retryable response and returns
        False when it is in fact final (SuiteCRM answers a wrong password with a 500).
        """
        url = self.url(path)
        where = f"{method} {urlsplit(url).path}"
        last_problem = ""
        for attempt in range(1, self.retry.attempts + 1):
            self.limiter.acquire()
            started = time.perf_counter()
            self.requests_sent += 1
            try:
                response = self.session.request(
                    method, url, params=params, json=json, data=data, headers=headers, timeout=self.timeout
                )
            except (requests.Timeout, requests.ConnectionError) as exc:
                last_problem = "timed out" if isinstance(exc, requests.Timeout) else "connection failed"
                log.warning("%s %s (attempt %d/%d)", where, last_problem, attempt, self.retry.attempts)
                wait = self.retry.backoff(attempt, self._rng)
            else:
                elapsed = time.perf_counter() - started
                status = response.status_code
                retryable = status in self.retry.statuses and (retry_if is None or retry_if(response))
                log.debug("%s -> %d in %.0f ms", where, status, elapsed * 1000)
                if not retryable:
                    return response
                last_problem = f"HTTP {status} {response.reason or ''}".strip()
                asked = retry_after_seconds(response.headers.get("Retry-After"))
                if asked is not None and asked > self.retry.max_retry_after:
                    raise CrmUnavailable(
                        f"{self.label} {where}: {last_problem}; the server asks to wait {asked:.0f} s "
                        f"(more than the {self.retry.max_retry_after:.0f} s crmscore waits); try again later"
                    )
                wait = max(self.retry.backoff(attempt, self._rng), asked or 0.0)
                log.warning("%s -> %s (attempt %d/%d)", where, last_problem, attempt, self.retry.attempts)
                response.close()
            if attempt == self.retry.attempts:
                break
            log.info("%s: retrying in %.2f s", where, wait)
            self.retries += 1
            self.waited += wait
            self._sleep(wait)
        raise CrmUnavailable(
            f"{self.label} {where}: {last_problem} on all {self.retry.attempts} attempts; "
            f"is {self.base_url} up? (retries wait with backoff and honour Retry-After)"
        )
