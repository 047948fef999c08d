"""Timeout: a frozen (connect, read, total) triple, and its one front door, ``coerce``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Union

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


@dataclass(frozen=True)
class Timeout:
    """How long to wait, in seconds; None waits forever.

    ``connect`` bounds the TCP connect and the TLS handshake; ``read`` bounds each wait for
    bytes from the server (not the whole body); ``total`` bounds the whole exchange.

    Example:
        >>> Timeout.coerce((3.05, 27))
        Timeout(connect=3.05, read=27.0, total=None)

    Raises:
        ValueError: a value that is not a positive number or None.
    """

    connect: float | None = None
    read: float | None = None
    total: float | None = None

    def __post_init__(self) -> None:
        for name in ("connect", "read", "total"):
            object.__setattr__(self, name, _checked(name, getattr(self, name)))

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
