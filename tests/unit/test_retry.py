"""Retry: the policy's arithmetic, pure (no sockets, no sleeping).

Expected values marked "urllib3" were produced by urllib3 2.8's Retry on the same inputs
(in .venv-bench); they are written here so that the tests never import urllib3.
"""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys
import textwrap
import time
from email.utils import formatdate
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from httpcore_lite.exceptions import (
    ChunkedEncodingError,
    ConnectionError,
    ConnectTimeout,
    ContentDecodingError,
    InvalidHeader,
    ProxyError,
    ReadTimeout,
    RemoteProtocolError,
    RequestException,
    RetryError,
    SSLError,
    Timeout,
)
from httpcore_lite.models import Response
from httpcore_lite.retry import (
    RequestHistory,
    Retry,
    RetryExhausted,
    is_connect_error,
    is_read_error,
)
from httpcore_lite.structures import CaseInsensitiveDict

NOW = 1_700_000_000.0  # a fixed clock for Retry-After dates


def response(status: int, headers: dict[str, str] | None = None) -> Response:
    # The library's own Response: falsy for 4xx/5xx, so Retry must test "is not None".
    r = Response()
    r.status_code = status
    r.headers = CaseInsensitiveDict(headers or {})
    return r


def exhaust(retry: Retry, **increment: Any) -> tuple[int, RetryExhausted]:
    """Increment until the policy gives up: how many retries it allowed, and the error."""
    for count in range(100):
        try:
            retry = retry.increment(**increment)
        except RetryExhausted as exc:
            return count, exc
    raise AssertionError("never exhausted")


# --- construction ------------------------------------------------------------------------


def test_defaults_are_urllib3s() -> None:
    retry = Retry()
    assert (retry.total, retry.connect, retry.read, retry.redirect) == (10, None, None, None)
    assert (retry.status, retry.other) == (None, None)
    assert retry.allowed_methods == frozenset({"HEAD", "GET", "PUT", "DELETE", "OPTIONS", "TRACE"})
    assert retry.allowed_methods == Retry.DEFAULT_ALLOWED_METHODS
    assert retry.status_forcelist == frozenset()
    assert (retry.backoff_factor, retry.backoff_max, retry.backoff_jitter) == (0, 120, 0.0)
    assert retry.raise_on_redirect is True
    assert retry.raise_on_status is True
    assert retry.history == ()
    assert retry.respect_retry_after_header is True
    assert retry.remove_headers_on_redirect == {"cookie", "authorization", "proxy-authorization"}
    assert retry.retry_after_max == 21600
    assert {413, 429, 503} == Retry.RETRY_AFTER_STATUS_CODES
    assert Retry.DEFAULT_BACKOFF_MAX == 120
    assert Retry(3) == Retry.DEFAULT


def test_every_parameter_is_stored() -> None:
    history = (RequestHistory("GET", "/", None, 503, None),)
    retry = Retry(
        total=7,
        connect=1,
        read=2,
        redirect=3,
        status=4,
        other=5,
        allowed_methods=["get", "Post"],
        status_forcelist=[500, 502],
        backoff_factor=0.25,
        backoff_max=9,
        raise_on_redirect=False,
        raise_on_status=False,
        history=history,
        respect_retry_after_header=False,
        remove_headers_on_redirect=["X-Secret", "Cookie"],
        backoff_jitter=0.5,
        retry_after_max=60,
    )
    assert (retry.total, retry.connect, retry.read, retry.redirect) == (7, 1, 2, 3)
    assert (retry.status, retry.other) == (4, 5)
    assert retry.allowed_methods == frozenset({"GET", "POST"})  # upper-cased once, here
    assert retry.status_forcelist == frozenset({500, 502})
    assert (retry.backoff_factor, retry.backoff_max, retry.backoff_jitter) == (0.25, 9, 0.5)
    assert (retry.raise_on_redirect, retry.raise_on_status) == (False, False)
    assert retry.history == history
    assert retry.respect_retry_after_header is False
    assert retry.remove_headers_on_redirect == frozenset({"x-secret", "cookie"})
    assert retry.retry_after_max == 60
    assert Retry(status_forcelist=None).status_forcelist == frozenset()


def test_allowed_methods_none_retries_any_method() -> None:
    retry = Retry(allowed_methods=None, status_forcelist=[500])
    assert retry.allowed_methods is None
    assert retry.is_retry("POST", 500)
    assert retry.increment("POST", "/", error=ReadTimeout("slow")).read is None


