"""SSLContexts, built from requests' ``verify`` and ``cert`` settings, once per configuration.

Building a context costs tens of milliseconds (most of it loading the CA bundle), so a
context is built once per distinct ``TLSConfig`` and shared by every connection that uses
it. ``ssl`` and ``certifi`` are imported on the first context built, never before: plain
http users do not pay for them.
"""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING, NamedTuple

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
