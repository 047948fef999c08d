"""Basic authentication against httpbin's /basic-auth."""

from __future__ import annotations

import pytest

import httpcore_lite
from httpcore_lite.auth import HTTPBasicAuth
from tests.servers import WSGIServer

TIMEOUT = (3, 10)


@pytest.mark.parametrize("auth", [("user", "pass"), HTTPBasicAuth("user", "pass")], ids=repr)
def test_basic_auth_accepted(httpbin_both: WSGIServer, ca_bundle: str, auth: object) -> None:
    r = httpcore_lite.get(
        httpbin_both + "/basic-auth/user/pass", auth=auth, verify=ca_bundle, timeout=TIMEOUT
    )
    assert r.status_code == 200
    assert r.json() == {"authenticated": True, "user": "user"}
    assert r.request.headers["Authorization"] == "Basic dXNlcjpwYXNz"


def test_wrong_password_is_401(httpbin: WSGIServer) -> None:
    r = httpcore_lite.get(
        httpbin + "/basic-auth/user/pass", auth=("user", "wrong"), timeout=TIMEOUT
    )
    assert r.status_code == 401
    assert not r.ok
    assert "Basic" in r.headers.get("WWW-Authenticate", "")
    with pytest.raises(httpcore_lite.HTTPError, match=r"^401 Client Error: UNAUTHORIZED"):
        r.raise_for_status()


def test_no_credentials_is_401(httpbin: WSGIServer) -> None:
    r = httpcore_lite.get(httpbin + "/basic-auth/user/pass", timeout=TIMEOUT)
    assert r.status_code == 401
    assert "Authorization" not in r.request.headers


def test_credentials_in_the_url(httpbin: WSGIServer) -> None:
    url = httpbin.url.replace("http://", "http://user:pass@") + "/basic-auth/user/pass"
    r = httpcore_lite.get(url, timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.json()["user"] == "user"


def test_session_auth_applies_to_every_request(httpbin: WSGIServer) -> None:
    with httpcore_lite.Session() as s:
        s.auth = ("user", "pass")
        assert s.get(httpbin + "/basic-auth/user/pass", timeout=TIMEOUT).status_code == 200
        r = s.get(httpbin + "/basic-auth/user/pass", auth=("user", "nope"), timeout=TIMEOUT)
        assert r.status_code == 401