def test_empty_allowed_methods_warns_and_means_any_method_as_in_urllib3() -> None:
    with pytest.warns(FutureWarning, match="allowed_methods=None"):
        retry = Retry(allowed_methods=[], status_forcelist=[500])
    assert retry.is_retry("PATCH", 500)


def expected_repr(total: object = 10, redirect: object = None, **counts: object) -> str:
    connect, read, status = (counts.get(name) for name in ("connect", "read", "status"))
    return (
        f"Retry(total={total}, connect={connect}, read={read}, redirect={redirect}, "
        f"status={status})"
    )


def test_repr() -> None:  # urllib3
    assert repr(Retry()) == expected_repr()
    assert repr(Retry(False)) == expected_repr(False, 0)
    assert repr(Retry(1, 2, 3, 4, 5)) == expected_repr(1, 4, connect=2, read=3, status=5)
    assert repr(Retry(redirect=False)) == expected_repr(10, 0)


def test_total_false_disables_redirects_too() -> None:  # urllib3
    retry = Retry(False)
    assert (retry.total, retry.redirect, retry.raise_on_redirect) == (False, 0, False)
    assert Retry(redirect=False).raise_on_redirect is False
    assert retry.new() == retry
    assert retry.new().raise_on_redirect is False


# --- immutability ------------------------------------------------------------------------


def test_retry_is_immutable() -> None:
    retry = Retry(3)
    with pytest.raises(AttributeError, match=r"retry.new\(total=...\)"):
        retry.total = 5
    with pytest.raises(AttributeError):
        del retry.read
    with pytest.raises(AttributeError):
        retry.anything = 1
    assert retry.total == 3


def test_new_changes_only_what_is_named() -> None:
    retry = Retry(3, status_forcelist=[503], backoff_factor=1)
    changed = retry.new(read=0, backoff_max=5)
    assert (changed.total, changed.read, changed.backoff_max) == (3, 0, 5)
    assert changed.status_forcelist == {503}
    assert changed.backoff_factor == 1
    assert (retry.read, retry.backoff_max) == (None, 120)
    with pytest.raises(TypeError):
        retry.new(bogus=1)


def test_subclass_survives_new_and_increment() -> None:
    class MyRetry(Retry):
        pass

    retry = MyRetry(3)
    assert type(retry.new()) is MyRetry
    assert type(retry.increment("GET", "/", error=ReadTimeout("slow"))) is MyRetry
    assert repr(retry).startswith("MyRetry(total=3,")
    assert retry != Retry(3)  # a different policy class is a different policy


def test_equal_hashable_picklable_copyable() -> None:
    retry = Retry(3, status_forcelist=[500], allowed_methods=["GET"])
    assert retry == Retry(3, status_forcelist=(500,), allowed_methods={"get"})
    assert hash(retry) == hash(Retry(3, status_forcelist=(500,), allowed_methods={"get"}))
    assert retry != Retry(4, status_forcelist=[500], allowed_methods=["GET"])
    assert retry != "Retry(3)"
    assert pickle.loads(pickle.dumps(retry)) == retry
    assert copy.deepcopy(retry) == retry
    assert copy.copy(retry) == retry
    spent = retry.increment("GET", "/", response=response(500))
    assert pickle.loads(pickle.dumps(spent)) == spent  # history without errors compares


def test_increment_never_mutates() -> None:
    retry = Retry(total=5, connect=5, read=5, redirect=5, status=5, other=5)
    before = (repr(retry), retry.history, retry.other)
    for increment in (
        {"error": ReadTimeout("slow")},
        {"error": ConnectTimeout("slow")},
        {"error": ContentDecodingError("bad gzip")},
        {"response": response(503)},
        {"response": response(302, {"Location": "/b"})},
        {},
    ):
        spent = retry.increment("GET", "/", **increment)
        assert spent is not retry
        assert (repr(retry), retry.history, retry.other) == before, increment
        assert spent.total == 4
        assert len(spent.history) == 1


def test_history_records_each_attempt_in_order() -> None:
    timeout = ReadTimeout("slow")
    retry = Retry(10)
    retry = retry.increment("GET", "/a", error=timeout)
    retry = retry.increment("GET", "/a", response=response(301, {"location": "/b"}))
    retry = retry.increment("GET", "/b", response=response(503))
    retry = retry.increment("GET", "/b")
    assert retry.history == (
        RequestHistory("GET", "/a", timeout, None, None),
        RequestHistory("GET", "/a", None, 301, "/b"),
        RequestHistory("GET", "/b", None, 503, None),
        RequestHistory("GET", "/b", None, None, None),
    )
    assert isinstance(retry.history, tuple)
    assert retry.history[1].redirect_location == "/b"
    assert (retry.total, retry.redirect, retry.status) == (6, None, None)


