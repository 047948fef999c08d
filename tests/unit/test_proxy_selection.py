"""Proxy policy without sockets: selection, the environment, NO_PROXY, the merge the Session
makes, proxy URLs, and how the adapter plans a request through a proxy."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import httpcore_lite
from httpcore_lite._proxies import (
    EnvironmentProxies,
    parse_proxy_url,
    proxies_from_environment,
    resolve_proxies,
    select_proxy,
    should_bypass,
)
from httpcore_lite._transport.pool import PoolKey
from httpcore_lite._transport.proxy import Proxy
from httpcore_lite._transport.tls import TLSConfig
from httpcore_lite._urls import Origin
from httpcore_lite.adapters import HTTPAdapter, plan_exchange
from httpcore_lite.exceptions import InvalidProxyURL, InvalidSchema

# -- select_proxy -------------------------------------------------------------------------

ALL_KEYS = {
    "https://a.com": "scheme-host",
    "https": "scheme",
    "all://a.com": "all-host",
    "all": "all",
}


@pytest.mark.parametrize(
    ("present", "expected"),
    [
        (("https://a.com", "https", "all://a.com", "all"), "scheme-host"),
        (("https", "all://a.com", "all"), "scheme"),
        (("all://a.com", "all"), "all-host"),
        (("all",), "all"),
        ((), None),
    ],
)
def test_select_proxy_takes_the_most_specific_key(
    present: tuple[str, ...], expected: str | None
) -> None:
    proxies = {key: ALL_KEYS[key] for key in present}
    assert select_proxy("https://A.com:443/path", proxies) == expected


def test_select_proxy_ignores_other_hosts_and_schemes() -> None:
    proxies = {"http": "p", "https://b.com": "q", "all://b.com": "r"}
    assert select_proxy("https://a.com/", proxies) is None


def test_a_none_value_stops_the_search() -> None:
    assert select_proxy("https://a.com/", {"https": None, "all": "http://p"}) is None
    assert select_proxy("http://a.com/", {"https": None, "all": "http://p"}) == "http://p"


def test_select_proxy_without_proxies() -> None:
    assert select_proxy("http://a.com/", None) is None
    assert select_proxy("http://a.com/", {}) is None


HOSTS = st.from_regex(r"[a-z][a-z0-9]{0,10}(\.[a-z][a-z0-9]{0,10}){0,2}", fullmatch=True)


@given(host=HOSTS, scheme=st.sampled_from(["http", "https"]), other=HOSTS)
def test_a_host_key_beats_the_scheme_key_only_for_its_host(
    host: str, scheme: str, other: str
) -> None:
    proxies = {f"{scheme}://{host}": "host-proxy", scheme: "scheme-proxy"}
    assert select_proxy(f"{scheme}://{host}/x", proxies) == "host-proxy"
    if other != host:
        assert select_proxy(f"{scheme}://{other}/x", proxies) == "scheme-proxy"


# -- the environment ----------------------------------------------------------------------


def test_environment_variables_in_either_case() -> None:
    environ = {
        "HTTP_PROXY": "http://upper:1",
        "https_proxy": "http://lower:2",
        "ALL_PROXY": "http://all:3",
        "NO_PROXY": "localhost",
        "PATH": "/bin",
    }
    assert proxies_from_environment(environ) == {
        "http": "http://upper:1",
        "https": "http://lower:2",
        "all": "http://all:3",
        "no_proxy": "localhost",
    }


def test_lower_case_wins_and_an_empty_one_cancels() -> None:
    environ = {
        "HTTP_PROXY": "http://upper",
        "http_proxy": "http://lower",
        "HTTPS_PROXY": "http://upper",
        "https_proxy": "",
    }
    assert proxies_from_environment(environ) == {"http": "http://lower"}


def test_http_proxy_is_ignored_in_a_cgi_script() -> None:
    # httpoxy: a client's "Proxy:" request header arrives as HTTP_PROXY in CGI.
    environ = {"REQUEST_METHOD": "GET", "HTTP_PROXY": "http://attacker"}
    assert proxies_from_environment(environ) == {}
    environ["http_proxy"] = "http://mine"
    assert proxies_from_environment(environ) == {"http": "http://mine"}


def test_environment_proxies_are_read_once() -> None:
    environ = {"HTTPS_PROXY": "http://user:secret@p:3128"}
    snapshot = EnvironmentProxies.read(environ)
    environ["HTTPS_PROXY"] = "http://changed"
    assert dict(snapshot) == {"https": "http://user:secret@p:3128"}
    assert "secret" not in repr(snapshot)


def test_environment_proxies_default_to_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALL_PROXY", "http://from-os:1")
    assert EnvironmentProxies.read()["all"] == "http://from-os:1"


# -- NO_PROXY -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "no_proxy", "bypass"),
    [
        ("http://example.com/", "example.com", True),
        ("http://sub.example.com/", "example.com", True),
        ("http://sub.example.com/", ".example.com", True),
        ("http://example.com/", ".example.com", True),
        ("http://sub.example.com/", "*.example.com", True),
        ("http://badexample.com/", "example.com", False),
        ("http://example.com.evil/", "example.com", False),
        ("http://EXAMPLE.com/", "Example.COM", True),
        ("http://a.com/", "b.com, a.com", True),
        ("http://a.com/", "b.com a.com", True),
        ("http://a.com/", " b.com ,\ta.com ", True),
        ("http://anything.org/", "*", True),
        ("http://anything.org/", "b.com,*", True),
        ("http://10.1.2.3/", "10.0.0.0/8", True),
        ("http://11.1.2.3/", "10.0.0.0/8", False),
        ("http://127.0.0.1:8080/", "127.0.0.1", True),
        ("http://127.0.0.2/", "127.0.0.1", False),
        ("http://[::1]:8080/", "::1", True),
        ("http://[::1]/", "[::1]", True),
        ("http://[fd00::5]/", "fd00::/8", True),
        ("http://example.com:8080/", "example.com:8080", True),
        ("http://example.com:8081/", "example.com:8080", False),
        ("https://example.com/", "example.com:443", True),
        ("http://example.com/", "example.com:443", False),
        ("http://127.0.0.1:5000/", "127.0.0.1:5000", True),
        ("http://[::1]:5000/", "[::1]:5000", True),
        ("http://[::1]:5001/", "[::1]:5000", False),
        # Names are not resolved: a CIDR range never matches a name, nor a name an address.
        ("http://localhost/", "127.0.0.0/8", False),
        ("http://127.0.0.1/", "localhost", False),
        ("http://a.com/", "", False),
        ("http://a.com/", None, False),
        ("http://a.com/", ",,", False),
        ("http://a.com/", "a.com:notaport", False),
    ],
)
def test_should_bypass(url: str, no_proxy: str | None, bypass: bool) -> None:
    assert should_bypass(url, no_proxy) is bypass


LABELS = st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True)


@given(domain=HOSTS, label=LABELS, dotted=st.booleans())
def test_a_domain_covers_its_subdomains_and_nothing_else(
    domain: str, label: str, dotted: bool
) -> None:
    entry = f".{domain}" if dotted else domain
    assert should_bypass(f"http://{domain}/", entry)
    assert should_bypass(f"http://{label}.{domain}/", entry)
    assert not should_bypass(f"http://{label}{domain}/", entry)


@given(a=st.integers(0, 255), b=st.integers(0, 255), prefix=st.integers(8, 32))
def test_an_address_is_bypassed_exactly_when_it_is_in_the_range(
    a: int, b: int, prefix: int
) -> None:
    import ipaddress

    network = ipaddress.ip_network(f"10.{a}.{b}.0/{prefix}", strict=False)
    address = ipaddress.ip_address(f"10.{a}.{b}.7")
    assert should_bypass(f"http://{address}/", str(network)) is (address in network)


# -- resolve_proxies ----------------------------------------------------------------------

ENV = EnvironmentProxies.read(
    {"HTTP_PROXY": "http://env-http", "HTTPS_PROXY": "http://env-https", "NO_PROXY": "local"}
)


def test_nothing_anywhere_is_an_empty_dict() -> None:
    assert resolve_proxies("http://a.com/", None, None, None, True) == {}
    assert resolve_proxies("http://a.com/", {}, {}, EnvironmentProxies({}), True) == {}
    assert resolve_proxies("http://a.com/", None, None, ENV, False) == {}


def test_the_request_overrides_the_session() -> None:
    proxies = resolve_proxies(
        "https://a.com/", {"https": "http://req"}, {"https": "http://sess", "http": "x"}, None, True
    )
    assert proxies == {"https": "http://req", "http": "x"}


def test_a_request_none_opts_out_of_the_session_proxy() -> None:
    proxies = resolve_proxies("https://a.com/", {"https": None}, {"https": "http://s"}, ENV, True)
    assert select_proxy("https://a.com/", proxies) is None


def test_the_environment_fills_in_when_nothing_explicit_applies() -> None:
    proxies = resolve_proxies("https://a.com/", None, {"http": "http://s"}, ENV, True)
    assert select_proxy("https://a.com/", proxies) == "http://env-https"
    assert select_proxy("http://a.com/", proxies) == "http://s"


def test_an_explicit_all_beats_an_environment_scheme_proxy() -> None:
    # requests #3829: the environment's https_proxy must not win over an explicit setting.
    proxies = resolve_proxies("https://a.com/", None, {"all": "http://mine"}, ENV, True)
    assert select_proxy("https://a.com/", proxies) == "http://mine"


def test_the_environment_is_ignored_without_trust_env() -> None:
    proxies = resolve_proxies("https://a.com/", None, {"http": "http://s"}, ENV, False)
    assert select_proxy("https://a.com/", proxies) is None


def test_no_proxy_applies_to_environment_proxies_only() -> None:
    assert (
        select_proxy("https://local/", resolve_proxies("https://local/", None, None, ENV, True))
        is None
    )
    explicit = resolve_proxies("https://local/", {"https": "http://mine"}, None, ENV, True)
    assert select_proxy("https://local/", explicit) == "http://mine"


def test_an_explicit_no_proxy_key_replaces_the_environment_one() -> None:
    url = "https://a.com/"
    proxies = resolve_proxies(url, {"no_proxy": "a.com"}, None, ENV, True)
    assert select_proxy(url, proxies) is None
    proxies = resolve_proxies("https://local/", None, {"no_proxy": ""}, ENV, True)
    assert select_proxy("https://local/", proxies) == "http://env-https"


def test_the_result_is_a_new_dict() -> None:
    session = {"http": "http://s"}
    proxies = resolve_proxies("http://a.com/", None, session, None, True)
    proxies["http"] = "changed"
    assert session == {"http": "http://s"}


PROXY_VALUES = st.one_of(st.none(), st.sampled_from(["http://p1", "http://p2"]))
ENV_VARS = st.dictionaries(
    st.sampled_from(["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"]),
    st.sampled_from(["http://e1", "http://e2", "a.com", "*"]),
)


@given(
    explicit_key=st.sampled_from(["https", "all", "https://a.com", "all://a.com"]),
    value=PROXY_VALUES,
    in_request=st.booleans(),
    environ=ENV_VARS,
)
def test_an_explicit_setting_always_beats_the_environment(
    explicit_key: str, value: str | None, in_request: bool, environ: dict[str, str]
) -> None:
    explicit = {explicit_key: value}
    request, session = (explicit, None) if in_request else (None, explicit)
    proxies = resolve_proxies(
        "https://a.com/", request, session, EnvironmentProxies.read(environ), True
    )
    assert select_proxy("https://a.com/", proxies) == value


# -- proxy URLs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "origin", "username", "password"),
    [
        ("http://proxy:3128", Origin("http", "proxy", 3128), None, None),
        ("proxy:3128", Origin("http", "proxy", 3128), None, None),
        ("HTTP://Proxy", Origin("http", "proxy", 80), None, None),
        ("https://proxy", Origin("https", "proxy", 443), None, None),
        ("http://[::1]:8080/", Origin("http", "::1", 8080), None, None),
        ("http://u%40x:p%3Aw%40@proxy:1", Origin("http", "proxy", 1), "u@x", "p:w@"),
        ("http://user@proxy:1", Origin("http", "proxy", 1), "user", None),
        ("http://user:@proxy:1", Origin("http", "proxy", 1), "user", ""),
    ],
)
def test_parse_proxy_url(
    url: str, origin: Origin, username: str | None, password: str | None
) -> None:
    parsed = parse_proxy_url(url)
    assert (parsed.origin, parsed.username, parsed.password) == (origin, username, password)


@pytest.mark.parametrize("scheme", ["socks5", "socks5h", "socks4"])
def test_socks_proxies_are_not_supported(scheme: str) -> None:
    with pytest.raises(InvalidSchema, match="SOCKS proxies are not supported"):
        parse_proxy_url(f"{scheme}://127.0.0.1:1080")


@pytest.mark.parametrize(
    "url", ["http://", "http://user:secret@", "http://user:secret@proxy:99999", "http://a b:1"]
)
def test_malformed_proxy_urls_never_show_the_password(url: str) -> None:
    with pytest.raises(InvalidProxyURL) as info:
        parse_proxy_url(url)
    assert "secret" not in str(info.value)
    assert isinstance(info.value, httpcore_lite.exceptions.InvalidURL)


def test_an_unknown_proxy_scheme() -> None:
    with pytest.raises(InvalidSchema, match="ftp"):
        parse_proxy_url("ftp://proxy:21")


# -- the adapter's side ---------------------------------------------------------------------


def test_proxy_headers_carry_basic_credentials_percent_decoded() -> None:
    adapter = HTTPAdapter()
    assert adapter.proxy_headers("http://user:p%40ss@proxy:1") == {
        "Proxy-Authorization": "Basic dXNlcjpwQHNz"
    }
    assert adapter.proxy_headers("http://proxy:1") == {}


def test_request_url_is_absolute_only_for_http_through_a_proxy() -> None:
    adapter = HTTPAdapter()
    plain = httpcore_lite.Request("GET", "http://a.com/p?q=1#frag").prepare()
    secure = httpcore_lite.Request("GET", "https://a.com/p?q=1").prepare()
    proxies = {"all": "http://proxy:1"}
    assert adapter.request_url(plain, proxies) == "http://a.com/p?q=1"
    assert adapter.request_url(plain, {}) == "/p?q=1"
    assert adapter.request_url(secure, proxies) == "/p?q=1"


PROXY = Proxy(Origin("http", "proxy", 3128), None, ((b"Proxy-Authorization", b"Basic AAA"),))
HEADERS = (("Accept", "*/*"),)


def test_a_forwarded_request_names_the_whole_url_and_carries_the_proxy_headers() -> None:
    key, head = plan_exchange("GET", "http://a.com:8080/p?q=1", HEADERS, True, None, PROXY)
    assert key == PoolKey(Origin("http", "a.com", 8080), None, PROXY)
    assert head.target == b"http://a.com:8080/p?q=1"
    assert head.headers == (
        (b"Host", b"a.com:8080"),
        (b"Accept", b"*/*"),
        (b"Proxy-Authorization", b"Basic AAA"),
    )


def test_a_tunnelled_request_is_in_origin_form_without_proxy_headers() -> None:
    headers = (*HEADERS, ("Proxy-Authorization", "Basic BBB"))
    key, head = plan_exchange("GET", "https://a.com/p", headers, "/ca.pem", None, PROXY)
    assert key == PoolKey(Origin("https", "a.com", 443), TLSConfig("/ca.pem", None), PROXY)
    assert head.target == b"/p"
    assert head.headers == ((b"Host", b"a.com"), (b"Accept", b"*/*"))


def test_a_request_proxy_authorization_moves_to_the_connect_of_a_proxy_without_one() -> None:
    bare = PROXY._replace(headers=())
    headers = (*HEADERS, ("Proxy-Authorization", "Basic BBB"))
    key, head = plan_exchange("GET", "https://a.com/p", headers, True, None, bare)
    assert key.proxy is not None
    assert key.proxy.headers == ((b"Proxy-Authorization", b"Basic BBB"),)
    assert all(name != b"Proxy-Authorization" for name, _ in head.headers)


def test_tunnels_with_other_credentials_have_other_keys() -> None:
    other = PROXY._replace(headers=((b"Proxy-Authorization", b"Basic CCC"),))
    first, _ = plan_exchange("GET", "https://a.com/", HEADERS, True, None, PROXY)
    second, _ = plan_exchange("GET", "https://a.com/", HEADERS, True, None, other)
    assert first != second


def test_a_direct_request_is_planned_as_before() -> None:
    key, head = plan_exchange("GET", "http://a.com/p", HEADERS, True, None)
    assert key == PoolKey(Origin("http", "a.com", 80), None)
    assert key.proxy is None
    assert head.target == b"/p"


def test_the_proxy_and_its_pool_key_hide_credentials() -> None:
    key, _ = plan_exchange("GET", "https://a.com/", HEADERS, True, None, PROXY)
    for text in (str(PROXY), repr(PROXY), repr(key)):
        assert "AAA" not in text
    assert "Proxy-Authorization" in repr(PROXY)


def test_environment_values_reads_what_os_environ_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    from httpcore_lite.utils import environment_values

    monkeypatch.setenv("HTTPCORE_LITE_TEST_SET", "caf\u00e9 value")
    monkeypatch.setenv("HTTPCORE_LITE_TEST_EMPTY", "")
    monkeypatch.delenv("HTTPCORE_LITE_TEST_UNSET", raising=False)
    names = ("HTTPCORE_LITE_TEST_SET", "HTTPCORE_LITE_TEST_EMPTY", "HTTPCORE_LITE_TEST_UNSET")
    assert environment_values(names) == {
        "HTTPCORE_LITE_TEST_SET": "caf\u00e9 value",
        "HTTPCORE_LITE_TEST_EMPTY": "",
    }
