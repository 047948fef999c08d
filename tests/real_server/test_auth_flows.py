"""Auth flows end to end: Digest against httpbin and against a raw server that checks every
signed request (algorithms, nonce counts, stale nonces, RFC 2069 without qop), Digest shared
by threads and across a redirect; Proxy-Authorization, a custom AuthBase, Basic credentials
as bytes on the wire, and credentials in the URL."""

from __future__ import annotations

import base64
import hashlib
import re
import socket
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

import pytest

import httpcore_lite
from httpcore_lite import PreparedRequest
from httpcore_lite.auth import AuthBase, HTTPBasicAuth, HTTPDigestAuth, HTTPProxyAuth
from tests.servers import RawServer, WSGIServer, response

Serve = Callable[..., RawServer]
TIMEOUT = (3, 10)


@pytest.fixture
def session() -> Iterator[httpcore_lite.Session]:
    with httpcore_lite.Session() as s:
        yield s


def fields(request: bytes) -> dict[str, str]:
    head = request.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    pairs = (line.partition(":") for line in head.split("\r\n")[1:])
    return {name.strip().lower(): value.strip() for name, _, value in pairs}


def digest_params(header: str) -> dict[str, str]:
    """The fields of a Digest Authorization header (parsed here, not by the library)."""
    assert header.startswith("Digest ")
    pairs = re.findall(r'(\w+)=(?:"([^"]*)"|([^,\s]*))', header[len("Digest ") :])
    return {key: quoted or bare for key, quoted, bare in pairs}


# -- Digest against httpbin -----------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["MD5", "SHA-256", "SHA-512"])
def test_digest_algorithms(
    httpbin_both: WSGIServer, session: httpcore_lite.Session, ca_bundle: str, algorithm: str
) -> None:
    r = session.get(
        httpbin_both + f"/digest-auth/auth/user/pass/{algorithm}",
        auth=HTTPDigestAuth("user", "pass"),
        verify=ca_bundle,
        timeout=TIMEOUT,
    )
    assert r.status_code == 200
    assert r.json() == {"authenticated": True, "user": "user"}
    assert [h.status_code for h in r.history] == [401]
    assert r.request is not None
    sent = digest_params(r.request.headers["Authorization"])
    assert sent["algorithm"] == algorithm
    assert (sent["username"], sent["qop"], sent["nc"]) == ("user", "auth", "00000001")


def test_digest_default_algorithm_and_qop_list(httpbin: WSGIServer) -> None:
    # No qop in the path: httpbin offers "auth, auth-int"; auth is chosen.
    r = httpcore_lite.get(
        httpbin + "/digest-auth/any/user/pass", auth=HTTPDigestAuth("user", "pass"), timeout=TIMEOUT
    )
    assert r.status_code == 200
    assert r.request is not None
    assert digest_params(r.request.headers["Authorization"])["qop"] == "auth"


def test_digest_wrong_password_is_401_after_one_retry(
    httpbin: WSGIServer, session: httpcore_lite.Session
) -> None:
    r = session.get(
        httpbin + "/digest-auth/auth/user/pass/MD5",
        auth=HTTPDigestAuth("user", "wrong"),
        timeout=TIMEOUT,
    )
    assert r.status_code == 401
    assert [h.status_code for h in r.history] == [401]
    assert r.request is not None
    assert "Authorization" in r.request.headers  # the final 401 answered a signed request
    assert r.history[0].request is not None
    assert "Authorization" not in r.history[0].request.headers


def test_digest_auth_int_only_is_declined(httpbin: WSGIServer) -> None:
    # qop=auth-int (a hash of the body) is not supported: the 401 stands, nothing is retried.
    r = httpcore_lite.get(
        httpbin + "/digest-auth/auth-int/user/pass",
        auth=HTTPDigestAuth("user", "pass"),
        timeout=TIMEOUT,
    )
    assert r.status_code == 401
    assert r.history == []


def test_digest_reuses_the_nonce_on_the_next_request(
    httpbin: WSGIServer, session: httpcore_lite.Session
) -> None:
    auth = HTTPDigestAuth("user", "pass")
    url = httpbin + "/digest-auth/auth/user/pass/SHA-256"
    first = session.get(url, auth=auth, timeout=TIMEOUT)
    second = session.get(url, auth=auth, timeout=TIMEOUT)
    assert (first.status_code, second.status_code) == (200, 200)
    assert len(first.history) == 1
    assert second.history == []  # signed up front with the nonce already known
    assert first.request is not None
    assert second.request is not None
    one = digest_params(first.request.headers["Authorization"])
    two = digest_params(second.request.headers["Authorization"])
    assert one["nonce"] == two["nonce"]
    assert (one["nc"], two["nc"]) == ("00000001", "00000002")
    assert one["cnonce"] != two["cnonce"]