def test_increment_spends_the_matching_counter() -> None:
    retry = Retry(total=None, connect=3, read=3, redirect=3, status=3, other=3)
    assert retry.increment("POST", error=ConnectTimeout("x")).connect == 2
    assert retry.increment("GET", error=ReadTimeout("x")).read == 2
    assert retry.increment("GET", error=ConnectionError("refused"), connecting=True).connect == 2
    assert retry.increment("GET", error=ConnectionError("reset")).read == 2
    assert retry.increment("POST", error=SSLError("bad cert")).other == 2
    assert retry.increment("GET", response=response(307, {"Location": "/x"})).redirect == 2
    assert retry.increment("GET", response=response(500)).status == 2
    # A 3xx without Location is an error response, not a redirect (urllib3).
    no_location = retry.increment("GET", response=response(301))
    assert (no_location.redirect, no_location.status) == (3, 2)
    assert no_location.history[-1] == RequestHistory("GET", None, None, 301, None)
    # Neither error nor response: counts against total only (urllib3).
    bare = Retry(total=3, status=3).increment("GET", "/")
    assert (bare.total, bare.status) == (2, 3)


# --- exhaustion --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("retry", "increment", "allowed", "reason", "cause"),
    [  # urllib3: how many increments succeed, what the MaxRetryError carries
        (Retry(3), {"method": "GET", "error": ReadTimeout("x")}, 3, ReadTimeout, "ReadTimeout"),
        (Retry(10, read=2), {"method": "GET", "error": ReadTimeout("x")}, 2, ReadTimeout, "Read"),
        (
            Retry(10, connect=1),
            {"method": "POST", "error": ConnectTimeout("x")},
            1,
            ConnectTimeout,
            "ConnectTimeout('x')",
        ),
        (
            Retry(10, connect=0),
            {"method": "GET", "error": ConnectionError("refused"), "connecting": True},
            0,
            ConnectionError,
            "refused",
        ),
        (
            Retry(10, other=2),
            {"method": "POST", "error": ContentDecodingError("x")},
            2,
            ContentDecodingError,
            "ContentDecodingError",
        ),
        (
            Retry(10, status=2),
            {"method": "GET", "response": response(503)},
            2,
            None,
            "too many 503 error responses",
        ),
        (
            Retry(10, redirect=2),
            {"method": "GET", "response": response(301, {"location": "/y"})},
            2,
            None,
            "too many redirects",
        ),
        (
            Retry(10, redirect=2, status=1),
            {"method": "GET", "response": response(301)},
            1,
            None,
            "too many 301 error responses",
        ),
        (Retry(2), {"method": "GET"}, 2, None, "too many error responses"),
        (Retry(0), {"method": "GET", "error": ConnectTimeout("x")}, 0, ConnectTimeout, "Conn"),
        (Retry(None, connect=0), {"error": ConnectTimeout("x")}, 0, ConnectTimeout, "Conn"),
        (Retry(False), {"method": "GET", "response": response(503)}, 0, None, "503"),
    ],
)
def test_exhaustion(
    retry: Retry,
    increment: dict[str, Any],
    allowed: int,
    reason: type[Exception] | None,
    cause: str,
) -> None:
    count, exc = exhaust(retry, url="/path", **increment)
    assert count == allowed
    assert exc.response is increment.get("response")
    if reason is None:
        assert exc.reason is None
    else:
        assert exc.reason is increment["error"]
        assert isinstance(exc.reason, reason)
        assert exc.__cause__ is exc.reason
    assert str(exc).startswith("Max retries exceeded with url: /path (Caused by ")
    assert cause in str(exc)
    assert exc.retry is not None
    assert exc.retry.is_exhausted()
    assert len(exc.retry.history) == allowed + 1


def test_retry_exhausted_is_a_retry_error() -> None:
    with pytest.raises(RetryError) as info:
        Retry(0).increment("GET", "/", response=response(503))
    exc = info.value
    assert isinstance(exc, RetryExhausted)
    assert isinstance(exc, RequestException)
    assert exc.response is not None
    assert exc.response.status_code == 503
    copied = pickle.loads(pickle.dumps(exc))
    assert type(copied) is RetryExhausted
    assert str(copied) == str(exc)
    assert copied.retry == exc.retry


