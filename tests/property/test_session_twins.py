"""Each fast path of the Session, the adapter and their caches against its slow twin
(docs/architecture.md lists the pairs): on the same input, the cheap route must give what
the general route gives. Both routes are forced without touching the library: a Session
subclass overriding send and prepare_request, no-op settings, fresh functions beside warm
caches, files read afresh beside the caches of them."""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import os
import re
import socket
import tempfile
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import h11
import pytest
import trustme
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import httpcore_lite as requests
from httpcore_lite import _body, _urls
from httpcore_lite._netrc import NetrcCache, get_netrc_auth
from httpcore_lite._proxies import EnvironmentProxies, resolve_proxies
from httpcore_lite._transport import http11, tls
from httpcore_lite._transport.http11 import PreparedHeads, RequestHead
from httpcore_lite.adapters import BaseAdapter, ExchangePlans, HTTPAdapter, plan_exchange
from httpcore_lite.retry import Retry
from httpcore_lite.sessions import merge_setting
from httpcore_lite.structures import CaseInsensitiveDict
from httpcore_lite.utils import environment_values

from ..bodies import ChunkSource
from ..servers import RawServer, raw_server, response
from ._twins import PROXY_NAMES, outcome


@pytest.fixture(scope="module")
def echo_server() -> Iterator[RawServer]:
    def answer(conn: socket.socket, server: RawServer) -> None:
        while request := server.read(conn):
            target = request.split(b" ", 2)[1]
            if target.startswith(b"/redirect"):
                headers = [("Location", "/final?x=1"), ("Set-Cookie", "hop=1; Path=/")]
                conn.sendall(response(b"", "302 Found", headers))
            else:
                conn.sendall(response(b"body of " + target))

    with raw_server(answer) as server:
        yield server


class GeneralRoutes(requests.Session):
    """Overrides that change nothing, but make Session.request take its general routes."""

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        return super().prepare_request(request)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        return super().send(request, **kwargs)


VALUES = st.none() | st.sampled_from(["1", "two words", "caf\xe9"])
HEADERS = st.dictionaries(st.sampled_from(["Accept", "x-call", "X-Session", "user-agent"]), VALUES)
CALL = st.fixed_dictionaries(
    {
        "method": st.sampled_from(["GET", "get", "Post"]),
        "url": st.sampled_from(["/plain", "/redirect", "/a b/./c"]),
        "params": st.none() | st.dictionaries(st.sampled_from(["q", "t"]), VALUES),
        "headers": st.none() | HEADERS,
        "data": st.sampled_from([None, b"", {"f": "1"}, b"raw"]),
        "json": st.sampled_from([None, {"j": [1]}]),
        "cookies": st.sampled_from([None, {"c": "1"}]),
        "auth": st.sampled_from([None, ("u", "p")]),
        "allow_redirects": st.booleans(),
    }
)


