"""httpcore_lite.testing: the MockAdapter, mocked() and the httpcore_mock fixture, driven
through a real Session (redirects, cookies, streaming): only the network is left out."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import threading

import pytest

import httpcore_lite
from httpcore_lite.adapters import HTTPAdapter
from httpcore_lite.models import Response
from httpcore_lite.testing import Call, MockAdapter, NoMatchingRoute, mocked

API = "https://api.test"


@pytest.fixture
def mock() -> MockAdapter:
    return MockAdapter()


@pytest.fixture
def session(mock: MockAdapter) -> httpcore_lite.Session:
    s = httpcore_lite.Session()
    s.mount(f"{API}/", mock)
    return s


def test_a_json_route_answers_and_is_logged(
    mock: MockAdapter, session: httpcore_lite.Session
) -> None:
    route = mock.add("GET", f"{API}/users/1", json={"id": 1})
    r = session.get(f"{API}/users/1", params={"expand": "all"})
    assert (r.status_code, r.reason, r.json()) == (200, "OK", {"id": 1})
    assert r.headers["content-type"] == "application/json"
    assert r.url == f"{API}/users/1?expand=all"
    assert r.request.method == "GET"
    assert [call.request.url for call in mock.calls] == [f"{API}/users/1?expand=all"]
    assert route.call_count == 1
    assert isinstance(mock.calls[0], Call) and mock.calls[0].response is r


def test_the_first_matching_route_answers(
    mock: MockAdapter, session: httpcore_lite.Session
) -> None:
    mock.add("POST", f"{API}/items", status=201, match_json={"name": "a"}, json={"id": 1})
    mock.add("POST", f"{API}/items", status=422, json={"error": "bad"})
    mock.add("*", re.compile(r"/items/\d+$"), body="any method")
    assert session.post(f"{API}/items", json={"name": "a"}).status_code == 201
    assert session.post(f"{API}/items", json={"name": "b"}).status_code == 422
    assert session.delete(f"{API}/items/7").text == "any method"


def test_params_narrow_the_match(mock: MockAdapter, session: httpcore_lite.Session) -> None:
    mock.add("GET", f"{API}/search", params={"q": "h11"}, json=["h11"])
    mock.add("GET", f"{API}/search", json=[])
    assert session.get(f"{API}/search", params={"q": "h11", "page": "2"}).json() == ["h11"]
    assert session.get(f"{API}/search", params={"q": "curl"}).json() == []


def test_callbacks_answer_with_a_tuple_a_response_or_an_error(
    mock: MockAdapter, session: httpcore_lite.Session
) -> None:
    mock.add("GET", f"{API}/echo", callback=lambda req: (200, {}, req.headers["X-Echo"]))

    def built(request: httpcore_lite.PreparedRequest) -> Response:
        response = Response()
        response.status_code = 204
        return response

    mock.add("GET", f"{API}/built", callback=built)
    mock.add("GET", f"{API}/down", error=httpcore_lite.ConnectTimeout("no route to host"))
    assert session.get(f"{API}/echo", headers={"X-Echo": "hi"}).text == "hi"
    assert session.get(f"{API}/built").status_code == 204
    with pytest.raises(httpcore_lite.ConnectTimeout, match="no route to host") as info:
        session.get(f"{API}/down")
    assert info.value.request.url == f"{API}/down"
    assert mock.calls[-1].error is info.value


def test_strict_mode_names_the_routes(mock: MockAdapter, session: httpcore_lite.Session) -> None:
    mock.add("GET", f"{API}/known", body="x")
    with pytest.raises(NoMatchingRoute) as info:
        session.get(f"{API}/unknown")
    assert isinstance(info.value, httpcore_lite.ConnectionError)
    assert "GET https://api.test/unknown" in str(info.value)
    assert "<Route GET https://api.test/known>" in str(info.value)


def test_a_lenient_adapter_answers_404() -> None:
    with httpcore_lite.Session() as s:
        s.mount(f"{API}/", MockAdapter(strict=False))
        assert s.get(f"{API}/anything").status_code == 404


def test_the_session_around_it_is_real(mock: MockAdapter, session: httpcore_lite.Session) -> None:
    mock.add(
        "GET",
        f"{API}/login",
        status=302,
        headers={"Location": "/home", "Set-Cookie": "sid=abc; Path=/"},
    )
    mock.add("GET", f"{API}/home", callback=lambda req: (200, {}, req.headers.get("Cookie", "")))
    r = session.get(f"{API}/login")
    assert [h.status_code for h in r.history] == [302]
    assert r.text == "sid=abc"
    assert session.cookies["sid"] == "abc"


def test_a_streamed_body_and_raw(mock: MockAdapter, session: httpcore_lite.Session) -> None:
    mock.add("GET", f"{API}/big", body=b"x" * 100_000)
    with session.get(f"{API}/big", stream=True) as r:
        assert sum(len(chunk) for chunk in r.iter_content(8192)) == 100_000
    r = session.get(f"{API}/big", stream=True)
    assert r.raw.read(10) == b"x" * 10


def test_assert_all_called(mock: MockAdapter, session: httpcore_lite.Session) -> None:
    mock.add("GET", f"{API}/a", body="a")
    mock.add("GET", f"{API}/b", body="b")
    session.get(f"{API}/a")
    with pytest.raises(AssertionError, match="/b"):
        mock.assert_all_called()


def test_only_one_of_the_answers(mock: MockAdapter) -> None:
    with pytest.raises(ValueError, match="one of"):
        mock.add("GET", f"{API}/x", json={}, body="x")


def test_mocked_answers_module_level_calls_and_restores() -> None:
    original = HTTPAdapter.send
    with mocked() as mock:
        mock.add("GET", f"{API}/ping", body="pong")
        assert httpcore_lite.get(f"{API}/ping").text == "pong"
        with pytest.raises(NoMatchingRoute):
            httpcore_lite.post(f"{API}/ping")
    assert HTTPAdapter.send is original
    with pytest.raises(RuntimeError), mocked():
        raise RuntimeError("the block fails")
    assert HTTPAdapter.send is original


def test_the_fixture(httpcore_mock: MockAdapter) -> None:
    httpcore_mock.add("GET", f"{API}/hello", json={"hi": "there"})
    assert httpcore_lite.get(f"{API}/hello").json() == {"hi": "there"}
    assert len(httpcore_mock.calls) == 1


def test_threads_share_one_mock(mock: MockAdapter, session: httpcore_lite.Session) -> None:
    mock.add("GET", re.compile(r"/n/\d+$"), callback=lambda req: (200, {}, req.url or ""))
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(50):
                url = f"{API}/n/{n * 100 + i}"
                assert session.get(url).text == url
        except BaseException as exc:  # collected for the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert len(mock.calls) == 400


def test_no_network_and_no_urllib3() -> None:
    # In a fresh process whose sockets cannot connect: the mock still answers, and neither
    # urllib3 nor a socket connection is ever involved.
    code = textwrap.dedent(
        """
        import socket, sys
        def refuse(*args, **kwargs):
            raise AssertionError("a socket connected")
        socket.socket.connect = refuse
        socket.create_connection = refuse
        import httpcore_lite
        from httpcore_lite.testing import mocked
        with mocked() as mock:
            mock.add("GET", "https://api.test/x", json=[1, 2])
            assert httpcore_lite.get("https://api.test/x").json() == [1, 2]
        assert "urllib3" not in sys.modules and "requests" not in sys.modules
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.stdout.strip() == "ok", done.stderr


def test_a_route_url_is_normalised_as_the_session_sends_it(
    mock: MockAdapter, session: httpcore_lite.Session
) -> None:
    mock.add("GET", "https://API.test", body="root")
    assert session.get(f"{API}/").text == "root"


def test_each_error_answer_is_its_own_exception(
    mock: MockAdapter, session: httpcore_lite.Session
) -> None:
    mock.add("GET", re.compile(r"/down/\d$"), error=httpcore_lite.ConnectTimeout("down"))
    errors = []
    for n in (1, 2):
        with pytest.raises(httpcore_lite.ConnectTimeout) as info:
            session.get(f"{API}/down/{n}")
        errors.append(info.value)
    assert [e.request.url for e in errors] == [f"{API}/down/1", f"{API}/down/2"]
    assert errors[0] is not errors[1]
