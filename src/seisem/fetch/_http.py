"""HTTP GET with a rate limit, retries with exponential backoff and ``Retry-After``, on the
standard library only (``urllib.request``).

Transient answers are retried: HTTP 408, 429, 500, 502, 503 and 504, a connection that fails or
times out, and a body cut short (``IncompleteRead``, or one a caller's ``check`` calls truncated).
Any other unexpected answer raises :class:`~seisem.fetch.FetchError` at once, naming the URL, the
status and what was expected.
"""

from __future__ import annotations

import email.utils
import http.client
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .. import __version__
from .._errors import FetchError, ParameterError

#: Statuses worth trying again after a wait.
TRANSIENT = (408, 429, 500, 502, 503, 504)
USER_AGENT = f"seisem/{__version__} (seisem fetch; Python urllib)"


@dataclass
class Response:
    url: str
    status: int
    body: bytes
    headers: dict = field(default_factory=dict)


class Truncated(Exception):
    """Raised by a ``check`` callback: the body is cut short (worth another try)."""


class Unexpected(Exception):
    """Raised by a ``check`` callback: the body is not what was expected (no retry)."""


def _snippet(body: bytes, n: int = 200) -> str:
    text = body[:n].decode("utf-8", "replace").strip()
    return " ".join(text.split())


