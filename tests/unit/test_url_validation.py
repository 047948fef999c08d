"""Invalid URLs are refused before any socket is opened."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

import httpcore_lite
from httpcore_lite._transport import network, pool
from httpcore_lite.exceptions import InvalidSchema, InvalidURL, MissingSchema


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Fail the test on any attempt to resolve or connect; yields the attempts made."""
    attempts: list[str] = []

    def refuse(name: str):  # type: ignore[no-untyped-def]
        def fake(*args: object, **kwargs: object) -> None:
            attempts.append(name)
            pytest.fail(f"{name} called for an invalid URL: {args!r}")

        return fake

    monkeypatch.setattr(network, "connect_tcp", refuse("network.connect_tcp"))
    monkeypatch.setattr(pool, "connect_tcp", refuse("pool.connect_tcp"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("socket.getaddrinfo"))
    monkeypatch.setattr(socket, "create_connection", refuse("socket.create_connection"))
    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    yield attempts
    assert attempts == []


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("example.com/x", MissingSchema),
        ("/just/a/path", MissingSchema),
        ("ftp://x/", InvalidSchema),
        ("file:///etc/passwd", InvalidSchema),
        ("http://", InvalidURL),
        ("https://", InvalidURL),
        ("http://exa mple.com", InvalidURL),
        ("http://.example.com", InvalidURL),
        ("http://*.example.com/", InvalidURL),
        ("http://h:99999/", InvalidURL),
        ("http://h:port/", InvalidURL),
        ("http://[::1/", InvalidURL),
        ("http://[not-ipv6]/", InvalidURL),
    ],
)
def test_module_get_refuses_before_any_socket(
    no_network: list[str], url: str, error: type[Exception]
) -> None:
    with pytest.raises(error) as info:
        httpcore_lite.get(url, timeout=(3, 10))
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, httpcore_lite.RequestException)
    assert no_network == []


@pytest.mark.parametrize("url", ["example.com/x", "ftp://x/", "http://", "http://h:99999/"])
def test_session_refuses_before_any_socket(no_network: list[str], url: str) -> None:
    with httpcore_lite.Session() as session, pytest.raises(ValueError):
        session.post(url, data=b"payload", timeout=(3, 10))
    assert no_network == []


def test_missing_schema_message_suggests_a_scheme() -> None:
    with pytest.raises(MissingSchema, match=r"No scheme supplied. Perhaps you meant https://"):
        httpcore_lite.Request("GET", "example.com/x").prepare()


def test_invalid_schema_message_names_the_url(no_network: list[str]) -> None:
    with pytest.raises(InvalidSchema, match=r"No connection adapters were found for 'ftp://x/'"):
        httpcore_lite.get("ftp://x/", timeout=(3, 10))


def test_none_url_is_a_missing_schema() -> None:
    # requests' class and words: MissingSchema is an InvalidURL too.
    with pytest.raises(httpcore_lite.exceptions.MissingSchema, match="Invalid URL 'None'"):
        httpcore_lite.Request("GET", None).prepare()


@pytest.mark.parametrize(
    "url",
    ["http://", "http://exa mple.com", "http://.example.com", "http://h:99999/", "http://h:port/"],
)
def test_prepare_refuses_invalid_urls(url: str) -> None:
    # requests raises InvalidURL from prepare() (urllib3's parse_url refuses a port that is
    # not a number from 0 to 65535), so that a PreparedRequest never holds an unsendable URL.
    with pytest.raises(InvalidURL):
        httpcore_lite.Request("GET", url).prepare()


def test_valid_urls_prepare() -> None:
    cases = {
        "http://example.com": "http://example.com/",
        "HTTP://example.com/a b": "http://example.com/a%20b",
        "http://[::1]:8080/x": "http://[::1]:8080/x",
        "https://user:pw@example.com:8443/p?q=1#frag": "https://user:pw@example.com:8443/p?q=1#frag",
        "http://例え.テスト/": "http://xn--r8jz45g.xn--zckzah/",
        "http://example.com/%7Euser": "http://example.com/~user",
    }
    for given, prepared in cases.items():
        assert httpcore_lite.Request("GET", given).prepare().url == prepared, given


@pytest.mark.parametrize(
    ("given", "prepared"),
    [
        # urllib3's normalisation, which requests applies before its own (audit of requests)
        ("http://e.com/%", "http://e.com/%25"),
        ("http://e.com/?a=%2", "http://e.com/?a=%252"),
        ("http://e.com/%41%", "http://e.com/%2541%25"),
        ("http://e.com/%c3%a9", "http://e.com/%C3%A9"),
        ("http://e.com/a/../b/./c", "http://e.com/b/c"),
        ("http://e.com/a/..", "http://e.com/"),
        ("http://e.com/a/.", "http://e.com/a/"),
        ("http://e.com/a\tb", "http://e.com/a%09b"),
        ("http://e.com/a\nb?c\rd", "http://e.com/a%0Ab?c%0Dd"),
        ("http://e.com:08080/", "http://e.com:8080/"),
        ("http://a@b:pw@host/", "http://a%40b:pw@host/"),
    ],
)
def test_urls_are_normalised_as_requests_does(given: str, prepared: str) -> None:
    assert httpcore_lite.Request("GET", given).prepare().url == prepared


def test_a_dns_label_longer_than_63_characters_is_refused() -> None:
    with pytest.raises(InvalidURL):
        httpcore_lite.Request("GET", f"http://{'a' * 64}.example/").prepare()
    assert httpcore_lite.Request("GET", f"http://{'a' * 63}.example/").prepare().url


def test_other_schemes_pass_prepare_and_fail_at_send(no_network: list[str]) -> None:
    p = httpcore_lite.Request("GET", "git+https://example.com/repo.git").prepare()
    assert p.url == "git+https://example.com/repo.git"
    with httpcore_lite.Session() as s, pytest.raises(httpcore_lite.exceptions.InvalidSchema):
        s.send(p)
    assert no_network == []


def test_a_unix_socket_url_keeps_its_path_as_written() -> None:
    p = httpcore_lite.Request("GET", "http+unix://%2Frun%2FMy.sock/info", params={"a": "b"})
    assert p.prepare().url == "http+unix://%2Frun%2FMy.sock/info?a=b"


@pytest.mark.parametrize(
    "url", ["http://user@example.com/", "http://user:@example.com/x", "http://:pw@example.com/"]
)
def test_url_credentials_need_both_parts_to_be_sent(url: str) -> None:
    # requests' get_auth_from_url gives ("", "") unless both are present; "user:" has both.
    p = httpcore_lite.Request("GET", url).prepare()
    if url.startswith("http://user:@"):
        assert p.headers["Authorization"] == "Basic dXNlcjo="
    elif url.startswith("http://:pw@"):
        assert p.headers["Authorization"] == "Basic OnB3"
    else:
        assert "Authorization" not in p.headers
