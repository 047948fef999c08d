"""SSLContexts, built from requests' ``verify`` and ``cert`` settings, once per configuration.

Building a context costs tens of milliseconds (most of it loading the CA bundle), so a
context is built once per distinct ``TLSConfig`` and shared by every connection that uses
it. ``ssl`` and ``certifi`` are imported on the first context built, never before: plain
http users do not pay for them.
"""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING, NamedTuple, cast

from ..exceptions import RequestException, SSLError

if TYPE_CHECKING:  # pragma: no cover
    import ssl

CertInput = str | tuple[str, str] | None


class TLSConfig(NamedTuple):
    """What decides how a TLS connection is verified: part of the pool key.

    ``verify`` is True (the certifi bundle), a CA bundle file or directory path, or False.
    ``cert`` is a client certificate path, a (cert, key) pair, or None.
    """

    verify: bool | str = True
    cert: CertInput = None


def ssl_context_for(config: TLSConfig) -> ssl.SSLContext:
    """The shared SSLContext for ``config``, built on first use.

    Raises:
        RequestException: (an OSError) the CA bundle or certificate path does not exist.
        SSLError: the CA bundle or certificate could not be loaded.
    """
    return _build_context(config)


@functools.lru_cache(maxsize=32)
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
        >>> engine = MemoryTLS(ssl_context_for(TLSConfig()), "example.com")
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
