"""The basement: sockets, TLS, HTTP/1.1 framing and the connection pool.

Nothing here knows about Sessions, auth or redirects. This is its front door: the adapter
imports what it needs from here, never from the modules below (tests/unit/test_architecture.py
keeps it so). Inside, imports run pool -> proxy -> http11 -> bodies -> network -> tls.
"""

from .bodies import ResponseBody
from .http11 import Headers, RequestHead, ResponseHead
from .pool import ConnectionPool, PoolKey
from .proxy import Proxy
from .tls import TLSConfig

__all__ = [
    "ConnectionPool",
    "Headers",
    "PoolKey",
    "Proxy",
    "RequestHead",
    "ResponseBody",
    "ResponseHead",
    "TLSConfig",
]
