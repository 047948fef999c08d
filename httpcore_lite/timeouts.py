"""Timeout: a frozen (connect, read, total) triple, and its one front door, ``coerce``;
the default a Session starts with; and Deadline, the total budget of one exchange."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Mapping
from dataclasses import FrozenInstanceError  # (h11 loads dataclasses anyway)
from typing import Final, Union

TimeoutInput = Union["Timeout", float, int, tuple[float | int | None, float | int | None], None]


def _checked(name: str, value: object) -> float | None:
    # Same rules and wording as urllib3, which requests users already meet.
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(
            f"Timeout value {name} was {value!r}, but it must be an int, float or None."
        )
    if math.isnan(value) or value <= 0:
        raise ValueError(
            f"Attempted to set {name} timeout to {value!r}, but the timeout cannot be set "
            "to a value less than or equal to 0."
        )
    return float(value)


class Timeout:
    """How long to wait, in seconds; None waits forever. Frozen, hashable.

    Pass one as ``timeout=`` wherever requests takes a number or a pair. (Not to be
    confused with the exception ``httpcore_lite.Timeout``, requests' name for a timeout
    that ran out.)

    Args:
        connect: Bounds the TCP connect, and again the TLS handshake.
        read: Bounds each wait for bytes from the server (not the whole body).
        total: A deadline for the whole call: connecting, every redirect hop, retry and
            wait between retries, and reading the body (even after ``stream=True`` has
            returned the response).

    Examples:
        >>> from httpcore_lite.timeouts import Timeout
        >>> timeout = Timeout(connect=3.05, read=27, total=60)
        >>> httpcore_lite.get("https://httpbin.org/get", timeout=timeout)
        <Response [200]>

    Raises:
        ValueError: a value that is not a positive number or None.
    """

    # Written out rather than a frozen dataclass: @dataclass builds its methods with exec()
    # at import, about 1 ms of every program's start-up.
    __slots__ = ("connect", "read", "total")
    connect: float | None
    read: float | None
    total: float | None

    def __init__(
        self,
        connect: float | None = None,
        read: float | None = None,
        total: float | None = None,
    ) -> None:
        object.__setattr__(self, "connect", _checked("connect", connect))
        object.__setattr__(self, "read", _checked("read", read))
        object.__setattr__(self, "total", _checked("total", total))

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __repr__(self) -> str:
        return f"Timeout(connect={self.connect!r}, read={self.read!r}, total={self.total!r})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not Timeout:
            return NotImplemented
        return (self.connect, self.read, self.total) == (other.connect, other.read, other.total)

    def __hash__(self) -> int:
        return hash((self.connect, self.read, self.total))

    def __reduce__(self) -> tuple[type[Timeout], tuple[float | None, ...]]:
        return (Timeout, (self.connect, self.read, self.total))

    @classmethod
    def coerce(cls, value: TimeoutInput) -> Timeout:
        """Normalise every shape requests accepts: a number, a (connect, read) pair, None.
        A Timeout is returned as it is.

        Examples:
            >>> from httpcore_lite.timeouts import Timeout
            >>> Timeout.coerce((3.05, 27))
            Timeout(connect=3.05, read=27.0, total=None)
            >>> Timeout.coerce(5)
            Timeout(connect=5.0, read=5.0, total=None)

        Raises:
            ValueError: a tuple that is not a pair, or a value that is not a positive number.
        """
        if isinstance(value, Timeout):
            return value
        if value is None:
            return _NO_TIMEOUT
        if isinstance(value, tuple):
            if len(value) != 2:
                raise ValueError(
                    f"Invalid timeout {value!r}. Pass a (connect, read) timeout tuple, "
                    "or a single float to set both timeouts to the same value."
                )
            return cls(connect=value[0], read=value[1])
        return cls(connect=value, read=value)

    def with_total(self, total: float) -> Timeout:
        """This timeout with ``total`` as its total (what is left of a deadline).

        Examples:
            >>> from httpcore_lite.timeouts import Timeout
            >>> Timeout.coerce(5).with_total(30)
            Timeout(connect=5.0, read=5.0, total=30.0)

        Raises:
            ValueError: a total that is not a positive number.
        """
        return Timeout(self.connect, self.read, total)


_NO_TIMEOUT = Timeout()


class KernelTimeout(float):
    """A read timeout that the operating system enforces on a plain TCP socket (SO_RCVTIMEO
    and SO_SNDTIMEO), so that waiting costs no poll() before each read, as a Python socket
    timeout does. Only the default timeout uses it: a signal handled while the wait runs
    restarts the kernel's timer, which an explicit timeout must not allow. On TLS, and where
    the kernel cannot, it is an ordinary timeout. It equals the float it holds.
    """

    __slots__ = ()


def kernel_timed(connect: float | None, read: float) -> Timeout:
    """A Timeout whose read timeout is a KernelTimeout: what DEFAULT_TIMEOUT is made of.

    Examples:
        >>> kernel_timed(10, 120) == Timeout(connect=10, read=120)
        True

    Raises:
        ValueError: a value that is not a positive number (``connect`` may be None).
    """
    timeout = Timeout(connect=connect, read=read)
    object.__setattr__(timeout, "read", KernelTimeout(read))
    return timeout


DEFAULT_TIMEOUT: Final = kernel_timed(10.0, 120.0)
"""What a call waits when neither it nor its Session says otherwise, and
HTTPCORE_LITE_TIMEOUT is not set: 10 s to connect (and again for the TLS handshake), 120 s
for each wait for bytes from the server. Generous for slow servers and long downloads
(the read timeout bounds each wait, not the body), yet nothing waits forever."""

TIMEOUT_VARIABLE: Final = "HTTPCORE_LITE_TIMEOUT"


def default_timeout(environ: Mapping[str, str] | None = None) -> Timeout | None:
    """The timeout a new Session starts with: HTTPCORE_LITE_TIMEOUT when set (seconds for
    both, ``connect,read``, or ``none`` to wait forever), else DEFAULT_TIMEOUT.

    Examples:
        >>> from httpcore_lite.timeouts import DEFAULT_TIMEOUT, default_timeout
        >>> default_timeout({"HTTPCORE_LITE_TIMEOUT": "3.05,27"})
        Timeout(connect=3.05, read=27.0, total=None)
        >>> default_timeout({}) is DEFAULT_TIMEOUT
        True

    Raises:
        ValueError: a value that is none of those (it names the variable).
    """
    value = (os.environ if environ is None else environ).get(TIMEOUT_VARIABLE)
    if value is None or not value.strip():
        return DEFAULT_TIMEOUT
    text = value.strip().lower()
    if text == "none":
        return None
    try:
        parts = [None if part.strip() == "none" else float(part) for part in text.split(",")]
        if len(parts) == 1:
            return Timeout(connect=parts[0], read=parts[0])
        if len(parts) == 2:
            return Timeout(connect=parts[0], read=parts[1])
    except ValueError as exc:
        raise ValueError(f"{TIMEOUT_VARIABLE}={value!r}: {exc}") from exc
    raise ValueError(f"{TIMEOUT_VARIABLE}={value!r}: give seconds, 'connect,read' or 'none'")


class Deadline:
    """The moment (``time.monotonic()``) by which an exchange must be over, from a total
    budget: every wait is cut to what is left of it.

    Examples:
        >>> deadline = Deadline(5.0)
        >>> deadline.cut(30.0) <= 5.0
        True
    """

    __slots__ = ("at", "total")

    def __init__(self, total: float) -> None:
        self.total = total
        self.at = time.monotonic() + total

    def remaining(self) -> float:
        """Seconds left; zero or less once the deadline has passed."""
        return self.at - time.monotonic()

    def cut(self, timeout: float | None) -> float:
        """``timeout`` cut to what is left (zero or less once it has passed)."""
        remaining = self.at - time.monotonic()
        return remaining if timeout is None or remaining < timeout else timeout

    def describe(self) -> str:
        # Not "of N s": a redirect or an auth answer gets what is left of the caller's total,
        # and the caller knows what total they gave.
        return "the total timeout ran out"