def test_httpbin_stale_nonce_gets_a_fresh_one(
    httpbin: WSGIServer, session: httpcore_lite.Session
) -> None:
    # /MD5/1: the nonce may be used once; the next request's nonce is answered stale=true.
    auth = HTTPDigestAuth("user", "pass")
    url = httpbin + "/digest-auth/auth/user/pass/MD5/1"
    first = session.get(url, auth=auth, timeout=TIMEOUT)
    assert first.status_code == 200
    second = session.get(url, auth=auth, timeout=TIMEOUT)
    assert second.status_code == 200
    assert [h.status_code for h in second.history] == [401]
    challenge = second.history[0].headers["WWW-Authenticate"]
    assert "stale=true" in challenge.lower()
    assert second.request is not None
    assert second.history[0].request is not None
    old = digest_params(second.history[0].request.headers["Authorization"])
    new = digest_params(second.request.headers["Authorization"])
    assert old["nonce"] != new["nonce"]
    assert new["nc"] == "00000001"


def test_httpbin_always_stale_is_retried_once_more_then_401(
    httpbin: WSGIServer, session: httpcore_lite.Session
) -> None:
    # /MD5/0: every signed request is answered stale=true. One answer to the challenge, one
    # more for the stale nonce, then the 401 stands (requests stops after the first).
    r = session.get(
        httpbin + "/digest-auth/auth/user/pass/MD5/0",
        auth=HTTPDigestAuth("user", "pass"),
        timeout=TIMEOUT,
    )
    assert r.status_code == 401
    assert "stale=true" in r.headers["WWW-Authenticate"].lower()
    assert [h.status_code for h in r.history] == [401, 401]


def test_digest_threads_share_one_auth_and_one_session(
    httpbin: WSGIServer, session: httpcore_lite.Session
) -> None:
    auth = HTTPDigestAuth("user", "pass")
    url = httpbin + "/digest-auth/auth/user/pass/MD5"
    start = threading.Barrier(8, timeout=10)
    # Open the 8 connections one by one first: a burst of 8 connects to cheroot on loopback
    # sometimes costs a retransmitted SYN (1 s), whatever the client.
    held = [session.get(httpbin + "/get", stream=True, timeout=TIMEOUT) for _ in range(8)]
    for r in held:
        assert r.content
        r.close()

    def work(_: int) -> list[tuple[int, int]]:
        start.wait()
        results = []
        for _ in range(3):
            r = session.get(url, auth=auth, timeout=TIMEOUT)
            results.append((r.status_code, len(r.history)))
        return results

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(work, range(8)))
    # each thread meets the challenge once, on its first request, and never mixes nonces
    assert outcomes == [[(200, 1), (200, 0), (200, 0)]] * 8


def test_digest_across_a_redirect(httpbin: WSGIServer, session: httpcore_lite.Session) -> None:
    target = "/digest-auth/auth/user/pass/SHA-256"
    r = session.get(
        httpbin + f"/redirect-to?url={quote(target, safe='')}",
        auth=HTTPDigestAuth("user", "pass"),
        timeout=TIMEOUT,
    )
    assert r.status_code == 200
    assert r.url == httpbin + target
    # (requests lists only the 302: the 401 its hook answered is lost from history.)
    assert [h.status_code for h in r.history] == [302, 401]
    assert r.history[1].url == httpbin + target


def test_digest_body_is_sent_again_with_the_signed_request(httpbin: WSGIServer) -> None:
    # httpbin's digest view accepts any method; the answered request carries the body again.
    import io

    body = io.BytesIO(b"xxpayload")
    body.seek(2)
    with httpcore_lite.Session() as s:
        r = s.get(
            httpbin + "/digest-auth/auth/user/pass/MD5",
            data=body,
            auth=HTTPDigestAuth("user", "pass"),
            timeout=TIMEOUT,
        )
    assert r.status_code == 200
    assert body.tell() == len(b"xxpayload")  # read twice, from position 2 each time


# -- Digest against a raw server that checks every signature --------------------------------


def _hash(algorithm: str) -> Callable[[str], str]:
    name = {"MD5": "md5", "SHA": "sha1", "SHA-256": "sha256", "SHA-512": "sha512"}[algorithm]
    return lambda text: hashlib.new(name, text.encode("utf-8")).hexdigest()


