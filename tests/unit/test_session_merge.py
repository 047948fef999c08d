"""Session settings merged into requests, adapters chosen by prefix: no sockets involved."""

from __future__ import annotations

from typing import Any

import pytest

import httpcore_lite
from httpcore_lite import PreparedRequest, Request, Response, Session
from httpcore_lite.adapters import BaseAdapter, HTTPAdapter
from httpcore_lite.exceptions import InvalidSchema
from httpcore_lite.structures import CaseInsensitiveDict


class CannedAdapter(BaseAdapter):
    """Answers every request with a 200 and records what it was asked to send."""

    def __init__(self) -> None:
        self.sent: list[tuple[PreparedRequest, dict[str, Any]]] = []
        self.closed = 0

    def send(self, request: PreparedRequest, **kwargs: Any) -> Response:  # type: ignore[override]
        self.sent.append((request, kwargs))
        response = Response()
        response.status_code = 200
        response.request = request
        response.url = request.url
        response._content = b"canned"
        response._content_consumed = True
        return response

    def close(self) -> None:
        self.closed += 1


@pytest.fixture
def session() -> Any:
    with Session() as s:
        yield s


def test_default_headers(session: Session) -> None:
    headers = session.headers
    assert isinstance(headers, CaseInsensitiveDict)
    assert headers["User-Agent"].startswith("python-httpcore-lite/")
    assert headers["User-Agent"] == f"python-httpcore-lite/{httpcore_lite.__version__}"
    assert (
        headers["Accept-Encoding"] == "gzip, deflate, br, zstd"
    )  # brotlicffi and zstandard are in .[test]
    assert headers["Accept"] == "*/*"
    assert headers["Connection"] == "keep-alive"
    assert len(headers) == 4


def test_default_headers_are_valid_as_made(session: Session) -> None:
    # A Session takes its own default headers as checked (no check on their first use):
    # they must pass the check it skips.
    from httpcore_lite.utils import check_header_pairs

    check_header_pairs(session.headers.pairs())
    assert session._checked_header_pairs is session.headers.pairs()


def test_default_settings(session: Session) -> None:
    assert session.verify is True
    assert session.stream is False
    assert session.cert is None
    assert session.auth is None
    assert session.params == {}
    assert session.max_redirects == 30
    assert session.trust_env is True
    assert list(session.adapters) == ["https://", "http://"]
    assert all(isinstance(a, HTTPAdapter) for a in session.adapters.values())


def test_default_headers_are_sent(session: Session) -> None:
    p = session.prepare_request(Request("GET", "http://example.com/"))
    assert p.headers["User-Agent"].startswith("python-httpcore-lite/")
    assert p.headers["Accept-Encoding"] == "gzip, deflate, br, zstd"
    assert p.headers["Accept"] == "*/*"
    assert p.headers["Connection"] == "keep-alive"


def test_session_and_request_headers_merge_request_wins(session: Session) -> None:
    session.headers.update({"X-Session": "s", "X-Both": "session"})
    p = session.prepare_request(
        Request("GET", "http://example.com/", headers={"x-both": "request", "X-Req": "r"})
    )
    assert p.headers["X-Session"] == "s"
    assert p.headers["X-Req"] == "r"
    assert p.headers["X-Both"] == "request"
    assert len([k for k in p.headers if k.lower() == "x-both"]) == 1


def test_none_removes_a_session_header(session: Session) -> None:
    session.headers["X-Session"] = "s"
    p = session.prepare_request(
        Request("GET", "http://example.com/", headers={"x-session": None, "ACCEPT": None})
    )
    assert "X-Session" not in p.headers
    assert "Accept" not in p.headers
    assert "User-Agent" in p.headers
    assert session.headers["X-Session"] == "s"  # the Session itself is untouched


