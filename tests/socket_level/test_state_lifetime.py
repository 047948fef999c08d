"""Issue 14, items 9, 10 and 17: state that outlives what it was made from.

- Module-wide caches (item 9). Request heads, header sets and URLs cached module-wide
  outlived every Session and kept credentials and server-set cookies in memory. After every
  Session is closed and collected, nothing in the process may hold a string or bytes made
  from a secret the client sent (Authorization, a URL query, a cookie) or a value the server
  set (Set-Cookie). The scan walks everything the garbage collector knows, and what those
  objects hold (tuples and dicts of strings are not tracked themselves).
- CA bundles (item 10). A context built from a ``verify=PATH`` bundle was cached by the path
  alone: a CA removed from the file stayed trusted for the life of the process. A new
  connection must use the file as it is now.
- .netrc (item 17). The file was looked at again at most once a second, so a credential
  changed or removed went on being sent for up to a second. The next request must see the
  change: the file is cached by path and file identity, not by time.
"""

from __future__ import annotations

import base64
import gc
import os
import socket
import ssl
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import trustme

import httpcore_lite

from ..servers import RawServer, keep_alive_handler, raw_server, read_request, response
from ._helpers import context_for, tls_handler

Serve = Callable[..., RawServer]
TIMEOUT = (5, 10)


# -- item 9: nothing made from a secret survives the Sessions ----------------------------------


def _set_cookie_answerer(conn: socket.socket, server: RawServer) -> None:
    # read_request, not server.read: the server must not keep the requests it saw.
    while read_request(conn):
        token = server.state["server_token"]
        conn.sendall(response(b"ok", headers=[("Set-Cookie", f"sid={token}")]))


def _session_requests(base: str, token: str) -> None:
    """Two identical requests carrying ``token`` three ways, on one Session, then closed."""
    with httpcore_lite.Session() as s:
        for _ in range(2):  # the second is served from whatever the first cached
            with s.get(
                f"{base}/?q={token}",
                headers={"Authorization": f"Bearer {token}"},
                cookies={"c": token},
                timeout=TIMEOUT,
            ) as r:
                assert r.status_code == 200
                assert r.cookies.get("sid") is not None


def _module_requests(base: str, token: str) -> None:
    """The same two requests through the module-level ``httpcore_lite.get``."""
    for _ in range(2):
        with httpcore_lite.get(
            f"{base}/?q={token}",
            headers={"Authorization": f"Bearer {token}"},
            cookies={"c": token},
            timeout=TIMEOUT,
        ) as r:
            assert r.status_code == 200
            assert r.cookies.get("sid") is not None


def _describe(obj: object) -> str:
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    wrapped = getattr(obj, "__wrapped__", None)  # an lru_cache names its function
    if wrapped is not None:
        name = f"{getattr(wrapped, '__module__', '?')}.{getattr(wrapped, '__qualname__', '?')}"
    if isinstance(name, str):
        return f"{type(obj).__name__}({name})"
    modules = {id(vars(module)): module.__name__ for module in list(sys.modules.values())}
    for holder in gc.get_referrers(obj):  # a module global: name it
        if id(holder) in modules and isinstance(holder, dict):
            for key, value in holder.items():
                if value is obj:
                    return f"{type(obj).__name__}({modules[id(holder)]}.{key})"
    return type(obj).__name__


def _contains_but_is_not(value: str | bytes | bytearray, tokens: tuple[str, ...]) -> bool:
    if isinstance(value, str):
        return value not in tokens and any(token in value for token in tokens)
    needles = [token.encode() for token in tokens]
    return value not in needles and any(needle in value for needle in needles)