def expected_response(
    params: dict[str, str], method: str, password: str, algorithm: str | None, qop: str | None
) -> str:
    """RFC 7616 section 3.4.1 (and RFC 2069 without qop), computed independently."""
    name = (algorithm or "MD5").upper()
    h = _hash(name.removesuffix("-SESS"))
    ha1 = h(f"{params['username']}:{params['realm']}:{password}")
    if name.endswith("-SESS"):
        ha1 = h(f"{ha1}:{params['nonce']}:{params['cnonce']}")
    ha2 = h(f"{method}:{params['uri']}")
    if qop is None:
        return h(f"{ha1}:{params['nonce']}:{ha2}")
    return h(f"{ha1}:{params['nonce']}:{params['nc']}:{params['cnonce']}:{qop}:{ha2}")


def digest_server(
    serve: Serve,
    algorithm: str | None = "MD5",
    qop: str | None = "auth",
    password: str = "pass",
    stale_nonces: tuple[str, ...] = (),
) -> RawServer:
    """Challenges unsigned requests; checks signed ones; answers 200 to a valid signature.

    ``server.state["signed"]`` lists (params, valid) per signed request. Nonces are
    ``nonce-1``, ``nonce-2``...; a valid signature with a nonce in ``stale_nonces`` is
    answered 401 with stale=true and a new nonce.
    """
    lock = threading.Lock()

    def challenge(server: RawServer, stale: bool) -> bytes:
        with lock:
            server.state["issued"] += 1
            nonce = f"nonce-{server.state['issued']}"
        parts = ['realm="test@loopback"', f'nonce="{nonce}"', 'opaque="op4que"']
        if algorithm is not None:
            parts.append(f"algorithm={algorithm}")
        if qop is not None:
            parts.append(f'qop="{qop}"')
        if stale:
            parts.append("stale=true")
        header = ("WWW-Authenticate", "Digest " + ", ".join(parts))
        return response(b"denied", "401 Unauthorized", [header])

    def handle(conn: socket.socket, server: RawServer) -> None:
        while request := server.read(conn):
            method, uri = request.split(b" ", 2)[:2]
            header = fields(request).get("authorization")
            if header is None:
                conn.sendall(challenge(server, stale=False))
                continue
            params = digest_params(header)
            valid = (
                params.get("uri") == uri.decode()
                and params.get("opaque") == "op4que"
                and params.get("response")
                == expected_response(params, method.decode(), password, algorithm, qop)
            )
            with lock:
                server.state["signed"].append((params, valid))
            if valid and params["nonce"] in stale_nonces:
                conn.sendall(challenge(server, stale=True))
            elif valid:
                conn.sendall(response(b"authenticated"))
            else:
                conn.sendall(challenge(server, stale=False))

    server = serve(handle)
    server.state.update(issued=0, signed=[])
    return server


@pytest.mark.parametrize(
    "algorithm",
    ["MD5", "MD5-sess", "SHA", "SHA-sess", "SHA-256", "SHA-256-sess", "SHA-512", "SHA-512-sess"],
)
def test_digest_algorithms_checked_by_the_server(
    serve: Serve, session: httpcore_lite.Session, algorithm: str
) -> None:
    server = digest_server(serve, algorithm=algorithm)
    r = session.get(server.url + "/p?q=1", auth=HTTPDigestAuth("user", "pass"), timeout=TIMEOUT)
    assert (r.status_code, r.content) == (200, b"authenticated")
    [(params, valid)] = server.state["signed"]
    assert valid
    assert params["algorithm"] == algorithm
    assert params["uri"] == "/p?q=1"


def test_digest_without_algorithm_means_md5(serve: Serve, session: httpcore_lite.Session) -> None:
    server = digest_server(serve, algorithm=None)
    r = session.get(server.url + "/p", auth=HTTPDigestAuth("user", "pass"), timeout=TIMEOUT)
    assert r.status_code == 200
    [(params, valid)] = server.state["signed"]
    assert valid
    assert "algorithm" not in params


def test_digest_without_qop_follows_rfc_2069(serve: Serve, session: httpcore_lite.Session) -> None:
    server = digest_server(serve, qop=None)
    r = session.get(server.url + "/old", auth=HTTPDigestAuth("user", "pass"), timeout=TIMEOUT)
    assert r.status_code == 200
    [(params, valid)] = server.state["signed"]
    assert valid  # response = H(HA1:nonce:HA2)
    assert not {"qop", "nc", "cnonce"} & set(params)


def test_digest_unknown_algorithm_is_declined(serve: Serve) -> None:
    server = digest_server(serve, algorithm="SHA-512-256")
    r = httpcore_lite.get(server.url + "/p", auth=HTTPDigestAuth("u", "p"), timeout=TIMEOUT)
    assert r.status_code == 401
    assert server.state["signed"] == []
    assert len(server.requests) == 1


