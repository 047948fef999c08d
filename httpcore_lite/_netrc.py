"""Credentials from a .netrc file, for hosts the caller gave no auth for (``trust_env``).

The file is found as requests finds it: the NETRC environment variable, else ``~/.netrc``,
else ``~/_netrc``. It is parsed once and kept until it changes; whether it changed is asked
of the OS at most once a second, so a busy Session does not pay a ``stat`` per request.
Nothing is read at import.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Final

NETRC_FILES: Final = ("~/.netrc", "~/_netrc")
RECHECK_AFTER: Final = 1.0  # seconds between looks at the file system

Credentials = tuple[str, str]


class NetrcCache:
    """The parsed .netrc of this process, refreshed when the file changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next_check = 0.0
        self._signature: tuple[str, int, int] | None = None  # path, mtime_ns, size
        self._hosts: dict[str, Credentials] = {}
        self._default: Credentials | None = None

    def credentials_for(self, url: str) -> Credentials | None:
        """(login, password) for the host of ``url``, the file's default entry, or None."""
        if time.monotonic() >= self._next_check:
            self._refresh()
        if not self._hosts and self._default is None:
            return None  # the usual case, decided without parsing the URL
        from urllib.parse import urlsplit

        host = urlsplit(url).hostname
        return None if host is None else self._hosts.get(host, self._default)

    def _refresh(self) -> None:
        with self._lock:
            self._next_check = time.monotonic() + RECHECK_AFTER
            signature = _find_file()
            if signature == self._signature:
                return
            self._signature = signature
            self._hosts, self._default = _parse(signature[0]) if signature else ({}, None)


def _find_file() -> tuple[str, int, int] | None:
    candidates = [os.environ["NETRC"]] if os.environ.get("NETRC") else list(NETRC_FILES)
    for candidate in candidates:
        try:
            path = os.path.expanduser(candidate)
            status = os.stat(path)
        except (OSError, KeyError, RuntimeError):  # no file; no home directory
            continue
        return path, status.st_mtime_ns, status.st_size
    return None


def _parse(path: str) -> tuple[dict[str, Credentials], Credentials | None]:
    import netrc  # on first use: most processes never look

    try:
        parsed = netrc.netrc(path)
    except (netrc.NetrcParseError, OSError):
        return {}, None  # a broken file is ignored, as requests ignores it
    hosts: dict[str, Credentials] = {}
    default: Credentials | None = None
    for host, (login, account, password) in parsed.hosts.items():
        # requests' rule: the login, or the account when there is no login.
        entry = (login or account or "", password or "")
        if host == "default":
            default = entry
        else:
            hosts[host] = entry
    return hosts, default


_CACHE: Final = NetrcCache()


# (login, password) from .netrc for the host of a URL, or None:
#     get_netrc_auth("https://api.example.com/v1") -> ("me", "s3cret")
# The cache's bound method itself: this runs on every request without auth.
get_netrc_auth: Final = _CACHE.credentials_for
