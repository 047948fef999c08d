"""SSLContexts, built from requests' ``verify`` and ``cert`` settings, once per configuration
and version of its files.

Building a context costs tens of milliseconds (most of it loading the CA bundle), so a
context is built once and shared by every connection that uses it, until a file it was built
from changes: the files' identities (size, modification and change times, inode; a CA
directory's entries too) are asked before each new connection, so a CA removed from a
``verify=PATH`` bundle is not trusted by the next connection. Contexts that hold a client
certificate's private key belong to the pool that uses them (``TLSContexts``) and go with
it; the others hold public CA certificates only and are shared by the process (as requests
shares one for certifi's bundle). ``ssl`` and ``certifi`` are imported on the first context
built, never before: plain http users do not pay for them.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Final, NamedTuple, cast

from ..exceptions import RequestException, SSLError

if TYPE_CHECKING:  # pragma: no cover
    import ssl

CertInput = str | tuple[str, str] | None
# What a context was built from, as the file system sees it: one entry per path.
FilesSignature = tuple[object, ...]
_SHARED_LIMIT: Final = 32  # process-wide contexts kept (no secrets in them)
_OWN_LIMIT: Final = 8  # contexts with a client key, per pool


class TLSConfig(NamedTuple):
    """What decides how a TLS connection is verified: part of the pool key.

    ``verify`` is True (the certifi bundle), a CA bundle file or directory path, or False.
    ``cert`` is a client certificate path, a (cert, key) pair, or None.
    """

    verify: bool | str = True
    cert: CertInput = None


class _ContextCache:
    """Contexts by configuration and files' signature; bounded (the least recently used
    goes). Threads may share it: a race builds a context twice, and one is kept."""

    __slots__ = ("_contexts", "_limit", "_lock")

    def __init__(self, limit: int) -> None:
        self._contexts: OrderedDict[tuple[TLSConfig, FilesSignature], ssl.SSLContext] = (
            OrderedDict()
        )
        self._limit = limit
        self._lock = threading.Lock()

    def get(self, config: TLSConfig) -> ssl.SSLContext:
        key = (config, files_signature(config))
        with self._lock:
            context = self._contexts.get(key)
            if context is not None:
                self._contexts.move_to_end(key)
                return context
        context = _build_context(config)
        with self._lock:
            # A context built from files that changed since is never used again.
            for stale in [k for k in self._contexts if k[0] == config]:
                del self._contexts[stale]
            self._contexts[key] = context
            while len(self._contexts) > self._limit:
                self._contexts.popitem(last=False)
        return context

    def clear(self) -> None:
        with self._lock:
            self._contexts.clear()


_SHARED: Final = _ContextCache(_SHARED_LIMIT)


class TLSContexts:
    """The SSLContexts of one connection pool: those with a client certificate's key are
    its own (dropped by ``clear``, when the pool closes); the rest come from the process.

    Example:
        >>> contexts = TLSContexts()
        >>> contexts.get(TLSConfig(verify="/etc/ssl/certs/ca-certificates.crt")).verify_mode
        <VerifyMode.CERT_REQUIRED: 2>
    """

    __slots__ = ("_own",)

    def __init__(self) -> None:
        self._own: _ContextCache | None = None  # made for the first client certificate

    def get(self, config: TLSConfig) -> ssl.SSLContext:
        """The context for ``config``, built when none was, or its files changed.

        Raises:
            RequestException: (an OSError) the CA bundle or certificate path does not exist.
            SSLError: the CA bundle or certificate could not be loaded.
        """
        if config.cert is None:
            return _SHARED.get(config)
        own = self._own
        if own is None:
            own = self._own = _ContextCache(_OWN_LIMIT)
        return own.get(config)

    def clear(self) -> None:
        if self._own is not None:
            self._own.clear()


def files_signature(config: TLSConfig) -> FilesSignature:
    """The identity of the files ``config`` names (CA bundle or directory, client
    certificate and key): another signature means another context."""
    paths: list[str] = []
    if isinstance(config.verify, str):
        paths.append(config.verify)
    if isinstance(config.cert, str):
        paths.append(config.cert)
    elif config.cert is not None:
        paths.extend(config.cert)
    return tuple(_path_signature(path) for path in paths)


def _path_signature(path: str) -> object:
    try:
        status = os.stat(path)
    except (OSError, ValueError):
        return None  # missing: building the context says so
    own = (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)
    if not os.path.isdir(path):
        return own
    # A CA directory (c_rehash layout, kept by update-ca-certificates, which replaces its
    # links): its entries' names, one system call, rather than a stat per certificate.
    try:
        return (own, tuple(sorted(os.listdir(path))))
    except OSError:
        return own


def _build_context(config: TLSConfig) -> ssl.SSLContext:
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols(["http/1.1"])
    try:
        _configure_verification(context, config.verify)
        if config.cert is not None:
            _load_client_cert(context, config.cert)
    except ssl.SSLError as exc:
        raise SSLError(f"Could not load TLS material: {exc}") from exc
    return context


def _configure_verification(context: ssl.SSLContext, verify: bool | str) -> None:
    import ssl

    if verify is False:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return
    if verify is True:
        import certifi

        context.load_verify_locations(cafile=certifi.where())
        return
    if os.path.isdir(verify):
        context.load_verify_locations(capath=verify)
    elif os.path.isfile(verify):
        context.load_verify_locations(cafile=verify)
    else:
        raise RequestException(
            f"Could not find a suitable TLS CA certificate bundle, invalid path: {verify}"
        )


def _load_client_cert(context: ssl.SSLContext, cert: str | tuple[str, str]) -> None:
    cert_file, key_file = (cert, None) if isinstance(cert, str) else cert
    if not os.path.exists(cert_file):
        raise RequestException(
            f"Could not find the TLS certificate file, invalid path: {cert_file}"
        )
    if key_file is not None and not os.path.exists(key_file):
        raise RequestException(f"Could not find the TLS key file, invalid path: {key_file}")
    context.load_cert_chain(cert_file, key_file)


class MemoryTLS:
    """A TLS client whose bytes pass through memory: ``ssl.SSLObject`` over two MemoryBIOs.

    For TLS to an origin inside the TLS connection to an https proxy: the outer TLS owns the
    socket, so the inner one cannot wrap it. Like h11, the engine does no I/O: the caller
    feeds it what arrived (``receive``) and sends what it produced (``data_to_send``); see
    ``network.TunnelledTLSStream``. Real failures raise ``ssl.SSLError``, for the stream to
    map.

    Example:
        >>> engine = MemoryTLS(TLSContexts().get(TLSConfig()), "example.com")
        >>> engine.do_handshake()  # False: the ClientHello is waiting in data_to_send()
        False
    """

    __slots__ = ("_closed_errors", "_incoming", "_outgoing", "_tls", "_want_read")

    def __init__(self, context: ssl.SSLContext, server_hostname: str) -> None:
        import ssl

        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self._tls = context.wrap_bio(
            self._incoming, self._outgoing, server_hostname=server_hostname
        )
        # Kept here so that the hot read path needs no import.
        self._want_read = ssl.SSLWantReadError
        self._closed_errors = (ssl.SSLZeroReturnError, ssl.SSLEOFError)

    def do_handshake(self) -> bool:
        """One step of the handshake: True once it is complete, False when it needs bytes
        from the peer (send ``data_to_send()`` first)."""
        try:
            self._tls.do_handshake()
        except self._want_read:
            return False
        return True

    def read_into(self, buffer: memoryview) -> int | None:
        """Decrypt into ``buffer``: the count, 0 once the peer closed, None when the engine
        needs more bytes from the peer."""
        if not buffer:
            return 0
        try:
            # Given a buffer, read() returns the count (typeshed knows only the bytes form).
            return cast(int, self._tls.read(len(buffer), buffer))
        except self._want_read:
            return None
        except self._closed_errors:
            # A close with or without close_notify ends the stream, as a socket wrapped with
            # suppress_ragged_eofs (the default) does: HTTP framing finds a short body.
            return 0

    def write(self, data: bytes | memoryview) -> None:
        """Encrypt ``data``; the records wait in ``data_to_send()`` (a memory BIO never fills)."""
        self._tls.write(data)

    def data_to_send(self) -> bytes:
        """The bytes the engine produced, for the peer."""
        return self._outgoing.read()

    def receive(self, data: bytes | memoryview) -> None:
        """Bytes from the peer; empty when the peer closed the connection."""
        if data:
            self._incoming.write(data)
        else:
            self._incoming.write_eof()

    def has_buffered_data(self) -> bool:
        """Whether bytes from the peer wait unread (decrypted or not)."""
        return self._tls.pending() > 0 or self._incoming.pending > 0
