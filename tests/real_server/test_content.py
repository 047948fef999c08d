"""Status codes, content codings, streaming and text, against httpbin."""

from __future__ import annotations

import json

import pytest

import httpcore_lite
from httpcore_lite.exceptions import HTTPError, StreamConsumedError
from tests.servers import WSGIServer

TIMEOUT = (3, 10)


def test_status_404(httpbin: WSGIServer) -> None:
    r = httpcore_lite.get(httpbin + "/status/404", timeout=TIMEOUT)
    assert r.status_code == 404
    assert r.ok is False
    assert not r
    assert r.reason == "NOT FOUND"
    with pytest.raises(HTTPError) as info:
        r.raise_for_status()
    assert str(info.value) == f"404 Client Error: NOT FOUND for url: {httpbin.url}/status/404"
    assert info.value.response is r
    assert info.value.request is r.request


def test_status_500(httpbin_both: WSGIServer, ca_bundle: str) -> None:
    r = httpcore_lite.get(httpbin_both + "/status/500", verify=ca_bundle, timeout=TIMEOUT)
    assert r.status_code == 500
    with pytest.raises(HTTPError, match=r"^500 Server Error: INTERNAL SERVER ERROR for url: "):
        r.raise_for_status()


@pytest.mark.parametrize("code", [200, 201, 204, 302, 304])
def test_status_without_error(httpbin: WSGIServer, code: int) -> None:
    r = httpcore_lite.get(httpbin + f"/status/{code}", allow_redirects=False, timeout=TIMEOUT)
    assert r.status_code == code
    assert r.ok
    r.raise_for_status()


def test_gzip(httpbin_both: WSGIServer, ca_bundle: str) -> None:
    r = httpcore_lite.get(httpbin_both + "/gzip", verify=ca_bundle, timeout=TIMEOUT)
    assert r.headers["Content-Encoding"] == "gzip"
    body = r.json()
    assert body["gzipped"] is True
    assert body["method"] == "GET"
    assert json.loads(r.content) == body


def test_deflate(httpbin_both: WSGIServer, ca_bundle: str) -> None:
    r = httpcore_lite.get(httpbin_both + "/deflate", verify=ca_bundle, timeout=TIMEOUT)
    assert r.headers["Content-Encoding"] == "deflate"
    assert r.json()["deflated"] is True


def test_gzip_streamed_raw_is_still_encoded(httpbin: WSGIServer) -> None:
    with httpcore_lite.get(httpbin + "/gzip", stream=True, timeout=TIMEOUT) as r:
        first = r.raw.read(2)
        assert first == b"\x1f\x8b"  # the gzip magic: raw gives the body as sent
        r.raw.read()


def test_gzip_streamed_iter_content_is_decoded(httpbin: WSGIServer) -> None:
    with httpcore_lite.get(httpbin + "/gzip", stream=True, timeout=TIMEOUT) as r:
        body = b"".join(r.iter_content(7))
    assert json.loads(body)["gzipped"] is True


def test_stream_iter_lines(httpbin_both: WSGIServer, ca_bundle: str) -> None:
    with httpcore_lite.Session() as s:
        r = s.get(httpbin_both + "/stream/20", stream=True, verify=ca_bundle, timeout=TIMEOUT)
        with r:
            assert r._content_consumed is False
            lines = list(r.iter_lines())
            with pytest.raises(StreamConsumedError):
                next(iter(r.iter_lines()))
    assert len(lines) == 20
    assert [json.loads(line)["id"] for line in lines] == list(range(20))
    assert all(isinstance(line, bytes) for line in lines)


def test_stream_iter_lines_small_chunks_decode_unicode(httpbin: WSGIServer) -> None:
    with httpcore_lite.get(httpbin + "/stream/5", stream=True, timeout=TIMEOUT) as r:
        lines = list(r.iter_lines(chunk_size=3, decode_unicode=True))
    assert [json.loads(line)["id"] for line in lines] == [0, 1, 2, 3, 4]
    assert all(isinstance(line, str) for line in lines)


def test_bytes_100000(httpbin_both: WSGIServer, ca_bundle: str) -> None:
    r = httpcore_lite.get(httpbin_both + "/bytes/100000", verify=ca_bundle, timeout=TIMEOUT)
    assert r.status_code == 200
    assert len(r.content) == 100000
    assert r.headers["Content-Length"] == "100000"
    assert r.headers["Content-Type"] == "application/octet-stream"


def test_bytes_seeded_streamed_equals_whole(httpbin: WSGIServer) -> None:
    url = httpbin + "/bytes/50000?seed=7"
    whole = httpcore_lite.get(url, timeout=TIMEOUT).content
    with httpcore_lite.get(url, stream=True, timeout=TIMEOUT) as r:
        pieces = list(r.iter_content(4096))
    assert b"".join(pieces) == whole
    assert [len(p) for p in pieces[:-1]] == [4096] * (len(pieces) - 1)


def test_stream_bytes_chunked_response(httpbin: WSGIServer) -> None:
    with httpcore_lite.get(
        httpbin + "/stream-bytes/30000?chunk_size=1000&seed=3", stream=True, timeout=TIMEOUT
    ) as r:
        body = r.content
    assert len(body) == 30000


def test_encoding_utf8(httpbin_both: WSGIServer, ca_bundle: str) -> None:
    r = httpcore_lite.get(httpbin_both + "/encoding/utf8", verify=ca_bundle, timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.encoding.lower() == "utf-8"
    text = r.text
    assert "∮ E⋅da = Q" in text
    assert "Unicode Demo" in text
    assert r.content.decode("utf-8") == text


def test_text_without_charset_is_latin1(httpbin: WSGIServer) -> None:
    r = httpcore_lite.get(httpbin + "/robots.txt", timeout=TIMEOUT)
    assert r.headers["Content-Type"] == "text/plain"
    assert r.encoding == "ISO-8859-1"
    assert "User-agent" in r.text


def test_no_text_content_type_has_no_encoding(httpbin: WSGIServer) -> None:
    r = httpcore_lite.get(httpbin + "/xml", timeout=TIMEOUT)
    assert r.headers["Content-Type"] == "application/xml"
    assert r.encoding is None
    assert r.text.startswith("<?xml")


def test_response_headers_are_case_insensitive(httpbin: WSGIServer) -> None:
    r = httpcore_lite.get(httpbin + "/response-headers?X-Thing=one", timeout=TIMEOUT)
    assert r.headers["x-thing"] == "one"
    assert r.headers["X-THING"] == "one"


def test_elapsed_is_positive(httpbin: WSGIServer) -> None:
    r = httpcore_lite.get(httpbin + "/get", timeout=TIMEOUT)
    assert r.elapsed.total_seconds() > 0