def test_session_header_set_to_none_is_not_sent(session: Session) -> None:
    session.mount("http://", adapter := CannedAdapter())
    session.get("http://example.com/")  # the valid default set is now known
    session.headers["Accept"] = None
    session.get("http://example.com/")
    sent = adapter.sent[1][0].headers
    assert "Accept" not in sent
    assert sent["User-Agent"].startswith("python-httpcore-lite/")


def test_session_header_made_invalid_after_a_request_is_refused(session: Session) -> None:
    session.mount("http://", CannedAdapter())
    session.get("http://example.com/")
    session.headers["X-Evil"] = "a\r\nInjected: yes"
    with pytest.raises(httpcore_lite.exceptions.InvalidHeader):
        session.get("http://example.com/")
    with pytest.raises(httpcore_lite.exceptions.InvalidHeader):
        session.prepare_request(Request("GET", "http://example.com/"))


def test_prepare_request_override_sees_a_request() -> None:
    seen: list[Request] = []

    class Recording(Session):
        def prepare_request(self, request: Request) -> PreparedRequest:
            seen.append(request)
            return super().prepare_request(request)

    with Recording() as s:
        s.mount("http://", CannedAdapter())
        s.get("http://example.com/", params={"a": "1"})
    assert [(r.method, r.url, r.params) for r in seen] == [
        ("GET", "http://example.com/", {"a": "1"})
    ]


def test_request_does_not_mutate_session_headers(session: Session) -> None:
    before = session.headers.copy()
    session.prepare_request(Request("POST", "http://example.com/", json={"a": 1}))
    assert session.headers == before
    assert "Content-Type" not in session.headers


def test_session_params_are_merged(session: Session) -> None:
    session.params = {"token": "abc", "both": "session"}
    p = session.prepare_request(
        Request("GET", "http://example.com/p?x=1", params={"both": "request", "q": "2"})
    )
    assert p.url == "http://example.com/p?x=1&token=abc&both=request&q=2"


def test_none_removes_a_session_param(session: Session) -> None:
    session.params = {"token": "abc", "keep": "1"}
    p = session.prepare_request(Request("GET", "http://example.com/", params={"token": None}))
    assert p.url == "http://example.com/?keep=1"


def test_session_auth_and_request_auth(session: Session) -> None:
    session.auth = ("user", "pass")
    p = session.prepare_request(Request("GET", "http://example.com/"))
    assert p.headers["Authorization"] == "Basic dXNlcjpwYXNz"
    p = session.prepare_request(Request("GET", "http://example.com/", auth=("a", "b")))
    assert p.headers["Authorization"] == "Basic YTpi"


def test_session_method_is_upper_cased(session: Session) -> None:
    assert session.prepare_request(Request("delete", "http://example.com/")).method == "DELETE"


def test_mount_longest_prefix_wins(session: Session) -> None:
    api, deeper, host = CannedAdapter(), CannedAdapter(), CannedAdapter()
    session.mount("http://example.com/api", api)
    session.mount("http://example.com/api/v2", deeper)
    session.mount("http://example.com", host)  # mounted last, still loses to longer ones
    assert session.get_adapter("http://example.com/api/v2/x") is deeper
    assert session.get_adapter("http://example.com/api/v1") is api
    assert session.get_adapter("http://example.com/other") is host
    assert session.get_adapter("HTTP://EXAMPLE.COM/API/x") is api
    assert isinstance(session.get_adapter("http://elsewhere.example/"), HTTPAdapter)
    assert isinstance(session.get_adapter("https://example.com/api"), HTTPAdapter)
    prefixes = list(session.adapters)
    assert prefixes == sorted(prefixes, key=len, reverse=True)


def test_mount_replaces_same_prefix(session: Session) -> None:
    first, second = CannedAdapter(), CannedAdapter()
    session.mount("https://", first)
    session.mount("https://", second)
    assert session.get_adapter("https://example.com/") is second
    assert list(session.adapters).count("https://") == 1


