"""Retry: a frozen retry policy with urllib3's signature and semantics. It decides; it never sleeps.

``Retry`` counts what went wrong (connect, read, redirect, status, other) against budgets and
says how long to wait before the next attempt. The code that owns the loop (the adapter)
asks it questions and does the waiting, within its own deadline::

    retry = Retry.from_int(max_retries)
    while True:
        try:
            response = send_once()
        except (ConnectionError, Timeout) as exc:
            retry = retry.increment(method, url, error=exc)
        else:
            if not retry.is_retry(method, response.status_code, has_retry_after):
                return response
            retry = retry.increment(method, url, response=response)
        wait(retry.sleep_for(response))

How ``increment`` ends, and what the caller does with each outcome:

- It returns a **new** ``Retry`` with the counters spent: try again. The old one is unchanged.
- It raises **the error it was given**, as is, when that error must not be retried at all:
  retries disabled (``total=False``), ``connect=False`` / ``read=False``, or a read error on a
  method outside ``allowed_methods``. Let it propagate, as requests does with ``max_retries=0``.
- It raises :class:`RetryExhausted` (a :class:`RetryError`) when the budget is spent. It
  carries ``.reason``, the error of the last attempt (None when the last attempt returned a
  response), ``.response`` (that response, or None) and ``.retry`` (the spent policy, whose
  ``history`` lists every attempt). The caller maps it the way requests maps urllib3's
  ``MaxRetryError``: reason None -> ``RetryError`` for a status (or return the response when
  ``raise_on_status`` is False; likewise ``raise_on_redirect`` for redirects); a
  ``ConnectTimeout`` reason -> ``ConnectTimeout``; any other reason -> that error (or a
  ``ConnectionError``, as requests does), chained ``from exc``.

Errors are classified by their class and their ``phase`` (a ``Phase``, set where the error
was mapped), as urllib3 classifies its own, never by their words: a ``ConnectTimeout`` is a
connect error; a ``ConnectionError`` raised before anything was sent (its phase is resolving,
connecting or opening a tunnel: ``Phase.before_sending``; or the caller says so with
``connecting=True``) is a connect error too, and otherwise a read error, as are
``ReadTimeout``, ``RemoteProtocolError`` and ``ChunkedEncodingError``; ``SSLError`` and
everything else are "other" errors.

Where we differ from urllib3 on purpose: ``allowed_methods`` are stored upper-cased (urllib3
upper-cases only the method it is asked about, so ``["get"]`` never matched); an HTTP-date in
Retry-After without a zone is read as GMT (RFC 9110 section 5.6.7), not local time; and
:meth:`Retry.sleep_for` falls back to the backoff when Retry-After is malformed instead of
raising (``parse_retry_after`` and ``get_retry_after`` still raise ``InvalidHeader``).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Collection, Mapping
from typing import Any, ClassVar, Final, NamedTuple, Protocol, TypeVar

from .exceptions import (
    ChunkedEncodingError,
    ConnectionError,
    ConnectTimeout,
    InvalidHeader,
    ReadTimeout,
    RemoteProtocolError,
    RetryError,
    SSLError,
)

_R = TypeVar("_R", bound="Retry")

# RFC 9110 section 15.4: the statuses whose Location header is a redirect (urllib3's list).
_REDIRECT_STATUSES: Final = frozenset({301, 302, 303, 307, 308})
# 2.0 ** 1000 is still a finite float; a longer run of errors cannot raise OverflowError.
_MAX_BACKOFF_EXPONENT: Final = 1000
# More digits than this is more than 31 million years: as good as forever, and int() of
# a 5000-digit string raises ValueError on Python 3.11+.
_MAX_DELAY_DIGITS: Final = 15


class RequestHistory(NamedTuple):
    """One attempt that led to a retry, as ``Retry.history`` records it: the ``error``
    it raised, or the ``status`` of the response it returned (and its
    ``redirect_location``, for a redirect).

    Examples:
        >>> from httpcore_lite.exceptions import ReadTimeout
        >>> from httpcore_lite.retry import Retry
        >>> Retry(3).increment("GET", "https://httpbin.org/get", error=ReadTimeout("slow")).history
        (RequestHistory(method='GET', url='https://httpbin.org/get', error=ReadTimeout('slow'),
                        status=None, redirect_location=None),)
    """

    method: str | None
    url: str | None
    error: Exception | None
    status: int | None
    redirect_location: str | None


class ResponseLike(Protocol):
    """What Retry reads from a response; ``Response`` and the transport's responses fit."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...