@pytest.mark.parametrize(
    ("retry", "method", "error", "connecting"),
    [  # urllib3: these re-raise the error itself, no MaxRetryError
        (Retry(10), "POST", ReadTimeout("x"), False),  # read error, method not allowed
        (Retry(10), None, ReadTimeout("x"), False),  # read error, method unknown
        (Retry(10), "POST", ConnectionError("reset"), False),  # reset after sending
        (Retry(0, read=False), "GET", ReadTimeout("x"), False),  # requests' max_retries=0
        (Retry(10, connect=False), "POST", ConnectTimeout("x"), False),
        (Retry(10, connect=False), "GET", ConnectionError("refused"), True),
        (Retry(False), "GET", ConnectTimeout("x"), False),  # retries off
        (Retry(False), "GET", ContentDecodingError("x"), False),
    ],
)
def test_errors_not_to_retry_are_raised_as_they_are(
    retry: Retry, method: str | None, error: Exception, connecting: bool
) -> None:
    with pytest.raises(type(error)) as info:
        retry.increment(method, "/", error=error, connecting=connecting)
    assert info.value is error
    assert not isinstance(info.value, RetryExhausted)


def test_total_false_with_a_response_exhausts_at_once() -> None:  # urllib3
    with pytest.raises(RetryExhausted) as info:
        Retry(False).increment("GET", "/", response=response(302, {"Location": "/x"}))
    assert str(info.value).endswith("(Caused by too many redirects)")
    assert info.value.retry is not None
    assert info.value.retry.raise_on_redirect is False  # the caller returns the 302


def test_is_exhausted() -> None:  # urllib3
    for retry in (Retry(0), Retry(1, read=False), Retry(True), Retry(None), Retry(5, status=0)):
        assert not retry.is_exhausted(), retry
    for retry in (Retry(-1), Retry(None, connect=-1), Retry(5, other=-1), Retry(5, redirect=-2)):
        assert retry.is_exhausted(), retry


# --- from_int ----------------------------------------------------------------------------


def test_from_int() -> None:  # urllib3
    assert repr(Retry.from_int(3)) == expected_repr(3)
    assert repr(Retry.from_int(3, redirect=False)) == expected_repr(3, 0)
    assert repr(Retry.from_int(3, redirect=2)) == expected_repr(3)
    assert repr(Retry.from_int(None)) == expected_repr(3)
    assert repr(Retry.from_int(None, default=5)) == expected_repr(5)
    assert repr(Retry.from_int(False)) == expected_repr(False, 0)
    assert repr(Retry.from_int(0)) == expected_repr(0)


def test_from_int_passes_a_retry_through() -> None:
    retry = Retry(2, read=0)
    assert Retry.from_int(retry) is retry
    assert Retry.from_int(None, default=retry) is retry
    assert Retry.from_int(None) is Retry.DEFAULT
    assert Retry.from_int(False).raise_on_redirect is False


# --- classification ----------------------------------------------------------------------


CLASSIFIED: list[tuple[Exception, bool, bool, bool]] = [
    # error, connecting, is a connect error, is a read error
    (ConnectTimeout("x"), False, True, False),
    (ConnectTimeout("x"), True, True, False),
    (ReadTimeout("x"), False, False, True),
    (ReadTimeout("x"), True, False, True),
    (ConnectionError("refused"), True, True, False),
    (ConnectionError("reset"), False, False, True),
    (ProxyError("tunnel"), True, True, False),
    (ProxyError("gone"), False, False, True),
    (RemoteProtocolError("bad status line"), False, False, True),
    (ChunkedEncodingError("short"), False, False, True),
    (SSLError("bad cert"), True, False, False),  # urllib3: "other"
    (SSLError("bad record"), False, False, False),
    (ContentDecodingError("x"), False, False, False),
    (Timeout("x"), False, False, False),
    (ValueError("x"), True, False, False),
]


def test_error_classification() -> None:
    for error, connecting, connect, read in CLASSIFIED:
        case = (error, connecting)
        assert is_connect_error(error, connecting=connecting) is connect, case
        assert is_read_error(error, connecting=connecting) is read, case


# --- is_retry ----------------------------------------------------------------------------

