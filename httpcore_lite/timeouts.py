"""Timeout: a frozen (connect, read, total) triple, and its one front door, ``coerce``."""

from __future__ import annotations

import math
import os
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

    ``connect`` bounds the TCP connect and the TLS handshake; ``read`` bounds each wait for
    bytes from the server (not the whole body); ``total`` bounds the whole exchange.

    Example:
        >>> Timeout.coerce((3.05, 27))
        Timeout(connect=3.05, read=27.0, total=None)

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


_NO_TIMEOUT = Timeout()


TIMEOUT_VARIABLE: Final = "HTTPCORE_LITE_TIMEOUT"


def default_timeout(environ: Mapping[str, str] | None = None) -> Timeout | None:
    """The timeout a new Session starts with: HTTPCORE_LITE_TIMEOUT when set (seconds for
    both, ``connect,read``, or ``none`` to wait forever), else None, as in requests.

    (A finite default is the plan, but a Python socket timeout costs a poll() before every
    read, which the hot path cannot afford yet: see docs/architecture.md, Timeouts.)

    Example:
        >>> default_timeout({"HTTPCORE_LITE_TIMEOUT": "3.05,27"})
        Timeout(connect=3.05, read=27.0, total=None)

    Raises:
        ValueError: a value that is none of those (it names the variable).
    """
    value = (os.environ if environ is None else environ).get(TIMEOUT_VARIABLE)
    if value is None or not value.strip():
        return None
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
