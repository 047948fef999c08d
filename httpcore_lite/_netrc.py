"""Credentials from a .netrc file, for hosts the caller gave no auth for (``trust_env``).

The file is found as requests finds it: the NETRC environment variable, else ``~/.netrc``,
else ``~/_netrc``, looked for again on every request, so a file written (or a NETRC or HOME
set) just before a call counts for that call. A Session keeps what it parsed in a
``NetrcCache``, by the file's path and identity (device, inode, size, modification and
change times): parsed again only when the file is another one or changed. Nothing is read at
import, and nothing outlives the Session (``clear``).
"""

from __future__ import annotations

import os
import threading
from typing import Final

from .utils import environment_values, raw_environment

NETRC_FILES: Final = ("~/.netrc", "~/_netrc")
_ENVIRONMENT: Final = ("NETRC", "HOME")

Credentials = tuple[str, str]
# The file's path and identity: a file replaced, rewritten or touched is another signature.
Signature = tuple[str, int, int, int, int, int]


class NetrcCache:
    """One Session's view of the .netrc file: what it held when last parsed, and which file
    that was. Threads may share it.

    Example:
        >>> cache = NetrcCache()
        >>> cache.credentials_for("https://api.example.com/v1")  # with a .netrc for it
        ('me', 's3cret')
    """

    __slots__ = ("_default", "_hosts", "_lock", "_signature", "_where")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._signature: Signature | None = None
        self._hosts: dict[str, Credentials] = {}
        self._default: Credentials | None = None
        # NETRC and HOME as last seen, and the files they name: worked out again only when
        # either changed.
        self._where: tuple[tuple[object, ...], tuple[str, ...]] = ((), ())

    def credentials_for(self, url: str) -> Credentials | None:
        """(login, password) for the host of ``url``, the file's default entry, or None.
        The file the environment names now is asked for its identity first (a system call
        or two): changed or another, it is parsed again."""
        environment, candidates = self._where
        now = raw_environment(_ENVIRONMENT)
        if now != environment:
            candidates = _candidates()
            self._where = (now, candidates)
        signature = _find_file(candidates)
        if signature != self._signature:
            self._load(signature)
        if not self._hosts and self._default is None:
            return None  # the usual case, decided without parsing the URL
        return _lookup(url, self._hosts, self._default)

    def _load(self, signature: Signature | None) -> None:
        hosts, default = _parse(signature[0]) if signature else ({}, None)
        with self._lock:  # the three together: a thread never sees one file's hosts
            self._signature, self._hosts, self._default = signature, hosts, default

    def clear(self) -> None:
        """Forget the credentials (the Session is closed)."""
        with self._lock:
            self._signature, self._hosts, self._default = None, {}, None


def get_netrc_auth(url: str) -> Credentials | None:
    """(login, password) from .netrc for the host of ``url``, or None; the file is read
    and parsed each time (a Session keeps a NetrcCache instead).

    Example:
        >>> get_netrc_auth("https://api.example.com/v1")  # with a .netrc for that host
        ('me', 's3cret')
    """
    signature = _find_file(_candidates())
    if signature is None:
        return None
    hosts, default = _parse(signature[0])
    return _lookup(url, hosts, default)


def _lookup(
    url: str, hosts: dict[str, Credentials], default: Credentials | None
) -> Credentials | None:
    from urllib.parse import urlsplit

    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return None if host is None else hosts.get(host, default)


def _candidates() -> tuple[str, ...]:
    found = environment_values(_ENVIRONMENT)
    named = found.get("NETRC")
    if named:
        return (named,)
    home = found.get("HOME")
    if home and os.name == "posix":  # what expanduser would make of "~/..." here
        return (f"{home}/.netrc", f"{home}/_netrc")
    return NETRC_FILES


def _find_file(candidates: tuple[str, ...]) -> Signature | None:
    for candidate in candidates:
        try:
            path = os.path.expanduser(candidate) if candidate[:1] == "~" else candidate
            if not os.access(path, os.F_OK):  # (no exception for a missing file: cheaper)
                continue
            status = os.stat(path)
        except (OSError, KeyError, RuntimeError, ValueError):  # no home directory; a NUL
            continue
        return (
            path,
            status.st_dev,
            status.st_ino,
            status.st_size,
            status.st_mtime_ns,
            status.st_ctime_ns,
        )
    return None


def _parse(path: str) -> tuple[dict[str, Credentials], Credentials | None]:
    import netrc  # on first use: most processes never look

    try:
        parsed = netrc.netrc(path)
    except (netrc.NetrcParseError, OSError, UnicodeDecodeError):
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