STATUSES = (500, 503, 429, 413, 502)
# urllib3: for each policy, the (method, status, has_retry_after) that is_retry accepts, out
# of every combination of GET/POST/get, the statuses above, and False/True.
RETRY_AFTER = {(m, s, True) for m in ("GET", "get") for s in (503, 429, 413)}
FORCED_500 = {(m, 500, h) for m in ("GET", "get") for h in (False, True)}


@pytest.mark.parametrize(
    ("kwargs", "accepted"),
    [
        ({}, RETRY_AFTER),
        ({"status_forcelist": [500]}, RETRY_AFTER | FORCED_500),
        ({"total": None, "status": 3}, set()),  # urllib3 tests total's truth
        ({"total": 0}, set()),
        ({"respect_retry_after_header": False}, set()),
        ({"allowed_methods": None}, RETRY_AFTER | {("POST", s, True) for s in (503, 429, 413)}),
        ({"total": False, "status_forcelist": [500]}, FORCED_500),
    ],
)
def test_is_retry_matrix(kwargs: dict[str, Any], accepted: set[tuple[str, int, bool]]) -> None:
    retry = Retry(**kwargs)
    got = {
        (method, status, has)
        for method in ("GET", "POST", "get")
        for status in STATUSES
        for has in (False, True)
        if retry.is_retry(method, status, has)
    }
    assert got == accepted


def test_is_retry_default_has_retry_after_is_false() -> None:
    assert not Retry().is_retry("GET", 503)
    assert Retry(status_forcelist=[503]).is_retry("GET", 503)


# --- backoff -----------------------------------------------------------------------------