def _general(call: dict[str, Any], session_params: dict[str, Any]) -> dict[str, Any]:
    """``call`` with no-op settings that leave the shortcuts of Session._prepare and _send:
    a header and a parameter set to None, a cookie for another domain, a NO_PROXY."""
    call = {**call, "headers": {**(call["headers"] or {}), "X-Nobody": None}}
    if not call["params"] and not session_params:
        call["params"] = [("nobody", None)]
    if call["cookies"] is None:
        call["cookies"] = jar = requests.cookies.RequestsCookieJar()
        jar.set("elsewhere", "1", domain="elsewhere.invalid")
    return {**call, "proxies": {"no_proxy": "elsewhere.invalid"}}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(CALL, min_size=1, max_size=2),
    st.lists(HEADERS, min_size=2),  # the Session's headers before each call
    st.dictionaries(st.sampled_from(["q", "s"]), VALUES),  # its params
    st.sampled_from([None, ("su", "sp")]),  # its auth
)
def test_session_fast_routes_send_what_the_general_routes_send(
    echo_server: RawServer, calls: list[Any], headers: list[Any], params: Any, auth: Any
) -> None:
    """Fast paths: Session.request preparing without a Request and skipping send (subclass
    identity), the Session's headers copied unmerged and checked once
    (_checked_header_pairs), merge_setting without a copy, URLs prepared once per Session,
    no cookie work without cookies, no proxy resolution without proxies. Slow twin: a
    subclass overriding prepare_request and send, given no-op settings that leave each
    shortcut. The server reads the same bytes, the caller gets the same answers, and the
    Session keeps the same cookies and settings."""
    seen = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NETRC", os.devnull)
        for name in PROXY_NAMES:
            mp.delenv(name, raising=False)
        for cls in (requests.Session, GeneralRoutes):
            with cls() as s:
                s.params, s.auth = dict(params), auth
                for call, changes in zip(calls, headers, strict=False):
                    s.headers.update(changes)  # a second call meets changed headers
                    kwargs = call if cls is requests.Session else _general(call, params)
                    start, url = len(echo_server.requests), echo_server.url + call["url"]
                    r = outcome(lambda k={**kwargs, "url": url}: s.request(**k))
                    if isinstance(r, requests.Response):
                        r = (r.status_code, r.url, r.content, [h.url for h in r.history])
                    seen.append((r, echo_server.requests[start:], s.cookies.get_dict()))
                seen.append((list(s.headers.items()), s.params, s.auth))
    assert seen[: len(seen) // 2] == seen[len(seen) // 2 :]


class Recorder(BaseAdapter):
    """Answers every request with a 200, and keeps the proxies each was handed."""

    def __init__(self) -> None:
        self.proxies: list[Any] = []
        self.close = lambda: None

    def send(self, request: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.proxies.append(kwargs["proxies"])
        r = requests.Response()
        r.status_code, r.url, r.request = 200, request.url, request
        r.attach_body(ChunkSource())
        return r


PROXY_VALUES = st.none() | st.sampled_from(["http://p.test:3128", "twin.test", "*"])


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(st.sampled_from(PROXY_NAMES), st.sampled_from(["http://e:1", "*"])),
    st.dictionaries(st.sampled_from(["http", "all", "no_proxy"]), PROXY_VALUES),  # the Session's
    st.none() | st.dictionaries(st.sampled_from(["http", "https"]), PROXY_VALUES),  # the call's
    st.booleans(),  # trust_env
)
def test_proxies_skipped_are_the_proxies_resolved(
    environment: dict[str, str], session_proxies: Any, given_proxies: Any, trust_env: bool
) -> None:
    """Fast path: Session._send hands the adapter {} without resolving proxies when none can
    apply (known from a Session's second request on). Slow twin: resolve_proxies over the
    same settings and environment. Every request gets the same proxies."""
    with pytest.MonkeyPatch.context() as mp:
        for name in PROXY_NAMES:
            mp.delenv(name, raising=False)
        for name, value in environment.items():
            mp.setenv(name, value)
        url, environ = "http://twin.test/", EnvironmentProxies.read()
        expected = resolve_proxies(url, given_proxies, session_proxies, environ, trust_env)
        with requests.Session() as s:
            s.mount("http://", recorder := Recorder())
            s.proxies, s.trust_env = dict(session_proxies), trust_env
            for _ in range(3):
                s.get(url, proxies=given_proxies)
    assert recorder.proxies == [expected] * 3


URLS = ("https://A.test:8443/y?q=1", "http://a.test/x", "http://a.test/X", "https://[::1]/")
URLS += ("ftp://x/", "http:///a", "http+unix://%2Fs/p", "http://a.test:99999/", "http://a.test/a b")
HEADER_SETS = ((), (("Accept", "1"),), (("X-Token", "caf\xe9"), ("host", "h")), (("Accept", "2"),))
HEADER_SETS += ((("Proxy-Authorization", "p"),), (("Bad Name", "1"),), (("Accept", "a\r\nb"),))
HEADER_SETS += ((("Accept", "\u20ac"),), (("Accept", ("unhashable",)),))
REQUESTS = st.tuples(  # a few requests, sent again and again with other TLS settings
    st.sampled_from(["GET", "POST"]),
    st.sampled_from(URLS[:2]) | st.sampled_from(URLS) | st.text(max_size=8).map(URLS[1].__add__),
    st.sampled_from(HEADER_SETS),
)
SENDINGS = st.tuples(
    st.integers(0, 3),  # which request
    st.sampled_from([True, False, "/ca.pem"]),  # verify
    st.sampled_from([None, "c.pem", ("c.pem", "k.pem")]),  # cert
)


def _wire_of(prepared: http11.PreparedHead) -> tuple[Any, ...]:
    written = h11.Connection(h11.CLIENT).send(prepared.event)
    return written, prepared.expects_continue, prepared.framed_length


@settings(max_examples=100, deadline=None)
@given(st.lists(REQUESTS, min_size=1, max_size=4), st.lists(SENDINGS, max_size=16))
def test_caches_answer_as_the_functions_they_keep(requests_: Any, sendings: Any) -> None:
    """Fast paths: caches owned by an adapter (ExchangePlans), a pool (PreparedHeads) and a
    Session (_prepared_urls); small here, so that they fill and empty. Slow twins: the
    functions they keep, called afresh (plan_exchange, PreparedHead, prepare_url). Same
    answer or the same error, all along a sequence of requests."""
    plans, heads = ExchangePlans(limit=4), PreparedHeads(limit=4)
    with requests.Session() as s:
        s.trust_env = False
        for which, *tls_settings in sendings:
            method, url, headers = requests_[which % len(requests_)]
            rest = (headers, *tls_settings)
            planned = outcome(plan_exchange, method, url, *rest)
            assert outcome(plans.plan, method, url, *rest) == planned
            if type(planned[1]) is RequestHead:
                fresh = outcome(lambda h=planned[1]: _wire_of(http11.PreparedHead(h)))
                assert outcome(lambda h=planned[1]: _wire_of(heads.prepare(h))) == fresh
            prepared = outcome(lambda u=url: s.prepare_request(requests.Request("GET", u)).url)
            assert prepared == outcome(_urls.prepare_url, url)


def _headers_of(headers: Any) -> list[tuple[str, Any]]:
    p = requests.PreparedRequest()
    p.prepare_headers(headers)
    return list(p.headers.items())


JSON = st.recursive(
    st.none() | st.booleans() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=8,
).map(lambda value: [value])  # (json=None means no body)
MAPPINGS = st.none() | st.dictionaries(st.sampled_from("aBbc"), st.none() | st.sampled_from("12"))
ENV_NAMES = ("HCL_TWIN_A", "HCL_TWIN_B")
ENV_VALUES = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\0"))
ENV_VALUES |= st.binary().filter(lambda value: b"\0" not in value)  # (undecodable too)
RETRIES = st.builds(
    Retry,
    total=st.sampled_from([None, False, 0, 3]),
    status_forcelist=st.sets(st.sampled_from([413, 500, 503])),
    respect_retry_after_header=st.booleans(),
    allowed_methods=st.sampled_from([None, frozenset({"GET"})]),
)


# A URL made only of these characters is already in requests' requoted form.
SAFE_URL = r"[A-Za-z0-9\-._~!#$&'()*+,/:;=?@\[\]]*\Z"


@settings(max_examples=200, deadline=None)
@given(
    st.tuples(MAPPINGS, MAPPINGS),  # a call's setting, the Session's
    JSON,
    st.text(st.sampled_from("aZ0-._~!#$&'()*+,/:;=?@[]% <^")),  # a URL
    st.dictionaries(st.sampled_from(ENV_NAMES), ENV_VALUES),
    st.tuples(RETRIES, st.sampled_from([200, 301, 413, 429, 500, 503])),
)
def test_shortcuts_give_what_the_general_code_gives(
    settings_: tuple[Any, Any], value: Any, url: str, env: dict[str, Any], retry: Any
) -> None:
    """Fast paths, and their slow twins: merge_setting returning the Session's mapping
    without a copy (a merge that always copies); prepare_headers copying a
    CaseInsensitiveDict whole (a dict prepared pair by pair); one JSONEncoder for all bodies
    (json.dumps(allow_nan=False)); environment_values reading os.environ._data
    (os.environ.get); HTTPAdapter looking only at statuses its Retry may retry
    (Retry.is_retry for every response)."""
    request, session = settings_
    expected = session if request is None else request
    if request is not None and session is not None:
        expected = {k: v for k, v in {**session, **request}.items() if v is not None}
    merged = merge_setting(request, session, dict_class=dict)
    assert (merged, list(merged or ())) == (expected, list(expected or ()))
    headers = CaseInsensitiveDict(session or {})
    assert outcome(_headers_of, headers) == outcome(_headers_of, dict(headers.items()))
    try:
        dumped: Any = json.dumps(value, allow_nan=False).encode()
    except ValueError:
        dumped = "InvalidJSONError"
    encoded = outcome(lambda: _body.encode_body(None, value).body)
    assert (encoded if type(encoded) is bytes else encoded[0]) == dumped
    if re.match(SAFE_URL, url):  # (a shortcut for these went in issue 15: it saved nothing)
        assert _urls.requote_uri(url) == quote(url, safe="!#$%&'()*+,/:;=?@[]~")
    with pytest.MonkeyPatch.context() as mp:
        for name in ENV_NAMES:
            mp.delenv(name, raising=False)
        for name, text in env.items():
            if type(text) is bytes:
                mp.setitem(os.environb, name.encode(), text)
            else:
                mp.setenv(name, text)
        slow = {name: os.environ.get(name) for name in ENV_NAMES}
        assert environment_values(ENV_NAMES) == {k: v for k, v in slow.items() if v is not None}
    (policy, status), adapter = retry, HTTPAdapter(max_retries=retry[0])
    default = HTTPAdapter()  # the default policy's statuses are taken as known (none)
    for method, after in itertools.product(("GET", "POST"), (False, True)):
        assert status in adapter._retry_statuses or not policy.is_retry(method, status, after)
        assert status in default._retry_statuses or not default.max_retries.is_retry(
            method, status, after
        )
    adapter.close()
    default.close()


@functools.cache
def _bundles() -> tuple[list[bytes], tuple[bytes, bytes]]:
    """Two CA bundles of one size (text before a PEM block is ignored), and a client cert."""
    cas = [trustme.CA(), trustme.CA()]
    pems = [ca.cert_pem.bytes() for ca in cas]
    width = max(map(len, pems)) + 2
    client = cas[0].issue_cert("client.test")
    bundles = [b"#" * (width - len(pem) - 1) + b"\n" + pem for pem in pems]
    return bundles, (client.cert_chain_pems[0].bytes(), client.private_key_pem.bytes())


def _put(path: str, data: bytes, how: str) -> None:
    if how == "remove":
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
        return
    with open(path + (".new" if how == "replace" else ""), "wb") as f:  # (else: in place)
        f.write(data)
    if how == "replace":
        os.replace(path + ".new", path)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["in-place", "replace", "remove"]), st.integers(0, 1))),
    st.booleans(),  # a client certificate too: the pool's own contexts
)
def test_file_caches_answer_as_reading_the_files_does(ops: Any, own: bool) -> None:
    """Fast paths: a Session's NetrcCache, and SSLContexts kept per TLSConfig (process-wide,
    or the pool's TLSContexts for a client key), used again until their files' identity
    (path, inode, size, times) changes. Slow twins: get_netrc_auth, which reads the file each
    time; a context built afresh. After every change (same-size rewrites in place,
    microseconds apart, included) both give the same credentials and trust the same CAs."""
    bundles, client = _bundles()
    contexts, netrc_cache = tls.TLSContexts(), NetrcCache()
    with tempfile.TemporaryDirectory() as home, pytest.MonkeyPatch.context() as mp:
        netrc, bundle, cert, key = (os.path.join(home, name) for name in ("n", "ca", "c", "k"))
        mp.setenv("NETRC", netrc)
        _put(cert, client[0], "replace")
        _put(key, client[1], "replace")
        config = tls.TLSConfig(bundle, (cert, key) if own else None)
        for how, which in ops:
            _put(netrc, b"machine h.test login %d password p\ndefault login d\n" % which, how)
            _put(bundle, bundles[which], how)
            for url in ("http://h.test/", "https://other.test:8443/"):
                assert netrc_cache.credentials_for(url) == get_netrc_auth(url)
            fresh = outcome(lambda: tls._build_context(config).get_ca_certs())
            assert outcome(lambda: contexts.get(config).get_ca_certs()) == fresh
    contexts.clear()


