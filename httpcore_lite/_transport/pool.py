"""ConnectionPool: idle keep-alive connections per (origin, TLS configuration), thread-safe.

A pooled connection's life: opened on demand -> carries one exchange -> goes back to its
host's idle list (LIFO: the warmest first) when the response was read to the end -> is
taken again, after a check that nothing has arrived on it meanwhile (the server closed it,
or sent bytes nobody asked for) -> ... -> closed when it breaks, expires, is surplus, or the
pool is closed.

The key includes the TLS configuration, so that a connection opened with ``verify=False``
never carries a request that asked for verification (requests' CVE-2024-35195), and the proxy
a connection goes through, if any (see proxy.py).

After os.fork() the child's pool holds the parent's sockets: it closes its copies and
opens its own connections (the parent's stay open and usable).

Safe replay: a keep-alive connection can be closed by the server at the very moment we
reuse it. A request that fails that way, before any byte of a response arrived, is sent
once more on a new connection, but only if the method is idempotent or nothing of the
request was written: a POST that may have reached the server is never sent twice.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Final, NamedTuple

from .._urls import Origin
from ..exceptions import ConnectionError, ConnectTimeout
from ..timeouts import Deadline, Timeout
from .bodies import ResponseBody
from .http11 import (
    HTTP11Connection,
    PreparedHead,
    PreparedHeads,
    RequestBody,
    RequestHead,
    ResponseHead,
)
from .network import Stream, connect_tcp, connect_unix
from .proxy import Proxy, open_through_proxy, secure_stream
from .tls import TLSConfig, TLSContexts

# RFC 9110 section 9.2.2: repeating these has the same effect as sending them once.
IDEMPOTENT_METHODS: Final = frozenset({b"GET", b"HEAD", b"PUT", b"DELETE", b"OPTIONS", b"TRACE"})
DEFAULT_IDLE_EXPIRY: Final = 30.0


class _Forks:
    """How many times this process was forked off: a pool made before a fork sees the count
    change in the child (see ConnectionPool._forget_the_parents). The hook runs in the child
    alone, before any of its threads; it also gives the child a fresh lock for the pools'
    resets, as a parent's thread may have held the old one at the fork."""

    __slots__ = ("count", "lock")

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    def in_child(self) -> None:
        self.count += 1
        self.lock = threading.Lock()


_FORKS: Final = _Forks()
if hasattr(os, "register_at_fork"):  # (not on Windows, which has no fork)
    os.register_at_fork(after_in_child=_FORKS.in_child)


class PoolKey(NamedTuple):
    origin: Origin
    tls: TLSConfig | None  # None for http://
    proxy: Proxy | None = None  # None: straight to the origin
    unix_socket: str | None = None  # the path to connect to instead of the origin's address


Connector = Callable[[PoolKey, float | None, Deadline | None, TLSContexts], Stream]


def open_stream(
    key: PoolKey,
    connect_timeout: float | None,
    deadline: Deadline | None,
    contexts: TLSContexts,
) -> Stream:
    """TCP connect, then the TLS handshake for https (with a context from ``contexts``),
    both within ``connect_timeout`` each (requests' meaning of the connect timeout) and
    what is left of ``deadline``; through the key's proxy if it has one."""
    if key.unix_socket is not None:
        stream = connect_unix(key.unix_socket, connect_timeout, deadline)
        if key.tls is None:
            return stream
        return secure_stream(stream, key.tls, key.origin.host, connect_timeout, deadline, contexts)
    if key.proxy is not None:
        return open_through_proxy(
            key.proxy, key.origin, key.tls, connect_timeout, deadline, contexts
        )
    origin = key.origin
    stream = connect_tcp(origin.host, origin.port, connect_timeout, deadline)
    if key.tls is None:
        return stream
    return secure_stream(stream, key.tls, origin.host, connect_timeout, deadline, contexts)