class RetryExhausted(RetryError):
    """``Retry.increment`` found the retry budget spent (urllib3's ``MaxRetryError``).

    ``reason`` is the error of the last attempt, or None when that attempt returned a
    response (then ``response`` is it); ``retry`` is the spent policy.

    Examples:
        >>> from httpcore_lite.exceptions import ConnectTimeout
        >>> from httpcore_lite.retry import Retry, RetryExhausted
        >>> try:
        ...     Retry(0).increment("GET", "/", error=ConnectTimeout("slow"))
        ... except RetryExhausted as exc:
        ...     print(type(exc.reason).__name__, len(exc.retry.history))
        ConnectTimeout 1
    """

    def __init__(
        self,
        message: str,
        *,
        reason: Exception | None = None,
        retry: Retry | None = None,
        response: Any = None,
    ) -> None:
        super().__init__(message, response=response)
        self.reason = reason
        self.retry = retry


def is_connect_error(error: BaseException, *, connecting: bool = False) -> bool:
    """Whether ``error`` happened before the server could have seen the request.

    The error's ``phase`` says whether it came while the connection was being opened (DNS,
    TCP, proxy tunnel), before a byte of the request was written; ``connecting`` says so
    for an error without a phase.

    Examples:
        >>> is_connect_error(ConnectionError("refused"), connecting=True)
        True
    """
    if isinstance(error, ConnectTimeout):
        return True
    # urllib3 counts a failed TLS handshake as an "other" error, not a connect error.
    if not isinstance(error, ConnectionError) or isinstance(error, SSLError):
        return False
    phase = error.phase
    return connecting or (phase is not None and phase.before_sending)


def is_read_error(error: BaseException, *, connecting: bool = False) -> bool:
    """Whether ``error`` happened after the request was (maybe) sent: retried only for
    idempotent methods, since the server may have acted on it.

    Examples:
        >>> is_read_error(ReadTimeout("slow")), is_read_error(ConnectionError("reset"))
        (True, True)
    """
    if isinstance(error, (ReadTimeout, RemoteProtocolError, ChunkedEncodingError)):
        return True
    return (
        isinstance(error, ConnectionError)
        and not isinstance(error, SSLError)
        and not is_connect_error(error, connecting=connecting)
    )


def _redirect_location(response: ResponseLike) -> str | None:
    if response.status_code not in _REDIRECT_STATUSES:
        return None
    return response.headers.get("Location") or None


def _seconds_until(http_date: str, now: float | None) -> float:
    """Seconds from ``now`` to an HTTP-date (RFC 9110 section 5.6.7)."""
    # Imported here: email.utils pulls in socket, random and datetime, and most programs
    # never meet a Retry-After date.
    from datetime import timezone
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(http_date)
    except (TypeError, ValueError, IndexError, OverflowError):
        raise InvalidHeader(f"Invalid Retry-After header: {http_date}") from None
    if when.tzinfo is None:  # "-0000" or no zone: HTTP-dates are always GMT
        when = when.replace(tzinfo=timezone.utc)
    return when.timestamp() - (time.time() if now is None else now)