_LABELS = st.lists(st.text("abc019-", min_size=1, max_size=4), min_size=1, max_size=3)
URL_PIECES = st.tuples(
    st.sampled_from(["http", "https", "HTTP", "ftp"]),
    _LABELS.map(".".join) | st.text("abcAB019.-_~", max_size=12),  # host
    st.none() | st.text("0123456789", max_size=6),  # port
    # path, query, fragment: mostly near plain, sometimes anything
    st.lists(st.text("aZ09._~!$&'()*+,;=:@-", max_size=4), min_size=1, max_size=4).map(
        lambda segments: "/" + "/".join(segments)
    )
    | st.text("abZ09/._~!$&'()*+,;=:@-%? #[]\u00e9", max_size=16),
)


@settings(max_examples=400, deadline=None)
@given(URL_PIECES)
@example(("http", "a.b", "0080", "/x"))
@example(("http", "a.b", "65536", "/x"))
@example(("http", "a.b", None, "/./x"))
@example(("http", "a.b", None, "/x?"))
def test_plain_urls_are_what_the_general_route_makes_of_them(pieces: tuple[Any, ...]) -> None:
    """Fast path: a plain URL (lower-case http(s) host, ASCII path and query that need no
    quoting, no dot segment) is its own prepared form, and split_url reads its parts off
    one match (_urls._PLAIN_URL). Slow twin: the general route, urlsplit and all
    (_prepare_url, _split_url). Same URL, same split, same error; and plain URLs do take the
    fast path."""
    scheme, host, port, rest = pieces
    url = f"{scheme}://{host}" + ("" if port is None else f":{port}") + rest
    prepared = outcome(_urls._prepare_url, url, None)
    assert outcome(_urls.prepare_url, url) == prepared
    if isinstance(prepared, str) and prepared.startswith("http"):
        assert outcome(_urls.split_url, prepared) == outcome(_urls._split_url, prepared)
    plain = scheme in ("http", "https") and re.fullmatch(r"[a-z0-9]+(\.[a-z0-9]+)*", host)
    if plain and re.fullmatch(r"/[a-z0-9_~-]*", rest) and port in (None, "8080"):
        assert _urls._plain(url) is not None  # (the fast path is taken where it should be)


