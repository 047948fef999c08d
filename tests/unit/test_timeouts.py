"""Timeout.coerce: every shape requests accepts, and nothing else."""

from __future__ import annotations

import dataclasses
import math

import pytest

from httpcore_lite import timeouts as timeouts_module
from httpcore_lite.timeouts import DEFAULT_TIMEOUT, Deadline, KernelTimeout, Timeout, kernel_timed


@pytest.mark.parametrize(
    ("given", "connect", "read"),
    [
        (5, 5.0, 5.0),
        (0.5, 0.5, 0.5),
        ((3, 27), 3.0, 27.0),
        ((3.05, None), 3.05, None),
        ((None, 7), None, 7.0),
        ((None, None), None, None),
        (None, None, None),
    ],
)
def test_coerce_shapes(given: object, connect: float | None, read: float | None) -> None:
    timeout = Timeout.coerce(given)  # type: ignore[arg-type]
    assert timeout.connect == connect
    assert timeout.read == read
    assert timeout.total is None
    for value in (timeout.connect, timeout.read):
        assert value is None or type(value) is float


def test_coerce_returns_a_timeout_instance_unchanged() -> None:
    given = Timeout(connect=1, read=2, total=3)
    assert Timeout.coerce(given) is given
    assert (given.connect, given.read, given.total) == (1.0, 2.0, 3.0)


def test_timeout_is_frozen() -> None:
    timeout = Timeout.coerce(3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        timeout.read = 5  # type: ignore[misc]


def test_coerce_pair_equals_explicit() -> None:
    assert Timeout.coerce((3.05, 27)) == Timeout(connect=3.05, read=27)
    assert repr(Timeout.coerce((3.05, 27))) == "Timeout(connect=3.05, read=27.0, total=None)"


@pytest.mark.parametrize(
    "given",
    [
        (1, 2, 3),
        (1,),
        (),
        -1,
        -0.5,
        0,
        0.0,
        (0, 5),
        (5, 0),
        (-1, 5),
        (5, -1),
        True,
        False,
        (True, 5),
        (5, False),
        "5",
        b"5",
        ("3", "27"),
        math.nan,
        (math.nan, 1),
        [3, 27],
        {"connect": 3},
    ],
    ids=repr,
)
def test_coerce_refuses(given: object) -> None:
    with pytest.raises(ValueError):
        Timeout.coerce(given)  # type: ignore[arg-type]


def test_bad_total_is_refused() -> None:
    with pytest.raises(ValueError, match="total"):
        Timeout(connect=1, read=1, total=0)


def test_error_messages_name_the_field() -> None:
    with pytest.raises(ValueError, match=r"connect timeout to -1"):
        Timeout.coerce((-1, 5))
    with pytest.raises(ValueError, match=r"read was '5'"):
        Timeout.coerce((5, "5"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"\(connect, read\)"):
        Timeout.coerce((1, 2, 3))  # type: ignore[arg-type]


def test_with_total_keeps_connect_and_read() -> None:
    assert Timeout(connect=1, read=2).with_total(3) == Timeout(connect=1, read=2, total=3)


def test_kernel_timed_equals_the_plain_timeout_and_keeps_its_kind() -> None:
    timeout = kernel_timed(3, 7)
    assert timeout == Timeout(connect=3, read=7)
    assert type(timeout.read) is KernelTimeout
    assert type(timeout.connect) is float  # connecting is always timed by Python


def test_the_default_is_finite_on_connect_and_read() -> None:
    assert DEFAULT_TIMEOUT.connect is not None
    assert DEFAULT_TIMEOUT.read is not None
    assert DEFAULT_TIMEOUT.total is None


def test_a_deadline_cuts_waits_to_what_is_left(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    monkeypatch.setattr(timeouts_module.time, "monotonic", lambda: now[0])
    deadline = Deadline(5.0)
    assert deadline.cut(30.0) == 5.0
    assert deadline.cut(2.0) == 2.0
    assert deadline.cut(None) == 5.0
    now[0] = 104.0
    assert deadline.cut(30.0) == 1.0
    assert deadline.remaining() == 1.0
    now[0] = 106.0
    assert deadline.cut(30.0) <= 0
    assert "total timeout" in deadline.describe()
