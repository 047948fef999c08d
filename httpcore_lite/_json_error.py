"""JSONDecodeError, defined on first use: as a json.JSONDecodeError too, it needs the json
package, which a program that never decodes JSON should not pay for at start-up.
``exceptions`` imports this module when ``exceptions.JSONDecodeError`` is first asked for.
"""

from __future__ import annotations

import json
from typing import Any

from .exceptions import InvalidJSONError


class JSONDecodeError(InvalidJSONError, json.JSONDecodeError):
    """Couldn't decode the text into json; also a ``json.JSONDecodeError``, so code
    written for either catches it. ``Response.json()`` raises it.

    Examples:
        >>> r = httpcore_lite.get("https://httpbin.org/html")
        >>> r.json()
        Traceback (most recent call last):
        ...
        httpcore_lite.exceptions.JSONDecodeError: Expecting value: line 1 column 1 (char 0)
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # json.JSONDecodeError builds its own message from (msg, doc, pos);
        # RequestException takes the request/response keywords. Both, as requests does.
        json.JSONDecodeError.__init__(self, *args)
        InvalidJSONError.__init__(self, *self.args, **kwargs)

    def __reduce__(self) -> str | tuple[Any, ...]:
        # Pickled as json.JSONDecodeError is, from (msg, doc, pos).
        return json.JSONDecodeError.__reduce__(self)


# Its public home: tracebacks, reprs and pickle name it httpcore_lite.exceptions.JSONDecodeError.
JSONDecodeError.__module__ = "httpcore_lite.exceptions"

__all__ = ["JSONDecodeError"]