class _Counters:
    """What happened to the connections of one origin, for ``pool_statistics``. Guarded by
    the ConnectionPool's lock; kept when the origin's idle connections are retired."""

    __slots__ = ("discarded", "opened", "reused")

    def __init__(self) -> None:
        self.opened = 0  # connections opened
        self.reused = 0  # idle connections taken for another request
        self.discarded = 0  # connections closed by the pool: stale, expired, broken, surplus


class _HostPool:
    """The connections of one key. Guarded by the ConnectionPool's lock."""

    __slots__ = ("active", "closed", "counters", "idle")

    def __init__(self, counters: _Counters) -> None:
        self.idle: list[HTTP11Connection] = []
        self.active = 0
        self.closed = False
        self.counters = counters


class ConnectionPool:
    """Keep-alive connections for many origins, with requests' limits.

    ``num_pools`` (requests' ``pool_connections``) is how many origins keep idle
    connections; the least recently used is dropped past it. ``maxsize`` (``pool_maxsize``)
    is how many idle connections one origin keeps; with ``block`` it is also how many may be
    in use at once, and a further request waits for one, up to its connect timeout.

    Example:
        >>> pool = ConnectionPool()
        >>> head, body = pool.handle_request(key, request_head, None, Timeout(3, 5))
        >>> head.status_code, body.read_rest()
        (200, b'hello')
    """

    def __init__(
        self,
        num_pools: int = 10,
        maxsize: int = 10,
        block: bool = False,
        idle_expiry: float | None = DEFAULT_IDLE_EXPIRY,
        connector: Connector = open_stream,
    ) -> None:
        self._num_pools = num_pools
        self._maxsize = maxsize
        self._block = block
        self._idle_expiry = idle_expiry
        self._connector = connector
        self._lock = threading.Lock()
        # Only a blocking pool has waiters: a Condition for it alone (a module-level get()
        # makes two pools per call).
        self._freed = threading.Condition(self._lock) if block else None
        self._pools: OrderedDict[PoolKey, _HostPool] = OrderedDict()
        self._counters: dict[str, _Counters] = {}  # by origin, for pool_statistics
        self._heads = PreparedHeads()  # request heads h11 validated, for every connection
        self._tls = TLSContexts()  # contexts holding a client key are the pool's own
        self._forks = _FORKS.count

    def __repr__(self) -> str:
        with self._lock:
            idle = sum(len(p.idle) for p in self._pools.values())
            active = sum(p.active for p in self._pools.values())
        return f"<ConnectionPool [{len(self._pools)} origins, {idle} idle, {active} active]>"

    # -- the exchange --------------------------------------------------------------------

    def handle_request(
        self,
        key: PoolKey,
        request: RequestHead,
        body: RequestBody,
        timeout: Timeout,
        deadline: Deadline | None = None,
    ) -> tuple[ResponseHead, ResponseBody]:
        """Send one request over a pooled connection and return the response head and its
        body. The body gives the connection back when it is read to the end (the pool keeps
        it if it may carry another exchange), or closed: then the connection is closed too.
        Every wait, the body's included, is cut to what is left of ``deadline``.

        Raises:
            InvalidHeader: h11 refuses the head (no connection was taken or opened).
            ConnectTimeout, ConnectionError, SSLError, ReadTimeout, RemoteProtocolError.
        """
        # Refused by h11 (an invalid header) before any connection is taken or opened.
        prepared = self._heads.prepare(request)
        fresh_only = False
        while True:
            conn, host_pool = self._acquire(key, timeout.connect, fresh_only, deadline)
            give_back = functools.partial(self._release, conn, host_pool)
            try:
                return conn.send_prepared(prepared, body, timeout.read, deadline, give_back)
            except ConnectionError:
                self._release(conn, host_pool)
                if fresh_only or not _may_replay(conn, prepared, body):
                    raise
                fresh_only = True  # the idle connection was stale: replay once, on a new one
                continue
            except BaseException:
                conn.close()
                self._release(conn, host_pool)
                raise

    # -- bookkeeping ---------------------------------------------------------------------

    def _acquire(
        self,
        key: PoolKey,
        connect_timeout: float | None,
        fresh_only: bool,
        deadline: Deadline | None,
    ) -> tuple[HTTP11Connection, _HostPool]:
        if self._forks != _FORKS.count:
            self._forget_the_parents()
        give_up_at = _waiting_limit(connect_timeout, deadline) if self._block else None
        while True:
            stale: list[HTTP11Connection] | None = [] if fresh_only else None
            try:
                with self._lock:
                    host_pool = self._host_pool(key)
                    candidate = self._claim(host_pool, key, give_up_at, connect_timeout, stale)
            finally:
                for conn in stale or ():
                    conn.close()
            if candidate is None:
                return self._open(key, host_pool, connect_timeout, deadline), host_pool
            # Every reuse asks the OS first (one poll, about 0.5 us): an idle connection
            # with something to read was closed by the server, or got bytes nobody asked
            # for (a late extra response, a body after a HEAD), which would otherwise be
            # read as the answer to this request (RFC 9112 section 9.2).
            if candidate.is_readable():
                candidate.close()
                self._release(candidate, host_pool)
                continue
            return candidate, host_pool

    def _forget_the_parents(self) -> None:
        """(In a child after os.fork().) The idle connections are the parent's sockets:
        a request sent on one would mix with the parent's on the same connection. Close
        this process's copies of them (a close is no shutdown: the parent's connections
        stay open and usable) and start with no connections; a connection that was busy at
        the fork is closed when it comes back. The lock is new too: a parent's thread may
        have held the old one at the fork."""
        with _FORKS.lock:
            if self._forks == _FORKS.count:
                return  # another thread of this child did it
            self._lock = threading.Lock()
            self._freed = threading.Condition(self._lock) if self._block else None
            parents, self._pools = self._pools, OrderedDict()
            for host_pool in parents.values():
                self._retire(host_pool)
            self._forks = _FORKS.count

    def _open(
        self,
        key: PoolKey,
        host_pool: _HostPool,
        connect_timeout: float | None,
        deadline: Deadline | None,
    ) -> HTTP11Connection:
        try:
            stream = self._connector(key, connect_timeout, deadline, self._tls)
            conn = HTTP11Connection(stream, self._heads)
        except BaseException:
            with self._lock:
                host_pool.active -= 1
                if self._freed is not None:  # a blocking pool: someone may wait
                    self._freed.notify()
            raise
        with self._lock:
            host_pool.counters.opened += 1
        return conn

    def _host_pool(self, key: PoolKey) -> _HostPool:
        host_pool = self._pools.get(key)
        if host_pool is None:
            counters = self._counters.get(str(key.origin))
            if counters is None:
                counters = self._counters[str(key.origin)] = _Counters()
            host_pool = self._pools[key] = _HostPool(counters)
            if len(self._pools) > self._num_pools:
                _, evicted = self._pools.popitem(last=False)
                self._retire(evicted)
        else:
            self._pools.move_to_end(key)
        return host_pool

    def _pop_idle(self, host_pool: _HostPool) -> HTTP11Connection | None:
        idle = host_pool.idle
        if not idle:
            return None
        now = time.monotonic()
        expiry = self._idle_expiry
        while idle:
            conn = idle.pop()
            if expiry is None or now - conn.idle_since <= expiry:
                return conn
            conn.close()
            host_pool.counters.discarded += 1
        return None

    def _claim(
        self,
        host_pool: _HostPool,
        key: PoolKey,
        deadline: float | None,
        timeout: float | None,
        stale: list[HTTP11Connection] | None,
    ) -> HTTP11Connection | None:
        """(Lock held.) An idle connection, or None when there is room to open one; either
        way it is counted in use. With ``stale`` (a replay after a stale connection), idle
        connections are not taken but put there to be closed: its siblings went stale too.
        """
        while True:
            candidate = self._pop_idle(host_pool)
            if candidate is None:
                # Only a blocking pool limits the connections in use.
                if not self._block or host_pool.active < self._maxsize:
                    host_pool.active += 1
                    return None
                self._wait_for_room(key, deadline, timeout)  # full: wait for one to come back
            elif stale is None:
                host_pool.active += 1
                host_pool.counters.reused += 1
                return candidate
            else:
                stale.append(candidate)
                host_pool.counters.discarded += 1

    def _wait_for_room(self, key: PoolKey, deadline: float | None, timeout: float | None) -> None:
        """Wait (lock held) until a connection is given back, or the deadline passes."""
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            after = "" if timeout is None else f" after {timeout:g} s"
            raise ConnectTimeout(
                f"Timed out{after} waiting for a free connection to "
                f"{key.origin} (pool_maxsize={self._maxsize}, pool_block=True)"
            )
        assert self._freed is not None  # only a blocking pool waits for room
        self._freed.wait(remaining)

    def _release(self, conn: HTTP11Connection, host_pool: _HostPool) -> None:
        with self._lock:
            host_pool.active -= 1
            keep = conn.is_idle() and not host_pool.closed and len(host_pool.idle) < self._maxsize
            if keep:
                host_pool.idle.append(conn)
            else:
                host_pool.counters.discarded += 1
            if self._freed is not None:  # only a blocking pool has waiters
                self._freed.notify()
        if not keep:
            conn.close()

    @staticmethod
    def _retire(host_pool: _HostPool) -> None:
        # Idle connections close now; connections in use close when they come back.
        host_pool.closed = True
        for conn in host_pool.idle:
            conn.close()
        host_pool.counters.discarded += len(host_pool.idle)
        host_pool.idle.clear()

    def statistics(self) -> dict[str, dict[str, int]]:
        """Per origin (``scheme://host:port``): connections ``idle`` and ``active`` now, and
        since the pool was made, how many were ``opened``, ``reused`` (an idle one taken for
        another request) and ``discarded`` (closed by the pool: stale, expired, broken,
        closed early, or surplus).

        Example:
            >>> pool.statistics()["http://127.0.0.1:8080"]
            {'idle': 1, 'active': 0, 'opened': 1, 'reused': 4, 'discarded': 0}
        """
        with self._lock:
            found = {
                origin: {
                    "idle": 0,
                    "active": 0,
                    "opened": counters.opened,
                    "reused": counters.reused,
                    "discarded": counters.discarded,
                }
                for origin, counters in self._counters.items()
            }
            for key, host_pool in self._pools.items():
                entry = found[str(key.origin)]
                entry["idle"] += len(host_pool.idle)
                entry["active"] += host_pool.active
        return found

    def close(self) -> None:
        """Close every idle connection and forget the request heads it prepared.
        Connections in use close when their response is done. The pool stays usable: later
        requests open new connections."""
        self._heads.clear()
        self._tls.clear()
        if self._forks != _FORKS.count:
            self._forget_the_parents()
        with self._lock:
            pools = list(self._pools.values())
            self._pools.clear()
            for host_pool in pools:
                self._retire(host_pool)
            if self._freed is not None:
                self._freed.notify_all()


def _waiting_limit(connect_timeout: float | None, deadline: Deadline | None) -> float | None:
    # Only a blocking pool waits for room; the wait is bounded by the connect timeout
    # (and the exchange's deadline).
    give_up_at = None if connect_timeout is None else time.monotonic() + connect_timeout
    if deadline is not None:
        give_up_at = deadline.at if give_up_at is None else min(give_up_at, deadline.at)
    return give_up_at


def _may_replay(conn: HTTP11Connection, request: PreparedHead, body: RequestBody) -> bool:
    if not conn.is_reused() or conn.received_response_bytes():
        return False
    if not conn.request_started_writing:
        return True
    # Only an idempotent request whose body we still hold whole can be sent again.
    return request.method in IDEMPOTENT_METHODS and (body is None or isinstance(body, bytes))
