"""Every method against the real httpbin, over http and https; what was sent is echoed back."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

import httpcore_lite
from tests.servers import WSGIServer

TIMEOUT = (3, 10)


@pytest.fixture
def session(ca_bundle: str) -> Iterator[httpcore_lite.Session]:
    with httpcore_lite.Session() as s:
        s.verify = ca_bundle
        yield s


def test_get_with_params(httpbin_both: WSGIServer, session: httpcore_lite.Session) -> None:
    params = {"a": "1", "list": ["x", "y"], "none": None, "utf8": "café & ☃"}
    r = session.get(httpbin_both + "/get", params=params, timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.ok
    body = r.json()
    assert body["args"] == {"a": "1", "list": ["x", "y"], "utf8": "café & ☃"}
    assert r.url == httpbin_both + "/get?a=1&list=x&list=y&utf8=caf%C3%A9+%26+%E2%98%83"
    assert r.request.url == r.url
    assert r.request.method == "GET"


def test_get_params_merged_into_query(httpbin: WSGIServer) -> None:
    r = httpcore_lite.get(httpbin + "/get?q=0", params={"p": "1"}, timeout=TIMEOUT)
    assert r.json()["args"] == {"q": "0", "p": "1"}
    assert r.url == httpbin + "/get?q=0&p=1"


def test_headers_are_echoed(httpbin_both: WSGIServer, session: httpcore_lite.Session) -> None:
    r = session.get(
        httpbin_both + "/headers", headers={"X-Custom": "value", "Accept": "x/y"}, timeout=TIMEOUT
    )
    headers = r.json()["headers"]
    assert headers["X-Custom"] == "value"
    assert headers["Accept"] == "x/y"
    assert headers["User-Agent"].startswith("python-httpcore-lite/")
    assert headers["Accept-Encoding"] == "gzip, deflate, br, zstd"
    assert headers["Host"] == f"{httpbin_both.host}:{httpbin_both.port}"


def test_session_headers_are_sent_and_none_removes(
    httpbin: WSGIServer, session: httpcore_lite.Session
) -> None:
    session.headers["X-Session"] = "s"
    echoed = session.get(httpbin + "/headers", timeout=TIMEOUT).json()["headers"]
    assert echoed["X-Session"] == "s"
    echoed = session.get(
        httpbin + "/headers", headers={"X-Session": None, "User-Agent": None}, timeout=TIMEOUT
    ).json()["headers"]
    assert "X-Session" not in echoed
    assert "User-Agent" not in echoed


def test_post_json(httpbin_both: WSGIServer, session: httpcore_lite.Session) -> None:
    payload = {"key": "value", "n": [1, 2.5, None], "é": "☃"}
    r = session.post(httpbin_both + "/post", json=payload, timeout=TIMEOUT)
    body = r.json()
    assert body["json"] == payload
    assert body["headers"]["Content-Type"] == "application/json"
    assert r.request.body == b'{"key": "value", "n": [1, 2.5, null], "\\u00e9": "\\u2603"}'
    assert body["data"] == r.request.body.decode()


def test_post_form(httpbin_both: WSGIServer, session: httpcore_lite.Session) -> None:
    r = session.post(
        httpbin_both + "/post", data={"a": "b c", "multi": ["1", "2"], "é": "ü"}, timeout=TIMEOUT
    )
    body = r.json()
    assert body["form"] == {"a": "b c", "multi": ["1", "2"], "é": "ü"}
    assert body["headers"]["Content-Type"] == "application/x-www-form-urlencoded"


def test_post_bytes(httpbin_both: WSGIServer, session: httpcore_lite.Session) -> None:
    data = bytes(range(32, 127)) * 3
    r = session.post(httpbin_both + "/post", data=data, timeout=TIMEOUT)
    body = r.json()
    assert body["data"] == data.decode("ascii")
    assert body["headers"]["Content-Length"] == str(len(data))
    assert "Content-Type" not in body["headers"]


def test_post_large_body(httpbin: WSGIServer) -> None:
    data = b"0123456789abcdef" * 20000  # 320 KB: more than one write, more than a socket buffer
    r = httpcore_lite.post(httpbin + "/post", data=data, timeout=TIMEOUT)
    assert r.json()["data"] == data.decode()


def test_post_file_object(httpbin: WSGIServer) -> None:
    r = httpcore_lite.post(httpbin + "/post", data=io.BytesIO(b"from a file"), timeout=TIMEOUT)
    body = r.json()
    assert body["data"] == "from a file"
    assert body["headers"]["Content-Length"] == "11"


@pytest.mark.parametrize("method", ["put", "patch"])
def test_put_and_patch(
    httpbin_both: WSGIServer, session: httpcore_lite.Session, method: str
) -> None:
    r = getattr(session, method)(httpbin_both + f"/{method}", data=b"payload", timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.json()["data"] == "payload"
    assert r.request.method == method.upper()


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_module_level_methods(httpbin: WSGIServer, method: str) -> None:
    r = getattr(httpcore_lite, method)(httpbin + f"/{method}", timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.json()["url"] == httpbin + f"/{method}"
    assert r.request.headers["Content-Length"] == "0"


def test_delete(httpbin_both: WSGIServer, session: httpcore_lite.Session) -> None:
    r = session.delete(httpbin_both + "/delete", params={"id": "7"}, timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.json()["args"] == {"id": "7"}


def test_anything_echoes_the_method(httpbin: WSGIServer) -> None:
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        r = httpcore_lite.request(method, httpbin + "/anything", timeout=TIMEOUT)
        assert r.json()["method"] == method


def test_options(httpbin_both: WSGIServer, session: httpcore_lite.Session) -> None:
    r = session.options(httpbin_both + "/get", timeout=TIMEOUT)
    assert r.status_code == 200
    allowed = {m.strip() for m in r.headers["Allow"].split(",")}
    assert {"GET", "HEAD", "OPTIONS"} <= allowed


def test_head_has_headers_and_no_body(
    httpbin_both: WSGIServer, session: httpcore_lite.Session
) -> None:
    r = session.head(httpbin_both + "/bytes/1000", timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.content == b""
    assert r.request.method == "HEAD"
    # The connection is still usable: HEAD's Content-Length did not make us wait for a body.
    assert session.get(httpbin_both + "/get", timeout=TIMEOUT).status_code == 200


def test_module_level_head(httpbin: WSGIServer) -> None:
    r = httpcore_lite.head(httpbin + "/get", timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.text == ""
    assert r.headers["Content-Type"] == "application/json"


def test_response_attributes(httpbin: WSGIServer) -> None:
    r = httpcore_lite.get(httpbin + "/get", timeout=TIMEOUT)
    assert r.url == httpbin + "/get"
    assert r.request.url == httpbin + "/get"
    assert r.reason == "OK"
    assert r.elapsed.total_seconds() > 0
    assert r.headers["content-type"] == "application/json"
    assert r.encoding == "utf-8"
    assert repr(r) == "<Response [200]>"
    assert r.raw.status == 200
    assert r.raw.version == 11