def test_backoff_sequence_doubles_and_caps() -> None:  # urllib3
    retry = Retry(total=20, backoff_factor=0.5, backoff_max=10)
    seen = []
    for _ in range(8):
        seen.append(retry.get_backoff_time())
        retry = retry.increment("GET", "/", error=ReadTimeout("x"))
    assert seen == [0, 0, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    assert all(type(value) is float for value in seen)


def test_redirects_end_a_run_of_errors() -> None:  # urllib3
    retry = Retry(total=20, backoff_factor=0.5)
    retry = retry.increment("GET", "/", error=ReadTimeout("x"))
    retry = retry.increment("GET", "/", error=ReadTimeout("x"))
    assert retry.get_backoff_time() == 1.0
    retry = retry.increment("GET", "/", response=response(302, {"Location": "/x"}))
    assert retry.get_backoff_time() == 0
    retry = retry.increment("GET", "/x", response=response(503))
    assert retry.get_backoff_time() == 0  # one error since the redirect
    retry = retry.increment("GET", "/x", response=response(503))
    assert retry.get_backoff_time() == 1.0


def history_of(errors: int) -> tuple[RequestHistory, ...]:
    return (RequestHistory("GET", "/", None, 503, None),) * errors


def test_backoff_jitter_stays_within_bounds() -> None:
    retry = Retry(backoff_factor=1, backoff_jitter=0.5, history=history_of(3))
    values = {retry.get_backoff_time() for _ in range(200)}
    assert all(4.0 <= value <= 4.5 for value in values)
    assert len(values) > 1  # it does jitter
    capped = retry.new(backoff_max=4.2)
    assert all(capped.get_backoff_time() <= 4.2 for _ in range(200))
    assert retry.new(history=history_of(1)).get_backoff_time() == 0  # no jitter on a first retry


def test_a_long_run_of_errors_does_not_overflow() -> None:
    retry = Retry(None, backoff_factor=0.1, history=history_of(5000))
    assert retry.get_backoff_time() == 120
    assert retry.new(backoff_factor=1e300).get_backoff_time() == 120


@settings(max_examples=60, deadline=None)
@given(
    factor=st.floats(0, 1e6, allow_nan=False),
    backoff_max=st.floats(0, 1e4, allow_nan=False),
    jitter=st.floats(0, 10, allow_nan=False),
    errors=st.integers(0, 80),
)
def test_backoff_is_monotone_and_capped(
    factor: float, backoff_max: float, jitter: float, errors: int
) -> None:
    plain = Retry(None, backoff_factor=factor, backoff_max=backoff_max)
    times = [plain.new(history=history_of(n)).get_backoff_time() for n in range(errors)]
    assert times == sorted(times)
    assert all(0 <= value <= backoff_max for value in times)
    jittered = plain.new(backoff_jitter=jitter, history=history_of(errors))
    assert 0 <= jittered.get_backoff_time() <= backoff_max


# --- Retry-After -------------------------------------------------------------------------


RETRY_AFTERS: list[tuple[str, float]] = [  # urllib3, with retry_after_max=100
    ("120", 100.0),
    (" 5 ", 5.0),
    ("5\n", 5.0),
    ("0", 0.0),
    ("007", 7.0),
    ("9" * 30, 100.0),
    ("9" * 5000, 100.0),  # int() of that many digits would raise on Python 3.11+
    (formatdate(NOW + 30, usegmt=True), 30.0),
    (formatdate(NOW - 30, usegmt=True), 0.0),
    ("Fri, 31 Dec 1999 23:59:59 GMT", 0.0),
    (formatdate(NOW + 3600, usegmt=True), 100.0),
    # No zone, or -0000: HTTP-dates are GMT (RFC 9110 section 5.6.7), whatever the TZ.
    (formatdate(NOW + 30, usegmt=True).replace("GMT", "-0000"), 30.0),
    (formatdate(NOW + 30, usegmt=True).replace(" GMT", ""), 30.0),
    (formatdate(NOW + 30, localtime=False).replace("-0000", "+0100"), 0.0),
]


def test_parse_retry_after() -> None:
    retry = Retry(retry_after_max=100)
    for value, seconds in RETRY_AFTERS:
        got = retry.parse_retry_after(value, now=NOW)
        assert got == pytest.approx(seconds), value
        assert type(got) is float


def test_parse_retry_after_uses_the_clock_without_now() -> None:
    value = formatdate(time.time() + 60, usegmt=True)
    assert 55 <= Retry().parse_retry_after(value) <= 60
    assert Retry().parse_retry_after("7200") == 7200  # under the 6 hour default cap
    assert Retry().parse_retry_after("99999") == 21600


def test_parse_retry_after_rejects_what_is_neither_seconds_nor_a_date() -> None:  # urllib3
    for value in ["-5", "1.5", "abc", "", "  ", "5 s", "\u0663", "Fri, 32 Dec 1999"]:
        with pytest.raises(InvalidHeader, match="Invalid Retry-After header"):
            Retry().parse_retry_after(value, now=NOW)


def test_get_retry_after() -> None:
    retry = Retry()
    assert retry.get_retry_after(response(503)) is None
    assert retry.get_retry_after(response(503, {"retry-after": "5"})) == 5.0
    with pytest.raises(InvalidHeader):
        retry.get_retry_after(response(503, {"Retry-After": "soon"}))


SLEEP_FOR: list[tuple[dict[str, Any], dict[str, str], float]] = [
    # policy, response headers, seconds (the backoff is 2 s)
    ({}, {"Retry-After": "5"}, 5.0),  # Retry-After wins over backoff
    ({"respect_retry_after_header": False}, {"Retry-After": "5"}, 2.0),
    ({}, {}, 2.0),
    ({}, {"Retry-After": "0"}, 2.0),  # urllib3: a zero Retry-After falls to backoff
    ({}, {"Retry-After": "soon"}, 2.0),  # malformed: ignored (urllib3 would raise)
    ({"retry_after_max": 3}, {"Retry-After": "5"}, 3.0),
    ({}, {"Retry-After": formatdate(NOW + 42, usegmt=True)}, 42.0),
]


def test_sleep_for() -> None:
    for kwargs, headers, expected in SLEEP_FOR:
        retry = Retry(backoff_factor=1, history=history_of(2), **kwargs)
        got = retry.sleep_for(response(503, headers), now=NOW)
        assert got == pytest.approx(expected), (kwargs, headers)
        assert retry.sleep_for(None) == 2.0
        assert retry.sleep_for() == 2.0


def test_sleep_sleeps_for_sleep_for(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    Retry(backoff_factor=1, history=history_of(3)).sleep()
    Retry(backoff_factor=1, history=history_of(3)).sleep(response(429, {"Retry-After": "2"}))
    Retry().sleep()  # nothing to wait for: no call at all
    assert slept == [4.0, 2.0]


# --- import cost -------------------------------------------------------------------------


def test_import_loads_no_email_random_or_datetime() -> None:
    code = """
        import sys
        import httpcore_lite.exceptions
        before = set(sys.modules)
        import httpcore_lite.retry
        print(sorted(m for m in ("email", "random", "datetime") if m in set(sys.modules) - before))
    """
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert result.stdout.strip() == "[]"