def _leftovers(tokens: tuple[str, ...]) -> list[str]:
    """Every str/bytes/bytearray in the process that contains a token without being one,
    each with the objects that hold it: its holder <- ... <- the tracked object it was found
    from (named when it is a module global) <- [what gc.get_referrers says holds that]."""
    roots = gc.get_objects()
    found: list[str | bytes | bytearray] = []
    chains: list[list[object]] = []
    seen: set[int] = {id(roots)}
    stack: list[tuple[object, list[object]]] = [(root, [root]) for root in roots]
    while stack:
        obj, chain = stack.pop()
        for ref in gc.get_referents(obj):
            if id(ref) in seen:
                continue
            seen.add(id(ref))
            if isinstance(ref, str | bytes | bytearray):
                if _contains_but_is_not(ref, tokens):
                    found.append(ref)
                    chains.append(chain)
            elif not gc.is_tracked(ref):  # untracked containers are not among the roots
                stack.append((ref, [chain[0], *[*chain[1:], ref][-3:]]))  # root + last 3
    del stack, roots
    ours = {id(found), id(chains), *map(id, chains)}
    reports = []
    for index in range(len(found)):
        path = " <- ".join(_describe(holder) for holder in reversed(chains[index]))
        holders = [h for h in gc.get_referrers(chains[index][0]) if id(h) not in ours]
        path += f" <- {[_describe(h) for h in holders][:3]}"
        reports.append(f"{found[index][:120]!r} in {path}")
    return reports


@pytest.fixture
def no_netrc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A .netrc of the machine's would put its own credentials into the requests.
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("NETRC", raising=False)


@pytest.mark.timeout(60)
@pytest.mark.usefixtures("no_netrc")
@pytest.mark.parametrize("via", ["session", "module-get"])
def test_no_secret_or_server_cookie_survives_closed_sessions(via: str) -> None:
    """After every Session is gone, no cache holds the credentials, URL or cookies it saw."""
    client_token, server_token = uuid.uuid4().hex, uuid.uuid4().hex
    with raw_server(_set_cookie_answerer) as server:
        server.state["server_token"] = server_token
        send = _session_requests if via == "session" else _module_requests
        send(server.url, client_token)
        del send
    del server  # stopped, its threads joined: nothing of the server's side is left running
    gc.collect()
    gc.collect()
    leftovers = _leftovers((client_token, server_token))
    print("\n".join(leftovers))
    assert not leftovers, f"{len(leftovers)} strings made from a token survive"


# -- item 10: a CA bundle file is read as it is now --------------------------------------------


@pytest.fixture(scope="module")
def tls_server_context(tls_ca: trustme.CA) -> ssl.SSLContext:
    return context_for(tls_ca.issue_cert("127.0.0.1"))


@pytest.fixture
def tls_url(serve: Serve, tls_server_context: ssl.SSLContext) -> str:
    server = serve(tls_handler(tls_server_context, b"ok"))
    return f"https://127.0.0.1:{server.port}/"


@pytest.fixture
def right_pem(tls_files: dict[str, str]) -> bytes:
    return Path(tls_files["ca"]).read_bytes()


@pytest.fixture
def wrong_pem() -> bytes:
    return trustme.CA().cert_pem.bytes()


def _replace(path: Path, data: bytes) -> None:
    """Write a new file beside ``path`` and rename it over ``path`` (a new inode)."""
    new = path.with_name(path.name + ".new")
    new.write_bytes(data)
    os.replace(new, path)


def _get(s: httpcore_lite.Session, url: str) -> int:
    with s.get(url, timeout=TIMEOUT) as r:
        return r.status_code


@pytest.fixture
def session_for() -> Iterator[Callable[[Path], httpcore_lite.Session]]:
    sessions: list[httpcore_lite.Session] = []

    def make(bundle: Path) -> httpcore_lite.Session:
        s = httpcore_lite.Session()
        s.verify = str(bundle)
        sessions.append(s)
        return s

    yield make
    for s in sessions:
        s.close()


def test_ca_removed_from_bundle_is_no_longer_trusted(
    tmp_path: Path,
    tls_url: str,
    right_pem: bytes,
    wrong_pem: bytes,
    session_for: Callable[[Path], httpcore_lite.Session],
) -> None:
    """A bundle replaced without the server's CA fails the next new connection, in any Session."""
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(right_pem)
    s = session_for(bundle)
    assert _get(s, tls_url) == 200
    _replace(bundle, wrong_pem)
    s.close()  # so that the next request needs a new connection
    with pytest.raises(httpcore_lite.exceptions.SSLError):
        _get(s, tls_url)
    with pytest.raises(httpcore_lite.exceptions.SSLError):
        _get(session_for(bundle), tls_url)


def test_ca_added_to_bundle_is_trusted_by_the_next_connection(
    tmp_path: Path,
    tls_url: str,
    right_pem: bytes,
    wrong_pem: bytes,
    session_for: Callable[[Path], httpcore_lite.Session],
) -> None:
    """A bundle that first lacks the server's CA, then is replaced with it, lets the next one in."""
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(wrong_pem)
    s = session_for(bundle)
    with pytest.raises(httpcore_lite.exceptions.SSLError):
        _get(s, tls_url)
    _replace(bundle, right_pem)
    assert _get(s, tls_url) == 200  # the failed connection was not kept: this one is new
    assert _get(session_for(bundle), tls_url) == 200


