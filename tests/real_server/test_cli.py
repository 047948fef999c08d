"""python -m httpcore_lite: the command line, against httpbin on loopback."""

from __future__ import annotations

import io
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from httpcore_lite import cli
from tests.servers import WSGIServer

from ..socket_level._helpers import free_port


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_a_get_prints_the_body(httpbin: WSGIServer) -> None:
    code, out, err = run(httpbin + "/get?x=1")
    assert code == 0, err
    assert json.loads(out)["args"] == {"x": "1"}


def test_items_make_headers_params_and_a_json_body(httpbin: WSGIServer) -> None:
    code, out, _ = run(httpbin + "/post", "name=Ada", "age:=36", "X-Test:yes", "q==h11")
    echoed = json.loads(out)
    assert code == 0
    assert echoed["json"] == {"name": "Ada", "age": 36}
    assert echoed["headers"]["X-Test"] == "yes"
    assert echoed["args"] == {"q": "h11"}
    assert echoed["headers"]["Content-Type"] == "application/json"


def test_an_explicit_method(httpbin: WSGIServer) -> None:
    code, out, _ = run("put", httpbin + "/put", "done:=true")
    assert (code, json.loads(out)["json"]) == (0, {"done": True})
    code, out, _ = run("DELETE", httpbin + "/delete")
    assert code == 0


@pytest.mark.parametrize(("status", "code"), [(200, 0), (204, 0), (302, 3), (404, 4), (503, 5)])
def test_exit_codes_follow_the_status(httpbin: WSGIServer, status: int, code: int) -> None:
    assert run(httpbin + f"/status/{status}")[0] == code


def test_follow_takes_the_redirect(httpbin: WSGIServer) -> None:
    assert run("--follow", httpbin + "/redirect/2")[0] == 0


def test_a_network_error_is_exit_code_2() -> None:
    code, out, err = run(f"http://127.0.0.1:{free_port()}/")
    assert (code, out) == (2, "")
    assert "network error: Connection refused connecting to 127.0.0.1" in err


def test_a_timeout_is_a_network_error(httpbin: WSGIServer) -> None:
    code, _, err = run("--timeout", "0.3", httpbin + "/delay/3")
    assert code == 2
    assert "Timed out waiting for the response" in err


def test_verbose_prints_both_heads(httpbin: WSGIServer) -> None:
    code, out, _ = run("-v", "--json", httpbin + "/post", "a=b")
    assert code == 0
    assert out.startswith("POST /post HTTP/1.1\n")
    assert "\nAccept: application/json, */*;q=0.5\n" in out
    assert '{"a": "b"}' in out
    assert "\nHTTP/1.1 200 OK\n" in out


def test_auth(httpbin: WSGIServer) -> None:
    assert run("--auth", "ada:secret", httpbin + "/basic-auth/ada/secret")[0] == 0
    assert run("--auth", "ada:wrong", httpbin + "/basic-auth/ada/secret")[0] == 4


def test_verify(httpbin_secure: WSGIServer, ca_bundle: str) -> None:
    assert run("--verify", ca_bundle, httpbin_secure + "/get")[0] == 0
    assert run(httpbin_secure + "/get")[0] == 2  # certifi does not know our CA: SSLError
    with pytest.warns(Warning):
        assert run("--verify", "no", httpbin_secure + "/get")[0] == 0


def test_bad_command_lines_are_exit_code_1(httpbin: WSGIServer) -> None:
    assert run(httpbin + "/get", "no-separator")[0] == 1
    assert run(httpbin + "/post", "n:={bad json")[0] == 1
    assert run("--no-such-option", httpbin + "/get")[0] == 1


def test_download_without_a_terminal_is_quiet(httpbin: WSGIServer, tmp_path: Path) -> None:
    target = tmp_path / "bytes.bin"
    code, out, err = run("--download", str(target), httpbin + "/bytes/100000")
    assert (code, out, err) == (0, "", "")
    assert target.stat().st_size == 100_000


def test_python_dash_m_with_a_progress_bar_on_a_terminal(
    httpbin: WSGIServer, tmp_path: Path
) -> None:
    target = tmp_path / "download.bin"
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "httpcore_lite",
                "--download",
                str(target),
                httpbin + "/bytes/100000",
            ],
            stdout=subprocess.PIPE,
            stderr=follower,
            timeout=30,
            check=False,
        )
        os.close(follower)
        follower = -1
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal's other end is closed: all read
                break
            if not chunk:
                break
            shown += chunk
    finally:
        if follower != -1:
            os.close(follower)
        os.close(leader)
    assert done.returncode == 0
    assert target.stat().st_size == 100_000
    assert b"100%" in shown and b"97.7 KiB" in shown


def test_items_may_follow_options_and_usage_errors_go_to_our_stderr(httpbin: WSGIServer) -> None:
    code, out, _ = run("--timeout", "5", httpbin + "/get", "q==1", "-v", "X-A:b")
    assert code == 0
    assert "\nX-A: b\n" in out and '"q": "1"' in out
    code, _, err = run("--timeout", "soon", httpbin + "/get")
    assert code == 1 and "invalid float value" in err


def test_a_binary_body_goes_out_as_bytes(httpbin: WSGIServer) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "httpcore_lite", httpbin + "/image/png"],
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0
    assert done.stdout.startswith(b"\x89PNG\r\n\x1a\n")