def test_nonce_count_increments_while_the_nonce_is_reused(
    serve: Serve, session: httpcore_lite.Session
) -> None:
    server = digest_server(serve)
    auth = HTTPDigestAuth("user", "pass")
    statuses = [
        session.get(server.url + f"/{i}", auth=auth, timeout=TIMEOUT).status_code for i in range(4)
    ]
    assert statuses == [200] * 4
    signed = server.state["signed"]
    assert all(valid for _, valid in signed)
    assert [p["nonce"] for p, _ in signed] == ["nonce-1"] * 4
    assert [p["nc"] for p, _ in signed] == ["00000001", "00000002", "00000003", "00000004"]
    assert len({p["cnonce"] for p, _ in signed}) == 4
    assert len(server.requests) == 5  # one unsigned request, met by the only challenge
    assert server.accepted == 1


def test_stale_nonce_is_answered_once_more_and_succeeds(
    serve: Serve, session: httpcore_lite.Session
) -> None:
    server = digest_server(serve, stale_nonces=("nonce-1",))
    r = session.get(server.url + "/p", auth=HTTPDigestAuth("user", "pass"), timeout=TIMEOUT)
    assert (r.status_code, r.content) == (200, b"authenticated")
    assert [h.status_code for h in r.history] == [401, 401]
    assert "stale=true" in r.history[1].headers["WWW-Authenticate"]
    assert [(p["nonce"], p["nc"]) for p, _ in server.state["signed"]] == [
        ("nonce-1", "00000001"),
        ("nonce-2", "00000001"),
    ]


def test_stale_twice_is_final(serve: Serve, session: httpcore_lite.Session) -> None:
    server = digest_server(serve, stale_nonces=("nonce-1", "nonce-2"))
    r = session.get(server.url + "/p", auth=HTTPDigestAuth("user", "pass"), timeout=TIMEOUT)
    assert r.status_code == 401
    assert len(server.requests) == 3  # unsigned, signed, signed again after stale
    assert [h.status_code for h in r.history] == [401, 401]


def test_wrong_password_sends_exactly_two_requests(
    serve: Serve, session: httpcore_lite.Session
) -> None:
    server = digest_server(serve)
    r = session.get(server.url + "/p", auth=HTTPDigestAuth("user", "nope"), timeout=TIMEOUT)
    assert r.status_code == 401
    assert len(server.requests) == 2
    assert [valid for _, valid in server.state["signed"]] == [False]
    # the next request starts afresh: one more signed attempt, not zero
    r = session.get(server.url + "/p", auth=HTTPDigestAuth("user", "pass"), timeout=TIMEOUT)
    assert r.status_code == 200


def test_digest_post_body_is_sent_with_the_answer(
    serve: Serve, session: httpcore_lite.Session
) -> None:
    server = digest_server(serve)
    r = session.post(
        server.url + "/p", data=b"body", auth=HTTPDigestAuth("user", "pass"), timeout=TIMEOUT
    )
    assert r.status_code == 200
    assert [q.endswith(b"\r\n\r\nbody") for q in server.requests] == [True, True]


# -- Proxy-Authorization and custom auth ----------------------------------------------------


def test_proxy_auth_is_never_sent_to_an_origin(httpbin: WSGIServer) -> None:
    # Sent direct (no proxy), HTTPProxyAuth's credentials reach nobody: stricter than
    # requests, which sends them to the origin (issue 14; docs/migrating.md).
    request = httpcore_lite.Request(
        "GET", httpbin + "/headers", auth=HTTPProxyAuth("proxy", "secret")
    ).prepare()
    expected = "Basic " + base64.b64encode(b"proxy:secret").decode()
    assert request.headers["Proxy-Authorization"] == expected  # set, for a proxy to get
    r = httpcore_lite.get(
        httpbin + "/headers", auth=HTTPProxyAuth("proxy", "secret"), timeout=TIMEOUT
    )
    seen = r.json()["headers"]
    assert "Proxy-Authorization" not in seen
    assert "Authorization" not in seen


class TokenAuth(AuthBase):
    def __init__(self, token: str) -> None:
        self.token = token
        self.calls = 0

    def __call__(self, r: PreparedRequest) -> PreparedRequest:
        self.calls += 1
        r.headers["X-Token"] = self.token
        r.headers["Authorization"] = f"Bearer {self.token}"
        return r