class FollowsAnyStatus(requests.Session):
    """A subclass whose get_redirect_target follows a 200 too (requests asks it of every
    response)."""

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        found = super().get_redirect_target(resp)
        return found or resp.headers.get("x-next")


class RetriesTeapots(Retry):
    """A policy with an is_retry of its own: 418 is retried, though not in its forcelist."""

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        return status_code == 418 or super().is_retry(method, status_code, has_retry_after)


def _hops(conn: socket.socket, server: RawServer) -> None:
    while request := server.read(conn):
        target = request.split(b" ", 2)[1]
        count = server.state.setdefault(target, 0)
        server.state[target] = count + 1
        if target == b"/start":
            conn.sendall(response(b"start", headers=[("X-Next", "/final")]))
        elif target == b"/teapot" and count == 0:
            conn.sendall(response(b"short and stout", "418 I'm a teapot"))
        elif target.startswith(b"/slow"):
            server.state["hold"].wait(0.25)  # each hop well within the total, both not
            hop = int(target[5:])
            extra = [("Location", f"/slow{hop + 1}")] if hop < 2 else []
            conn.sendall(response(b"", "302 Found" if extra else "200 OK", extra))
        else:
            conn.sendall(response(b"answer of " + target))


def test_gates_a_subclass_cannot_see_ask_it_all_the_same(
    serve: Any,
) -> None:
    """Fast paths: statuses to retry worked out once from the policy; a total deadline taken
    from a Timeout. Slow twins: requests' routes, which ask is_retry of every status, and
    take any Timeout. A subclass that overrides them is heard (a 200 its get_redirect_target
    calls a redirect is followed, a 418 its is_retry retries), and a Timeout subclass's total
    spans the hops. (The gate on redirect statuses went in issue 15: it saved nothing.)"""
    server = serve(_hops)
    server.state["hold"] = threading.Event()
    with FollowsAnyStatus() as s:
        r = s.get(server.url + "/start", timeout=(3, 5))
        assert (r.content, [h.status_code for h in r.history]) == (b"answer of /final", [200])
    with requests.Session() as s:
        assert s.get(server.url + "/start", timeout=(3, 5)).content == b"start"
    with requests.Session(retries=RetriesTeapots(total=2)) as s:
        assert s.get(server.url + "/teapot", timeout=(3, 5)).content == b"answer of /teapot"

        class Total(requests.timeouts.Timeout):
            """A Timeout of the caller's own kind."""

        with pytest.raises(requests.exceptions.ReadTimeout, match="total timeout"):
            s.get(server.url + "/slow0", timeout=Total(connect=3, read=3, total=0.4))
    server.state["hold"].set()


PROXY_URLS = ("http://p.test:3128", "https://u:p%40ss@p.test", "p.test:8080", "socks5://s:1")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(PROXY_URLS), st.sampled_from([True, False])), max_size=8))
def test_proxies_built_once_are_the_proxies_built_afresh(uses: list[tuple[str, bool]]) -> None:
    """Fast path: a Proxy (origin, TLS settings, Proxy-Authorization) built once per proxy URL
    and verify, by the adapter (_proxy_cache). Slow twin: a new adapter building it. Same
    Proxy, or the same error, whatever came before."""
    warm = HTTPAdapter()
    try:
        for proxy_url, verify in uses:
            settings_ = {"http": proxy_url}
            fresh = HTTPAdapter()
            expected = outcome(fresh._proxy_for, "http://origin.test/", settings_, verify)
            fresh.close()
            assert outcome(warm._proxy_for, "http://origin.test/", settings_, verify) == expected
    finally:
        warm.close()
