"""Hooks: callables run on events of a request's life, ``request`` and ``response``.

A ``response`` hook receives the Response (and the send keyword arguments); if it returns
something, that replaces the response for the hooks after it and for the caller. A
``request`` hook receives the PreparedRequest just before it is sent (each redirect hop and
auth answer too), to observe it: what it returns is ignored. Pass hooks as
``hooks={"response": callable or list}`` to a call, or set them on ``Session.hooks``.
(requests has the ``response`` event only.)

Examples:
    >>> def show(r, **kwargs):
    ...     print(r.status_code, r.url)
    >>> r = httpcore_lite.get("https://httpbin.org/get", hooks={"response": show})
    200 https://httpbin.org/get
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

HOOKS = ["request", "response"]

Hook = Callable[..., Any]


def default_hooks() -> dict[str, list[Hook]]:
    """A fresh ``{"request": [], "response": []}``: where a Request's and a Session's hooks start.

    Examples:
        >>> from httpcore_lite.hooks import default_hooks
        >>> default_hooks()
        {'request': [], 'response': []}
    """
    return {event: [] for event in HOOKS}


def dispatch_hook(key: str, hooks: dict[str, Any] | None, hook_data: Any, **kwargs: Any) -> Any:
    """Run the hooks registered for ``key`` on ``hook_data``; return the final value.

    Examples:
        >>> from httpcore_lite.hooks import dispatch_hook
        >>> dispatch_hook("response", {"response": [lambda r, **kw: r * 2]}, 21)
        42
    """
    registered = (hooks or {}).get(key)
    if not registered:
        return hook_data
    if callable(registered):
        registered = [registered]
    for hook in registered:
        replaced = hook(hook_data, **kwargs)
        if replaced is not None:
            hook_data = replaced
    return hook_data


def observe_request(hooks: dict[str, Any], request: Any, kwargs: dict[str, Any]) -> None:
    """Run the ``request`` hooks on ``request`` (their return values are ignored).

    Examples:
        >>> from httpcore_lite.hooks import observe_request
        >>> observe_request({"request": print}, "GET /", {})
        GET /
    """
    registered = hooks.get("request")
    for hook in [registered] if callable(registered) else registered or ():
        hook(request, **kwargs)
