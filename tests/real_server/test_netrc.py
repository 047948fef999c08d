""".netrc credentials (``trust_env``): found as requests finds the file (NETRC, then
~/.netrc), used only when no auth is given, looked for on every request and parsed again
only when the file changed (a Session keeps what it parsed), and looked up again for the
host of each redirect hop."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

import httpcore_lite
from httpcore_lite import _netrc
from tests.servers import WSGIServer

TIMEOUT = (3, 10)


@pytest.fixture
def netrc_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The path NETRC points at (the file is written by each test)."""
    path = tmp_path / "netrc"
    monkeypatch.setenv("NETRC", str(path))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no stray ~/.netrc
    return path


@pytest.fixture
def session() -> Iterator[httpcore_lite.Session]:
    with httpcore_lite.Session() as s:
        yield s


def write(path: Path, text: str) -> None:
    path.write_text(textwrap.dedent(text))
    path.chmod(0o600)


def basic_auth(server: WSGIServer, user: str = "user", password: str = "pass") -> str:
    return server + f"/basic-auth/{user}/{password}"


# -- when .netrc is used --------------------------------------------------------------------


def test_used_when_no_auth_is_given(
    httpbin: WSGIServer, netrc_file: Path, session: httpcore_lite.Session
) -> None:
    write(netrc_file, "machine 127.0.0.1 login user password pass\n")
    r = session.get(basic_auth(httpbin), timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.json() == {"authenticated": True, "user": "user"}
    assert r.request is not None
    assert r.request.headers["Authorization"] == "Basic dXNlcjpwYXNz"


def test_module_level_call_uses_it(httpbin: WSGIServer, netrc_file: Path) -> None:
    write(netrc_file, "machine 127.0.0.1 login user password pass\n")
    assert httpcore_lite.get(basic_auth(httpbin), timeout=TIMEOUT).status_code == 200


def test_not_used_when_auth_is_given(
    httpbin: WSGIServer, netrc_file: Path, session: httpcore_lite.Session
) -> None:
    write(netrc_file, "machine 127.0.0.1 login user password pass\n")
    r = session.get(basic_auth(httpbin), auth=("user", "wrong"), timeout=TIMEOUT)
    assert r.status_code == 401
    session.auth = ("user", "also-wrong")
    assert session.get(basic_auth(httpbin), timeout=TIMEOUT).status_code == 401


def test_not_used_without_trust_env(
    httpbin: WSGIServer, netrc_file: Path, session: httpcore_lite.Session
) -> None:
    write(netrc_file, "machine 127.0.0.1 login user password pass\n")
    session.trust_env = False
    r = session.get(basic_auth(httpbin), timeout=TIMEOUT)
    assert r.status_code == 401
    assert r.request is not None
    assert "Authorization" not in r.request.headers


def test_not_used_for_another_host(
    httpbin: WSGIServer, netrc_file: Path, session: httpcore_lite.Session
) -> None:
    write(netrc_file, "machine localhost login user password pass\n")
    r = session.get(basic_auth(httpbin), timeout=TIMEOUT)
    assert r.status_code == 401
    # the same server under the name the file knows
    r = session.get(f"http://localhost:{httpbin.port}/basic-auth/user/pass", timeout=TIMEOUT)
    assert r.status_code == 200


def test_default_entry(
    httpbin: WSGIServer, netrc_file: Path, session: httpcore_lite.Session
) -> None:
    write(
        netrc_file,
        """\
        machine example.com login other password secret
        default login user password pass
        """,
    )
    assert session.get(basic_auth(httpbin), timeout=TIMEOUT).status_code == 200


def test_machine_entry_beats_default(
    httpbin: WSGIServer, netrc_file: Path, session: httpcore_lite.Session
) -> None:
    write(
        netrc_file,
        """\
        machine 127.0.0.1 login user password pass
        default login nobody password nothing
        """,
    )
    assert session.get(basic_auth(httpbin), timeout=TIMEOUT).status_code == 200


def test_account_is_used_when_login_is_empty(
    httpbin: WSGIServer, netrc_file: Path, session: httpcore_lite.Session
) -> None:
    # requests' rule: the login, or else the account.
    write(netrc_file, "machine 127.0.0.1 account user password pass\n")
    r = session.get(basic_auth(httpbin), timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.json()["user"] == "user"


def test_login_beats_account(
    httpbin: WSGIServer, netrc_file: Path, session: httpcore_lite.Session
) -> None:
    write(netrc_file, "machine 127.0.0.1 login user account acct password pass\n")
    assert session.get(basic_auth(httpbin), timeout=TIMEOUT).status_code == 200


def test_home_netrc_when_netrc_is_unset(
    httpbin: WSGIServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NETRC", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    write(tmp_path / ".netrc", "machine 127.0.0.1 login user password pass\n")
    assert httpcore_lite.get(basic_auth(httpbin), timeout=TIMEOUT).status_code == 200


def test_netrc_variable_wins_over_home(
    httpbin: WSGIServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # NETRC names a file that does not exist: ~/.netrc is then not consulted (as requests).
    monkeypatch.setenv("NETRC", str(tmp_path / "missing"))
    monkeypatch.setenv("HOME", str(tmp_path))
    write(tmp_path / ".netrc", "machine 127.0.0.1 login user password pass\n")
    assert httpcore_lite.get(basic_auth(httpbin), timeout=TIMEOUT).status_code == 401


def test_broken_file_is_ignored(
    httpbin: WSGIServer, netrc_file: Path, session: httpcore_lite.Session
) -> None:
    write(netrc_file, "machine 127.0.0.1 login user password pass\nbogus_token here\n")
    r = session.get(basic_auth(httpbin), timeout=TIMEOUT)
    assert r.status_code == 401
    assert r.request is not None
    assert "Authorization" not in r.request.headers


def test_missing_file_means_no_credentials(
    httpbin: WSGIServer, netrc_file: Path, session: httpcore_lite.Session
) -> None:
    assert not netrc_file.exists()
    assert session.get(basic_auth(httpbin), timeout=TIMEOUT).status_code == 401


# -- the cache ------------------------------------------------------------------------------


def _rewrite(path: Path, text: str) -> None:
    """Write ``text`` and move the mtime on, so the change shows even within one tick."""
    before = path.stat().st_mtime_ns
    write(path, text)
    os.utime(path, ns=(before + 2_000_000_000, before + 2_000_000_000))


def test_a_changed_file_is_picked_up(
    httpbin: WSGIServer, netrc_file: Path, session: httpcore_lite.Session
) -> None:
    write(netrc_file, "machine 127.0.0.1 login user password wrong\n")
    assert session.get(basic_auth(httpbin), timeout=TIMEOUT).status_code == 401
    _rewrite(netrc_file, "machine 127.0.0.1 login user password pass\n")
    assert session.get(basic_auth(httpbin), timeout=TIMEOUT).status_code == 200
    netrc_file.unlink()
    assert session.get(basic_auth(httpbin), timeout=TIMEOUT).status_code == 401


def test_a_file_created_after_first_use_is_picked_up(
    httpbin: WSGIServer, netrc_file: Path, session: httpcore_lite.Session
) -> None:
    assert session.get(basic_auth(httpbin), timeout=TIMEOUT).status_code == 401
    write(netrc_file, "machine 127.0.0.1 login user password pass\n")
    assert session.get(basic_auth(httpbin), timeout=TIMEOUT).status_code == 200


def test_an_unchanged_file_is_parsed_once_per_session(
    httpbin: WSGIServer,
    netrc_file: Path,
    session: httpcore_lite.Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parsed: list[str] = []
    real_parse = _netrc._parse

    def counting_parse(path: str) -> Any:
        parsed.append(path)
        return real_parse(path)

    monkeypatch.setattr(_netrc, "_parse", counting_parse)
    write(netrc_file, "machine 127.0.0.1 login user password pass\n")
    for _ in range(3):
        assert session.get(basic_auth(httpbin), timeout=TIMEOUT).status_code == 200
    assert parsed == [str(netrc_file)]
    _rewrite(netrc_file, "machine 127.0.0.1 login user password changed\n")
    assert session.get(basic_auth(httpbin), timeout=TIMEOUT).status_code == 401
    assert len(parsed) == 2


def test_closing_the_session_forgets_the_credentials(httpbin: WSGIServer, netrc_file: Path) -> None:
    write(netrc_file, "machine 127.0.0.1 login user password pass\n")
    session = httpcore_lite.Session()
    assert session.get(basic_auth(httpbin), timeout=TIMEOUT).status_code == 200
    assert session._netrc is not None
    session.close()
    assert session._netrc._hosts == {}


def test_netrc_is_not_read_at_import(tmp_path: Path) -> None:
    path = tmp_path / "netrc"
    write(path, "machine 127.0.0.1 login user password pass\n")
    code = textwrap.dedent(
        f"""\
        import sys
        opened = []
        sys.addaudithook(
            lambda event, args: event == "open" and str(args[0]) == {str(path)!r}
            and opened.append(args[0])
        )
        import httpcore_lite
        assert "netrc" not in sys.modules, "netrc imported"
        assert opened == [], "the file was opened at import"
        from httpcore_lite._netrc import get_netrc_auth
        assert get_netrc_auth("http://127.0.0.1:1/x") == ("user", "pass")
        assert opened, "the file was never opened"
        assert "netrc" in sys.modules
        print("ok")
        """
    )
    env = {**os.environ, "NETRC": str(path)}
    done = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "ok\n"


# -- redirects ------------------------------------------------------------------------------


def test_applied_again_for_the_host_of_a_redirect_hop(
    httpbin: WSGIServer, netrc_file: Path, session: httpcore_lite.Session
) -> None:
    # Nothing for 127.0.0.1; the hop to localhost gets localhost's entry.
    write(netrc_file, "machine localhost login hopper password hop\n")
    target = f"http://localhost:{httpbin.port}/basic-auth/hopper/hop"
    r = session.get(httpbin + f"/redirect-to?url={quote(target, safe='')}", timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.json() == {"authenticated": True, "user": "hopper"}
    assert r.history[0].request is not None
    assert "Authorization" not in r.history[0].request.headers


def test_the_hop_gets_its_own_hosts_entry(
    httpbin: WSGIServer, netrc_file: Path, session: httpcore_lite.Session
) -> None:
    write(
        netrc_file,
        """\
        machine 127.0.0.1 login first password one
        machine localhost login second password two
        """,
    )
    target = f"http://localhost:{httpbin.port}/basic-auth/second/two"
    r = session.get(httpbin + f"/redirect-to?url={quote(target, safe='')}", timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.json()["user"] == "second"
    assert r.history[0].request is not None
    assert r.history[0].request.headers["Authorization"] == "Basic Zmlyc3Q6b25l"  # first:one


def test_not_applied_to_a_hop_without_trust_env(
    httpbin: WSGIServer, netrc_file: Path, session: httpcore_lite.Session
) -> None:
    write(netrc_file, "machine localhost login hopper password hop\n")
    session.trust_env = False
    target = f"http://localhost:{httpbin.port}/basic-auth/hopper/hop"
    r = session.get(httpbin + f"/redirect-to?url={quote(target, safe='')}", timeout=TIMEOUT)
    assert r.status_code == 401
