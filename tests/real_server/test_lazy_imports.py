"""ssl (and certifi) load only when an https request needs them, in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from tests.servers import WSGIServer

SCRIPT = textwrap.dedent(
    """
    import json, sys, threading
    import httpcore_lite

    def loaded():
        return {name: name in sys.modules for name in ("ssl", "_ssl", "certifi")}

    report = {"after_import": loaded()}
    with httpcore_lite.Session() as s:
        r = s.get(sys.argv[1] + "/get", timeout=(3, 10))
        report["http_status"] = r.status_code
        report["after_http"] = loaded()
        report["threads_after_http"] = threading.active_count()
        r = s.get(sys.argv[2] + "/get", verify=sys.argv[3], timeout=(3, 10))
        report["https_status"] = r.status_code
        report["after_https"] = loaded()
    print(json.dumps(report))
    """
)


def test_ssl_is_loaded_only_for_https(
    httpbin: WSGIServer, httpbin_secure: WSGIServer, ca_bundle: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, httpbin.url, httpbin_secure.url, ca_bundle],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    no_tls = {"ssl": False, "_ssl": False, "certifi": False}
    assert report["after_import"] == no_tls
    assert report["http_status"] == 200
    assert report["after_http"] == no_tls
    assert report["threads_after_http"] == 1
    assert report["https_status"] == 200
    assert report["after_https"]["ssl"] is True
    # A CA bundle was given: the certifi bundle was never needed.
    assert report["after_https"]["certifi"] is False


def test_import_loads_none_of_what_a_plain_get_does_not_need(httpbin: WSGIServer) -> None:
    # Each of these costs start-up time that a program without the feature never pays.
    script = textwrap.dedent(
        """
        import sys
        import httpcore_lite
        lazy = ("json", "http.cookiejar", "hashlib", "logging", "netrc", "email", "random")
        print(",".join(name for name in lazy if name in sys.modules))
        httpcore_lite.get(sys.argv[1] + "/status/204", timeout=(3, 10))
        print(",".join(name for name in lazy if name in sys.modules))
        import pickle
        error = httpcore_lite.JSONDecodeError("Expecting value", "x", 0)
        assert isinstance(error, __import__("json").JSONDecodeError)
        assert type(pickle.loads(pickle.dumps(error))) is httpcore_lite.exceptions.JSONDecodeError
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script, httpbin.url],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:2] == ["", ""]