def retry_after_s(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: a number of seconds or an HTTP date."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


class Http:
    r"""A polite HTTP client: a rate limit, retries with backoff, a timeout.

    At most ``rate`` requests a second, ``retries`` further tries of a
    transient failure (HTTP 408, 429, 500, 502, 503 or 504, no answer, a body cut short), the
    :math:`k`-th after :math:`b \cdot 2^{k-1}` seconds with :math:`b` = ``backoff_s`` (or what
    the server's ``Retry-After`` asks), each wait capped at ``max_wait_s``, and ``timeout_s``
    per request.

    ``requests`` counts the requests made and ``waits`` lists every backoff wait as
    ``(url, seconds, why)``. Every parameter is keyword-only.

    Parameters
    ----------
    rate : float or None, default 1.0
        Most requests a second (positive); ``None``: no rate limit.
    retries : int, default 4
        Further tries of a transient failure (a whole number, at least 0).
    backoff_s : float, default 2.0
        The first wait before a retry, seconds (at least 0); it doubles with each retry.
    max_wait_s : float, default 300.0
        The longest wait before a retry, seconds, whatever the server's ``Retry-After`` asks.
    timeout_s : float, default 60.0
        Timeout of one request, seconds (positive).
    user_agent : str, default :data:`USER_AGENT`
        The ``User-Agent`` header sent (``seisem/<version> (seisem fetch; Python urllib)``).
    sleep : callable, default time.sleep
        Waits a number of seconds (injectable: tests pass a fake clock's).
    clock : callable, default time.monotonic
        Returns the current time in seconds, for the rate limit (injectable).

    Raises
    ------
    ParameterError
        A rate that is not positive, a negative or non-integer ``retries``, a negative
        ``backoff_s`` or ``max_wait_s``, or a ``timeout_s`` that is not positive.
    """

    def __init__(
        self,
        *,
        rate: float | None = 1.0,
        retries: int = 4,
        backoff_s: float = 2.0,
        max_wait_s: float = 300.0,
        timeout_s: float = 60.0,
        user_agent: str = USER_AGENT,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        if rate is not None and not rate > 0:
            raise ParameterError(f"rate={rate!r} (--rate): requests a second must be positive, e.g. 1")
        if not isinstance(retries, int) or retries < 0:
            raise ParameterError(f"retries={retries!r} (--retries): a whole number >= 0, e.g. 4")
        if not backoff_s >= 0 or not max_wait_s >= 0:
            raise ParameterError(f"backoff_s={backoff_s!r} (--backoff) and max_wait_s must be >= 0")
        if not timeout_s > 0:
            raise ParameterError(f"timeout_s={timeout_s!r} (--timeout): seconds, a positive number, e.g. 60")
        self.rate, self.retries, self.backoff_s = rate, retries, backoff_s
        self.max_wait_s, self.timeout_s, self.user_agent = max_wait_s, timeout_s, user_agent
        self.sleep, self.clock = sleep, clock
        self._last: float | None = None
        self.requests = 0
        self.waits: list = []  # (url, seconds, why) of every backoff wait

    def throttle(self) -> None:
        """Wait until the rate limit allows the next request; count it."""
        self.requests += 1
        if self.rate is None:
            return
        now = self.clock()
        if self._last is not None:
            gap = 1.0 / self.rate - (now - self._last)
            if gap > 0:
                self.sleep(gap)
                now = self.clock()
        self._last = now

    def pause(self, attempt: int, server_wait: float | None, url: str, why: str) -> None:
        """Sleep before try ``attempt`` (1, 2, ...): ``backoff_s * 2**(attempt-1)`` seconds, or
        what the server asked (``Retry-After``), at most ``max_wait_s``."""
        wait = self.backoff_s * 2 ** (attempt - 1) if server_wait is None else server_wait
        wait = min(wait, self.max_wait_s)
        self.waits.append((url, wait, why))
        self.sleep(wait)

    def _once(self, url: str) -> Response:
        """One request: a Response for any HTTP status; OSError-like failures propagate."""
        self.throttle()
        req = urllib.request.Request(
            url, headers={"User-Agent": self.user_agent, "Accept-Encoding": "identity"}
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as r:
                status, headers = r.status, dict(r.headers.items())
                body = r.read()
        except urllib.error.HTTPError as exc:
            try:
                body = exc.read()
            except (OSError, http.client.HTTPException):
                body = b""
            return Response(url, exc.code, body, dict(exc.headers.items()) if exc.headers else {})
        return Response(url, status, body, headers)

    def get(
        self,
        url: str,
        *,
        expect: str,
        empty: tuple = (204,),
        check: Callable[[Response], None] | None = None,
    ) -> Response:
        """GET ``url``: a Response with status 200 whose body passed ``check``, or one with a
        status in ``empty`` (no data; body ignored).

        ``expect`` says what a good answer is (for error messages). ``check(response)`` raises
        :class:`Truncated` (retried) or :class:`Unexpected` (not retried) with the reason.
        """
        problem = None
        for attempt in range(self.retries + 1):
            if attempt:
                self.pause(attempt, problem[1], url, problem[0])
            try:
                r = self._once(url)
            except http.client.IncompleteRead as exc:
                problem = (f"the body was cut short after {len(exc.partial)} bytes", None, None)
                continue
            except (TimeoutError, urllib.error.URLError, http.client.HTTPException, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                problem = (f"no answer ({type(reason).__name__}: {reason})", None, None)
                continue
            if r.status in empty:
                return r
            if r.status in TRANSIENT:
                problem = (f"HTTP {r.status}", retry_after_s(r.headers.get("Retry-After")), r.status)
                continue
            if r.status != 200:
                raise FetchError(
                    f"{url}: HTTP {r.status}; expected HTTP 200 with {expect}. The service said: "
                    f"{_snippet(r.body)!r}",
                    url=url,
                    status=r.status,
                )
            if check is not None:
                try:
                    check(r)
                except Truncated as exc:
                    problem = (f"truncated body ({exc})", None, 200)
                    continue
                except Unexpected as exc:
                    raise FetchError(
                        f"{url}: HTTP 200 but {exc}; expected {expect}. The body begins: {_snippet(r.body)!r}",
                        url=url,
                        status=200,
                    ) from None
            return r
        status = problem[2]
        raise FetchError(
            f"{url}: {problem[0]} after {self.retries + 1} tries"
            + (f" (HTTP {status})" if status and "HTTP" not in problem[0] else "")
            + f"; expected HTTP 200 with {expect}. Run the command again later to resume",
            url=url,
            status=status,
        )