def test_bundle_rewritten_in_place_is_read_again(
    tmp_path: Path,
    tls_url: str,
    right_pem: bytes,
    wrong_pem: bytes,
    session_for: Callable[[Path], httpcore_lite.Session],
) -> None:
    """A bundle overwritten in place (same inode, another size) is what the next connection uses."""
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(right_pem)
    s = session_for(bundle)
    assert _get(s, tls_url) == 200
    replacement = b"# another CA: text outside the PEM block is ignored\n" + wrong_pem
    assert len(replacement) != len(right_pem)
    inode = bundle.stat().st_ino
    with open(bundle, "wb") as f:
        f.write(replacement)
    assert bundle.stat().st_ino == inode
    s.close()
    with pytest.raises(httpcore_lite.exceptions.SSLError):
        _get(s, tls_url)
    with pytest.raises(httpcore_lite.exceptions.SSLError):
        _get(session_for(bundle), tls_url)


# -- item 17: .netrc changes are seen by the very next request ---------------------------------


def _basic(login: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()


def _netrc(path: Path, login: str, password: str) -> Path:
    path.write_text(f"machine 127.0.0.1 login {login} password {password}\n")
    return path


def _authorization(server: RawServer) -> str | None:
    """The Authorization field of the last request the server read, or None."""
    head = server.requests[-1].split(b"\r\n\r\n", 1)[0].decode("latin-1")
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "authorization":
            return value.strip()
    return None


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "home"
    directory.mkdir()
    monkeypatch.setenv("HOME", str(directory))
    monkeypatch.delenv("NETRC", raising=False)
    return directory


@pytest.fixture
def netrc_server(serve: Serve) -> RawServer:
    return serve(keep_alive_handler(b"ok"))


def _sent_authorization(s: httpcore_lite.Session, server: RawServer) -> str | None:
    assert _get(s, server.url) == 200
    return _authorization(server)


def test_netrc_env_var_set_is_used_by_the_next_request(
    home: Path, tmp_path: Path, netrc_server: RawServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Setting NETRC to another file switches the very next request to its credentials."""
    _netrc(home / ".netrc", "a", "pa")
    other = _netrc(tmp_path / "other-netrc", "b", "pb")
    with httpcore_lite.Session() as s:
        assert _sent_authorization(s, netrc_server) == _basic("a", "pa")
        monkeypatch.setenv("NETRC", str(other))
        assert _sent_authorization(s, netrc_server) == _basic("b", "pb")


def test_netrc_created_is_used_by_the_next_request(home: Path, netrc_server: RawServer) -> None:
    """A .netrc that appears between two requests is used by the second."""
    with httpcore_lite.Session() as s:
        assert _sent_authorization(s, netrc_server) is None
        _netrc(home / ".netrc", "a", "pa")
        assert _sent_authorization(s, netrc_server) == _basic("a", "pa")


def test_netrc_of_a_new_home_is_used_by_the_next_request(
    home: Path, tmp_path: Path, netrc_server: RawServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When HOME changes, the next request uses the new home's .netrc."""
    _netrc(home / ".netrc", "a", "pa")
    other_home = tmp_path / "other-home"
    other_home.mkdir()
    _netrc(other_home / ".netrc", "b", "pb")
    with httpcore_lite.Session() as s:
        assert _sent_authorization(s, netrc_server) == _basic("a", "pa")
        monkeypatch.setenv("HOME", str(other_home))
        assert _sent_authorization(s, netrc_server) == _basic("b", "pb")


def test_netrc_replaced_is_used_by_the_next_request(home: Path, netrc_server: RawServer) -> None:
    """A .netrc replaced by rename (os.replace) gives the next request its new credentials."""
    netrc = _netrc(home / ".netrc", "a", "pa")
    with httpcore_lite.Session() as s:
        assert _sent_authorization(s, netrc_server) == _basic("a", "pa")
        os.replace(_netrc(home / "netrc.new", "b", "pb"), netrc)
        assert _sent_authorization(s, netrc_server) == _basic("b", "pb")