class Retry:
    """How many times to retry, on what, and how long to wait: an immutable policy.

    ``total`` bounds all retries (None: no bound, False: no retries, errors raised as they
    are); ``connect``, ``read``, ``redirect``, ``status`` and ``other`` bound each kind.
    Read errors and statuses are retried only for ``allowed_methods`` (None: any method);
    statuses only when in ``status_forcelist``, or 413/429/503 with a Retry-After header.
    Between retries, wait ``backoff_factor * 2 ** (n - 1)`` seconds after the n-th
    consecutive error (none after the first), plus up to ``backoff_jitter``, at most
    ``backoff_max``; or what Retry-After says, at most ``retry_after_max`` (6 hours).

    Examples:
        >>> from httpcore_lite.retry import Retry
        >>> retry = Retry(total=3, backoff_factor=0.5, status_forcelist=[502])
        >>> retry.is_retry("GET", 502), retry.is_retry("POST", 502)
        (True, False)

    Raises:
        AttributeError: on any attempt to set an attribute; use ``new(name=value)``.
    """

    DEFAULT_ALLOWED_METHODS: ClassVar[frozenset[str]] = frozenset(
        {"HEAD", "GET", "PUT", "DELETE", "OPTIONS", "TRACE"}
    )
    RETRY_AFTER_STATUS_CODES: ClassVar[frozenset[int]] = frozenset({413, 429, 503})
    DEFAULT_REMOVE_HEADERS_ON_REDIRECT: ClassVar[frozenset[str]] = frozenset(
        {"Cookie", "Authorization", "Proxy-Authorization"}
    )
    DEFAULT_BACKOFF_MAX: ClassVar[float] = 120
    # RFC 9110 sets no limit; 6 hours is urllib3's, and other clients'.
    DEFAULT_RETRY_AFTER_MAX: ClassVar[float] = 21600
    DEFAULT: ClassVar[Retry]  # Retry(3), set below the class: what from_int(None) gives

    __slots__ = (
        "allowed_methods",
        "backoff_factor",
        "backoff_jitter",
        "backoff_max",
        "connect",
        "history",
        "other",
        "raise_on_redirect",
        "raise_on_status",
        "read",
        "redirect",
        "remove_headers_on_redirect",
        "respect_retry_after_header",
        "retry_after_max",
        "status",
        "status_forcelist",
        "total",
    )

    total: bool | int | None
    connect: bool | int | None
    read: bool | int | None
    redirect: bool | int | None
    status: int | None
    other: int | None
    allowed_methods: frozenset[str] | None
    status_forcelist: frozenset[int]
    backoff_factor: float
    backoff_max: float
    raise_on_redirect: bool
    raise_on_status: bool
    history: tuple[RequestHistory, ...]
    respect_retry_after_header: bool
    remove_headers_on_redirect: frozenset[str]
    backoff_jitter: float
    retry_after_max: float

    def __init__(
        self,
        total: bool | int | None = 10,
        connect: bool | int | None = None,
        read: bool | int | None = None,
        redirect: bool | int | None = None,
        status: int | None = None,
        other: int | None = None,
        allowed_methods: Collection[str] | None = DEFAULT_ALLOWED_METHODS,
        status_forcelist: Collection[int] | None = None,
        backoff_factor: float = 0,
        backoff_max: float = DEFAULT_BACKOFF_MAX,
        raise_on_redirect: bool = True,
        raise_on_status: bool = True,
        history: tuple[RequestHistory, ...] | None = None,
        respect_retry_after_header: bool = True,
        remove_headers_on_redirect: Collection[str] = DEFAULT_REMOVE_HEADERS_ON_REDIRECT,
        backoff_jitter: float = 0.0,
        retry_after_max: float = DEFAULT_RETRY_AFTER_MAX,
    ) -> None:
        if redirect is False or total is False:
            redirect = 0
            raise_on_redirect = False
        if allowed_methods is not None and not allowed_methods:
            warnings.warn(
                "Using an empty collection for 'allowed_methods' to retry on any method is "
                "deprecated (as in urllib3); use Retry(..., allowed_methods=None).",
                FutureWarning,
                stacklevel=2,
            )
        init = object.__setattr__
        init(self, "total", total)
        init(self, "connect", connect)
        init(self, "read", read)
        init(self, "redirect", redirect)
        init(self, "status", status)
        init(self, "other", other)
        methods = None if allowed_methods is None else frozenset(m.upper() for m in allowed_methods)
        init(self, "allowed_methods", methods)
        init(self, "status_forcelist", frozenset(status_forcelist or ()))
        init(self, "backoff_factor", backoff_factor)
        init(self, "backoff_max", backoff_max)
        init(self, "raise_on_redirect", raise_on_redirect)
        init(self, "raise_on_status", raise_on_status)
        init(self, "history", tuple(history or ()))
        init(self, "respect_retry_after_header", respect_retry_after_header)
        names = frozenset(name.lower() for name in remove_headers_on_redirect)
        init(self, "remove_headers_on_redirect", names)
        init(self, "backoff_jitter", backoff_jitter)
        init(self, "retry_after_max", retry_after_max)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Retry is immutable: use retry.new({name}=...) for a changed copy")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Retry is immutable: cannot delete {name!r}")

    def _params(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Retry) or type(other) is not type(self):
            return NotImplemented
        return self._params() == other._params()

    def __hash__(self) -> int:
        return hash(tuple(self._params().values()))

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickle and copy through __init__: the default would set the slots one by one.
        return (_rebuild, (type(self), self._params()))

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(total={self.total}, connect={self.connect}, "
            f"read={self.read}, redirect={self.redirect}, status={self.status})"
        )

    def new(self: _R, **changes: Any) -> _R:
        """A copy of this policy with ``changes`` applied.

        Examples:
            >>> from httpcore_lite.retry import Retry
            >>> Retry(3).new(read=0)
            Retry(total=3, connect=None, read=0, redirect=None, status=None)

        Raises:
            TypeError: a name that is not a parameter of Retry.
        """
        return type(self)(**{**self._params(), **changes})

    @classmethod
    def from_int(
        cls,
        retries: Retry | bool | int | None,
        redirect: bool | int | None = True,
        default: Retry | bool | int | None = None,
    ) -> Retry:
        """The one front door for requests' ``max_retries``: a Retry passes through, a count
        (or False) becomes a policy; None means ``default``, or ``Retry.DEFAULT`` (3 retries).

        Examples:
            >>> from httpcore_lite.retry import Retry
            >>> Retry.from_int(2, redirect=False)
            Retry(total=2, connect=None, read=None, redirect=0, status=None)
        """
        if retries is None:
            retries = default if default is not None else cls.DEFAULT
        if isinstance(retries, Retry):
            return retries
        # urllib3: a true ``redirect`` leaves redirects bounded by total only.
        return cls(retries, redirect=None if redirect else False)

    def is_exhausted(self) -> bool:
        """Whether any counter went below zero (None and False bound nothing).

        Examples:
            >>> from httpcore_lite.retry import Retry
            >>> Retry(0).is_exhausted(), Retry(-1).is_exhausted()
            (False, True)
        """
        counts = (self.total, self.connect, self.read, self.redirect, self.status, self.other)
        return any(count is not None and count < 0 for count in counts)

    def _is_method_retryable(self, method: str) -> bool:
        return not self.allowed_methods or method.upper() in self.allowed_methods

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        """Whether a response with ``status_code`` to ``method`` should be retried.

        Examples:
            >>> from httpcore_lite.retry import Retry
            >>> Retry(status_forcelist=[502]).is_retry("GET", 502)
            True
        """
        if not self._is_method_retryable(method):
            return False
        if status_code in self.status_forcelist:
            return True
        # urllib3 tests total's truth here, so total=None (and 0, False) never retries on
        # Retry-After alone; kept, so that policies behave as they did under requests.
        return bool(
            self.total
            and self.respect_retry_after_header
            and has_retry_after
            and status_code in self.RETRY_AFTER_STATUS_CODES
        )

    def increment(
        self: _R,
        method: str | None = None,
        url: str | None = None,
        response: ResponseLike | None = None,
        error: Exception | None = None,
        *,
        connecting: bool = False,
    ) -> _R:
        """The policy after one more failed attempt: the same policy, counters spent.

        Pass the ``error`` the attempt raised, or the ``response`` it returned;
        The error is classified by its type and its ``phase``; ``connecting=True`` says it
        came while opening the connection, for an error that carries no phase.

        Examples:
            >>> from httpcore_lite.exceptions import ReadTimeout
            >>> from httpcore_lite.retry import Retry
            >>> Retry(3).increment("GET", "/", error=ReadTimeout("slow"))
            Retry(total=2, connect=None, read=None, redirect=None, status=None)

        Raises:
            RetryExhausted: the budget is spent (see the module docstring for the mapping).
            Exception: ``error`` itself, when it is not to be retried at all.
        """
        if error is not None and self.total is False:
            raise error
        total = self.total
        if total is not None:
            total -= 1  # False - 1 == -1: with retries off, a response exhausts at once
        counts: dict[str, Any] = {"total": total}
        status: int | None = None
        location: str | None = None
        if error is not None:
            counts.update(self._spend_on_error(error, method, connecting))
            cause = repr(error)
        elif response is not None and (location := _redirect_location(response)):
            if self.redirect is not None:
                counts["redirect"] = self.redirect - 1
            status, cause = response.status_code, "too many redirects"
        else:
            cause = "too many error responses"
            if response is not None and response.status_code:
                if self.status is not None:
                    counts["status"] = self.status - 1
                status = response.status_code
                cause = f"too many {status} error responses"
        entry = RequestHistory(method, url, error, status, location)
        retry = self.new(history=(*self.history, entry), **counts)
        if retry.is_exhausted():
            message = f"Max retries exceeded with url: {url} (Caused by {cause})"
            raise RetryExhausted(message, reason=error, retry=retry, response=response) from error
        return retry

    def _spend_on_error(
        self, error: Exception, method: str | None, connecting: bool
    ) -> dict[str, Any]:
        if is_connect_error(error, connecting=connecting):
            if self.connect is False:
                raise error
            return {} if self.connect is None else {"connect": self.connect - 1}
        if is_read_error(error, connecting=connecting):
            if self.read is False or method is None or not self._is_method_retryable(method):
                raise error
            return {} if self.read is None else {"read": self.read - 1}
        return {} if self.other is None else {"other": self.other - 1}

    def get_backoff_time(self) -> float:
        """Seconds to wait before the next retry: none after the first of a run of errors
        (redirects end a run), then ``backoff_factor * 2 ** (n - 1)`` plus jitter, capped.

        Examples:
            >>> from httpcore_lite.retry import Retry
            >>> Retry(backoff_factor=0.5).get_backoff_time()  # no error yet
            0.0
        """
        run = 0
        for attempt in reversed(self.history):
            if attempt.redirect_location is not None:
                break
            run += 1
        if run <= 1:
            return 0.0
        backoff = self.backoff_factor * 2.0 ** min(run - 1, _MAX_BACKOFF_EXPONENT)
        if self.backoff_jitter:
            import random  # ~1 ms, and needed only with jitter

            backoff += random.uniform(0, self.backoff_jitter)
        return float(max(0.0, min(self.backoff_max, backoff)))

    def parse_retry_after(self, retry_after: str, *, now: float | None = None) -> float:
        """Seconds to wait for a Retry-After value: delay-seconds or an HTTP-date
        (RFC 9110 section 10.2.3); a date in the past gives 0; at most ``retry_after_max``.

        ``now`` is the current time.time(), for callers with their own clock.

        Examples:
            >>> from httpcore_lite.retry import Retry
            >>> Retry().parse_retry_after("120")
            120.0

        Raises:
            InvalidHeader: neither a whole number of seconds nor an HTTP-date ("-5", "1.5").
        """
        value = retry_after.strip()
        if value.isascii() and value.isdigit():
            digits = value.lstrip("0")
            seconds = float(int(digits or "0")) if len(digits) <= _MAX_DELAY_DIGITS else 1e308
        else:
            seconds = _seconds_until(value, now)
        return float(min(max(seconds, 0.0), self.retry_after_max))

    def get_retry_after(self, response: ResponseLike, *, now: float | None = None) -> float | None:
        """The response's Retry-After in seconds, or None without one.

        Examples:
            >>> from httpcore_lite.retry import Retry
            >>> r = httpcore_lite.get("https://httpbin.org/response-headers?Retry-After=5")
            >>> Retry().get_retry_after(r)
            5.0

        Raises:
            InvalidHeader: a Retry-After that cannot be parsed.
        """
        retry_after = response.headers.get("Retry-After")
        if retry_after is None:
            return None
        return self.parse_retry_after(retry_after, now=now)

    def sleep_for(self, response: ResponseLike | None = None, *, now: float | None = None) -> float:
        """Seconds to wait before the next attempt; sleeps not. A positive Retry-After on
        ``response`` wins when respected (a malformed one is ignored), else the backoff.

        Examples:
            >>> from httpcore_lite.retry import Retry
            >>> Retry(backoff_factor=1).sleep_for(None)
            0.0
        """
        if self.respect_retry_after_header and response is not None:
            try:
                retry_after = self.get_retry_after(response, now=now)
            except InvalidHeader:
                retry_after = None
            if retry_after:
                return retry_after
        return self.get_backoff_time()

    def sleep(self, response: ResponseLike | None = None) -> None:
        """Sleep for ``sleep_for(response)`` seconds (urllib3's API; the library does not
        call this: its loop waits within the request's deadline).

        Examples:
            >>> from httpcore_lite.retry import Retry
            >>> Retry().sleep()  # returns at once: no backoff configured
        """
        delay = self.sleep_for(response)
        if delay > 0:
            time.sleep(delay)


def _rebuild(cls: type[_R], params: dict[str, Any]) -> _R:
    return cls(**params)


Retry.DEFAULT = Retry(3)