def test_custom_auth_base_subclass(httpbin: WSGIServer, session: httpcore_lite.Session) -> None:
    auth = TokenAuth("t0k")
    r = session.get(httpbin + "/bearer", auth=auth, timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.json() == {"authenticated": True, "token": "t0k"}
    assert auth.calls == 1
    session.auth = auth
    assert session.get(httpbin + "/headers", timeout=TIMEOUT).json()["headers"]["X-Token"] == "t0k"
    assert auth.calls == 2


def test_a_plain_callable_is_an_auth(httpbin: WSGIServer) -> None:
    def sign(r: PreparedRequest) -> PreparedRequest:
        r.headers["X-Signed"] = "yes"
        return r

    r = httpcore_lite.get(httpbin + "/headers", auth=sign, timeout=TIMEOUT)
    assert r.json()["headers"]["X-Signed"] == "yes"


def test_auth_base_itself_is_not_callable(httpbin: WSGIServer) -> None:
    with pytest.raises(NotImplementedError):
        httpcore_lite.get(httpbin + "/get", auth=AuthBase(), timeout=TIMEOUT)


# -- Basic credentials as bytes on the wire -------------------------------------------------


def recording(serve: Serve) -> RawServer:
    def handle(conn: socket.socket, server: RawServer) -> None:
        while server.read(conn):
            conn.sendall(response(b"ok"))

    return serve(handle)


def sent_basic(server: RawServer, index: int = -1) -> bytes:
    value = fields(server.requests[index])["authorization"]
    assert value.startswith("Basic ")
    return base64.b64decode(value[len("Basic ") :])


def test_basic_ascii_against_httpbin(httpbin: WSGIServer) -> None:
    r = httpcore_lite.get(httpbin + "/basic-auth/user/pass", auth=("user", "pass"), timeout=TIMEOUT)
    assert r.json() == {"authenticated": True, "user": "user"}


@pytest.mark.parametrize(
    ("auth", "expected"),
    [
        (("us\u00e9r", "p\u00e4ss"), "us\u00e9r:p\u00e4ss".encode("latin-1")),  # as requests
        (("\u7528\u6237", "\u5bc6\u7801"), "\u7528\u6237:\u5bc6\u7801".encode()),  # UTF-8
        ((b"raw\xff", b"bytes"), b"raw\xff:bytes"),
        (("user", ""), b"user:"),
    ],
    ids=["latin-1", "utf-8", "bytes", "empty-password"],
)
def test_basic_credential_bytes(serve: Serve, auth: Any, expected: bytes) -> None:
    server = recording(serve)
    r = httpcore_lite.get(server.url + "/", auth=HTTPBasicAuth(*auth), timeout=TIMEOUT)
    assert r.content == b"ok"
    assert sent_basic(server) == expected


def test_non_string_credentials_warn(serve: Serve) -> None:
    server = recording(serve)
    with pytest.warns(DeprecationWarning, match="Non-string credentials"):
        httpcore_lite.get(server.url + "/", auth=("user", 1234), timeout=TIMEOUT)
    assert sent_basic(server) == b"user:1234"


# -- credentials in the URL -----------------------------------------------------------------


def test_url_credentials_against_httpbin(httpbin: WSGIServer) -> None:
    url = httpbin.url.replace("http://", "http://user:pass@") + "/basic-auth/user/pass"
    r = httpcore_lite.get(url, timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.json() == {"authenticated": True, "user": "user"}
    assert r.url == url  # as requests: the URL is kept as given


def test_url_credentials_are_unquoted(serve: Serve) -> None:
    server = recording(serve)
    url = server.url.replace("http://", "http://us%40er:p%3Ass%20w@") + "/path"
    httpcore_lite.get(url, timeout=TIMEOUT)
    assert sent_basic(server) == b"us@er:p:ss w"
    sent = fields(server.requests[0])
    assert sent["host"] == f"127.0.0.1:{server.port}"
    assert server.requests[0].startswith(b"GET /path HTTP/1.1\r\n")


def test_explicit_auth_beats_url_credentials(serve: Serve) -> None:
    server = recording(serve)
    url = server.url.replace("http://", "http://url:cred@") + "/"
    httpcore_lite.get(url, auth=("explicit", "wins"), timeout=TIMEOUT)
    assert sent_basic(server) == b"explicit:wins"


def test_url_user_without_password_sends_nothing(serve: Serve) -> None:
    # requests' get_auth_from_url gives ("", "") when the password is missing.
    server = recording(serve)
    httpcore_lite.get(server.url.replace("http://", "http://only@") + "/", timeout=TIMEOUT)
    assert "authorization" not in fields(server.requests[0])
