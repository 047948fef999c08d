"""files=: multipart/form-data as requests lays it out, streamed from file objects."""

from __future__ import annotations

import base64
import io
import re
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

import httpcore_lite as requests
from httpcore_lite._multipart import MultipartBody

from ..servers import RawServer, WSGIServer, response


def test_files_and_data_reach_httpbin(httpbin_both: WSGIServer, ca_bundle: str) -> None:
    r = requests.post(
        httpbin_both.url + "/post",
        data={"field": "value", "many": ["1", "2"]},
        files={"upload": ("report.csv", io.BytesIO(b"a,b\n1,2\n"), "text/csv")},
        verify=ca_bundle,
        timeout=10,
    )
    echoed = r.json()
    assert echoed["files"] == {"upload": "a,b\n1,2\n"}
    assert echoed["form"] == {"field": "value", "many": ["1", "2"]}
    content_type = echoed["headers"]["Content-Type"]
    assert re.fullmatch(r"multipart/form-data; boundary=[0-9a-f]{32}", content_type)


def test_a_real_file_is_streamed_with_its_length(httpbin: WSGIServer, tmp_path: Path) -> None:
    path = tmp_path / "big.bin"
    payload = bytes(range(256)) * 4096  # 1 MiB: streamed in pieces, never read whole
    path.write_bytes(payload)
    with path.open("rb") as f:
        p = requests.Request("POST", httpbin.url + "/post", files={"f": f}).prepare()
        assert isinstance(p.body, MultipartBody)
        assert int(p.headers["Content-Length"]) == len(b"".join(p.body))
        assert "Transfer-Encoding" not in p.headers
        p.body.rewind()  # the join above read the file: back to its start
        with requests.Session() as s:
            r = s.send(p, timeout=10)
    echoed = r.json()
    assert echoed["headers"]["Content-Length"] == p.headers["Content-Length"]
    # httpbin shows a binary file as a data URL of its base64.
    encoded = echoed["files"]["f"].partition("base64,")[2]
    assert base64.b64decode(encoded) == payload


def test_exact_layout_of_a_small_body() -> None:
    from httpcore_lite._multipart import encode_files

    encoded = encode_files(
        {"file": ("a.txt", b"hello", "text/plain", {"X-Extra": "1"}), "plain": b"raw"},
        {"k": "v"},
        boundary="BOUNDARY",
    )
    assert encoded.body == (
        b"--BOUNDARY\r\n"
        b'Content-Disposition: form-data; name="k"\r\n\r\n'
        b"v\r\n"
        b"--BOUNDARY\r\n"
        b'Content-Disposition: form-data; name="file"; filename="a.txt"\r\n'
        b"Content-Type: text/plain\r\n"
        b"X-Extra: 1\r\n\r\n"
        b"hello\r\n"
        b"--BOUNDARY\r\n"
        b'Content-Disposition: form-data; name="plain"; filename="plain"\r\n\r\n'
        b"raw\r\n"
        b"--BOUNDARY--\r\n"
    )
    assert encoded.content_type == "multipart/form-data; boundary=BOUNDARY"
    assert encoded.content_length == len(encoded.body)  # type: ignore[arg-type]


def test_names_and_filenames_are_escaped_html5_style() -> None:
    from httpcore_lite._multipart import encode_files

    body = encode_files({'we"ird\\': ('a"b\r\n.txt', b"x")}, None, boundary="B").body
    assert isinstance(body, bytes)
    assert b'name="we%22ird\\\\"; filename="a%22b%0D%0A.txt"' in body
    assert body.count(b"\r\n\r\n") == 1  # no header injected by the filename


def test_filename_comes_from_the_file_object(tmp_path: Path) -> None:
    path = tmp_path / "named.txt"
    path.write_bytes(b"content")
    with path.open("rb") as f:
        p = requests.Request("POST", "http://example.com/", files={"doc": f}).prepare()
        assert b'filename="named.txt"' in b"".join(p.body)


def test_two_tuple_sends_no_content_type_for_the_part() -> None:
    p = requests.Request("POST", "http://example.com/", files={"f": ("x.bin", b"1")}).prepare()
    assert isinstance(p.body, bytes)
    part = p.body.split(b"\r\n\r\n")[0]
    assert b"Content-Type" not in part


def test_none_file_is_skipped_and_data_lists_repeat() -> None:
    p = requests.Request(
        "POST",
        "http://example.com/",
        data=[("a", "1"), ("a", "2")],
        files={"skip": None, "f": b"z"},
    ).prepare()
    assert isinstance(p.body, bytes)
    assert p.body.count(b'name="a"') == 2
    assert b'name="skip"' not in p.body


def test_string_data_with_files_is_refused() -> None:
    with pytest.raises(ValueError, match="Data must not be a string"):
        requests.Request("POST", "http://example.com/", data="x=1", files={"f": b"1"}).prepare()


def test_streamed_data_with_files_is_refused() -> None:
    with pytest.raises(NotImplementedError, match="mutually exclusive"):
        requests.Request(
            "POST", "http://example.com/", data=iter([b"x"]), files={"f": b"1"}
        ).prepare()


def test_unsized_stream_goes_chunked(serve: Callable[..., RawServer]) -> None:
    # (cheroot refuses chunked uploads with a 501, so a raw server reads this one.)
    received: list[bytes] = []

    def read_chunked_then_answer(conn: socket.socket, server: RawServer) -> None:
        data = b""
        while not data.endswith(b"\r\n0\r\n\r\n"):
            piece = conn.recv(65536)
            if not piece:
                return
            data += piece
        received.append(data)
        conn.sendall(response(b"ok"))

    class Unsized(io.RawIOBase):
        def __init__(self) -> None:
            self._data = io.BytesIO(b"streamed part")

        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> bytes:
            return self._data.read(size)

    server = serve(read_chunked_then_answer)
    p = requests.Request("POST", server.url + "/up", files={"u": ("u.txt", Unsized())}).prepare()
    assert p.headers.get("Transfer-Encoding") == "chunked"
    assert "Content-Length" not in p.headers
    with requests.Session() as s:
        assert s.send(p, timeout=10).content == b"ok"
    head, _, body = received[0].partition(b"\r\n\r\n")
    assert b"transfer-encoding: chunked" in head.lower()
    assert b'filename="u.txt"\r\n\r\nstreamed part\r\n' in _dechunk(body)


def _dechunk(body: bytes) -> bytes:
    out = b""
    while True:
        size_line, _, rest = body.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            return out
        out += rest[:size]
        body = rest[size + 2 :]


def test_rewind_refuses_a_file_that_cannot_seek() -> None:
    class NoTell(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> bytes:
            return b""

        def tell(self) -> int:
            raise OSError("not seekable")

    p = requests.Request("POST", "http://example.com/", files={"n": ("n", NoTell())}).prepare()
    assert isinstance(p.body, MultipartBody)
    with pytest.raises(requests.exceptions.UnrewindableBodyError):
        p.body.rewind()