@pytest.mark.parametrize("url", ["ftp://example.com/", "file:///etc/passwd", "example.com", ""])
def test_get_adapter_unknown_scheme(session: Session, url: str) -> None:
    with pytest.raises(InvalidSchema, match="No connection adapters were found"):
        session.get_adapter(url)


def test_request_through_a_mounted_adapter(session: Session) -> None:
    adapter = CannedAdapter()
    session.mount("http://canned.test", adapter)
    session.headers["X-Session"] = "1"
    response = session.get(
        "http://canned.test/x", params={"a": "b"}, headers={"X-Req": "2"}, timeout=(3, 10)
    )
    assert response.status_code == 200
    assert response.content == b"canned"
    assert response.elapsed.total_seconds() >= 0
    [(sent, kwargs)] = adapter.sent
    assert sent.method == "GET"
    assert sent.url == "http://canned.test/x?a=b"
    assert sent.headers["X-Session"] == "1"
    assert sent.headers["X-Req"] == "2"
    assert kwargs["timeout"] == (3, 10)
    assert kwargs["verify"] is True
    assert kwargs["stream"] is False
    assert kwargs["cert"] is None


def test_request_level_settings_beat_session_settings(session: Session) -> None:
    adapter = CannedAdapter()
    session.mount("https://canned.test", adapter)
    session.verify = "/session/ca.pem"
    session.cert = "/session/cert.pem"
    session.stream = True
    session.get("https://canned.test/")
    session.get("https://canned.test/", verify=False, cert=("c", "k"), stream=False)
    (_, first), (_, second) = adapter.sent
    assert (first["verify"], first["cert"], first["stream"]) == (
        "/session/ca.pem",
        "/session/cert.pem",
        True,
    )
    assert (second["verify"], second["cert"], second["stream"]) == (False, ("c", "k"), False)


def test_response_hooks_run_and_may_replace(session: Session) -> None:
    session.mount("http://canned.test", CannedAdapter())
    calls: list[int] = []
    replacement = Response()
    replacement.status_code = 299
    replacement._content, replacement._content_consumed = b"", True

    def record(r: Response, **kwargs: Any) -> None:
        calls.append(r.status_code)

    def replace(r: Response, **kwargs: Any) -> Response:
        return replacement

    response = session.get("http://canned.test/", hooks={"response": [record, replace]})
    assert calls == [200]
    assert response is replacement


def test_send_refuses_an_unprepared_request(session: Session) -> None:
    with pytest.raises(ValueError, match="PreparedRequests"):
        session.send(Request("GET", "http://example.com/"))  # type: ignore[arg-type]


def test_close_closes_every_adapter() -> None:
    adapter = CannedAdapter()
    with Session() as s:
        s.mount("http://canned.test", adapter)
    assert adapter.closed == 1


def test_session_factory() -> None:
    with httpcore_lite.session() as s:
        assert isinstance(s, Session)


def test_base_adapter_is_abstract() -> None:
    adapter = BaseAdapter()
    with pytest.raises(NotImplementedError):
        adapter.send(Request("GET", "http://example.com/").prepare())
    with pytest.raises(NotImplementedError):
        adapter.close()


def test_a_session_that_overrides_send_sees_every_request() -> None:
    # request() skips send's defaults only when send is Session's own: a subclass (a cache,
    # a recorder) still gets every call, with every setting, as in requests.
    seen: list[dict[str, Any]] = []

    class Recording(Session):
        def send(self, request: PreparedRequest, **kwargs: Any) -> Response:
            seen.append(kwargs)
            return super().send(request, **kwargs)

    with Recording() as s:
        s.mount("http://", CannedAdapter())
        assert s.get("http://example.test/", timeout=3, allow_redirects=False).content == b"canned"
    assert seen == [
        {
            "allow_redirects": False,
            "timeout": 3,
            "stream": False,
            "verify": True,
            "cert": None,
            "proxies": None,
        }
    ]
