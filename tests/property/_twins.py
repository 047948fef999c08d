"""What the twin tests share: the outcome of a call, as a value to compare."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from httpcore_lite.exceptions import RequestException

PROXY_NAMES = tuple(
    f(f"{s}_proxy") for s in ("http", "https", "all", "no") for f in (str, str.upper)
)


def outcome(call: Callable[..., Any], *args: Any) -> Any:
    """What ``call(*args)`` returns, or the class and message of what it raised."""
    try:
        return call(*args)
    except (RequestException, ValueError, TypeError) as exc:
        return (type(exc).__name__, str(exc))
