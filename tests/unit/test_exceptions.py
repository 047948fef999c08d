"""The exception tree is requests' tree, name for name, and every exception carries its
request and response."""

from __future__ import annotations

import json
import pickle

import pytest

import httpcore_lite
from httpcore_lite import exceptions as exc
from httpcore_lite.models import PreparedRequest, Request, Response

# (exception, the bases it must have). Each row is one fact of requests' exceptions.py.
TREE = [
    (exc.RequestException, (IOError,)),
    (exc.HTTPError, (exc.RequestException,)),
    (exc.ConnectionError, (exc.RequestException,)),
    (exc.ProxyError, (exc.ConnectionError,)),
    (exc.SSLError, (exc.ConnectionError,)),
    (exc.Timeout, (exc.RequestException,)),
    (exc.ConnectTimeout, (exc.ConnectionError, exc.Timeout)),
    (exc.ReadTimeout, (exc.Timeout,)),
    (exc.URLRequired, (exc.RequestException,)),
    (exc.TooManyRedirects, (exc.RequestException,)),
    (exc.MissingSchema, (exc.RequestException, ValueError)),
    (exc.InvalidSchema, (exc.RequestException, ValueError)),
    (exc.InvalidURL, (exc.RequestException, ValueError)),
    (exc.InvalidHeader, (exc.RequestException, ValueError)),
    (exc.InvalidProxyURL, (exc.InvalidURL,)),
    (exc.ChunkedEncodingError, (exc.RequestException,)),
    (exc.ContentDecodingError, (exc.RequestException,)),
    (exc.StreamConsumedError, (exc.RequestException, TypeError)),
    (exc.RetryError, (exc.RequestException,)),
    (exc.UnrewindableBodyError, (exc.RequestException,)),
    (exc.InvalidJSONError, (exc.RequestException,)),
    (exc.JSONDecodeError, (exc.InvalidJSONError, json.JSONDecodeError)),
]

ALL_EXCEPTIONS = [cls for cls, _ in TREE]


@pytest.mark.parametrize(("cls", "bases"), TREE, ids=[cls.__name__ for cls, _ in TREE])
def test_exception_bases(cls: type, bases: tuple[type, ...]) -> None:
    for base in bases:
        assert issubclass(cls, base), f"{cls.__name__} must subclass {base.__name__}"


def test_request_exception_is_an_oserror() -> None:
    assert exc.RequestException.__mro__[1] is OSError
    assert issubclass(exc.RequestException, IOError)


def test_siblings_are_not_related() -> None:
    # ReadTimeout is a Timeout but not a ConnectionError; ConnectTimeout is both.
    assert not issubclass(exc.ReadTimeout, exc.ConnectionError)
    assert not issubclass(exc.HTTPError, exc.ConnectionError)
    assert not issubclass(exc.SSLError, exc.Timeout)
    assert not issubclass(exc.ConnectionError, exc.Timeout)
    assert not issubclass(exc.MissingSchema, exc.InvalidURL)


def test_top_level_names_are_the_exceptions_module_ones() -> None:
    for name in (
        "RequestException",
        "HTTPError",
        "ConnectionError",
        "ConnectTimeout",
        "ReadTimeout",
        "Timeout",
        "TooManyRedirects",
        "URLRequired",
        "JSONDecodeError",
        "FileModeWarning",
    ):
        assert getattr(httpcore_lite, name) is getattr(exc, name)


def test_warnings_tree() -> None:
    assert issubclass(exc.RequestsWarning, Warning)
    assert issubclass(exc.InsecureRequestWarning, exc.RequestsWarning)
    assert issubclass(exc.FileModeWarning, exc.RequestsWarning)
    assert issubclass(exc.FileModeWarning, DeprecationWarning)
    assert issubclass(exc.RequestsDependencyWarning, exc.RequestsWarning)


def _response_with_request() -> Response:
    response = Response()
    response.status_code = 500
    response.request = Request("GET", "http://example.com/").prepare()
    return response


def _instantiate(cls: type, **kwargs: object) -> BaseException:
    if cls is exc.JSONDecodeError:
        return cls("Expecting value", "nope", 0, **kwargs)
    return cls("message", **kwargs)


@pytest.mark.parametrize("cls", ALL_EXCEPTIONS, ids=lambda cls: cls.__name__)
def test_request_and_response_default_to_none(cls: type) -> None:
    error = _instantiate(cls)
    assert error.request is None
    assert error.response is None


@pytest.mark.parametrize("cls", ALL_EXCEPTIONS, ids=lambda cls: cls.__name__)
def test_request_is_taken_from_response(cls: type) -> None:
    response = _response_with_request()
    error = _instantiate(cls, response=response)
    assert error.response is response
    assert error.request is response.request
    assert isinstance(error.request, PreparedRequest)


@pytest.mark.parametrize("cls", ALL_EXCEPTIONS, ids=lambda cls: cls.__name__)
def test_explicit_request_is_kept(cls: type) -> None:
    response = _response_with_request()
    other = Request("POST", "http://example.com/other").prepare()
    error = _instantiate(cls, request=other, response=response)
    assert error.request is other
    assert error.response is response


def test_request_alone() -> None:
    prepared = Request("GET", "http://example.com/").prepare()
    error = exc.ConnectionError("refused", request=prepared)
    assert error.request is prepared
    assert error.response is None
    assert str(error) == "refused"


def test_response_without_request_attribute() -> None:
    error = exc.HTTPError("boom", response=object())
    assert error.request is None


def test_json_decode_error_is_a_json_decode_error() -> None:
    error = exc.JSONDecodeError("Expecting value", "xyz", 0)
    assert isinstance(error, json.JSONDecodeError)
    assert isinstance(error, ValueError)
    assert isinstance(error, exc.RequestException)
    assert error.msg == "Expecting value"
    assert error.doc == "xyz"
    assert error.pos == 0
    assert str(error) == "Expecting value: line 1 column 1 (char 0)"
    with pytest.raises(json.JSONDecodeError):
        raise error


def test_json_decode_error_pickles() -> None:
    error = exc.JSONDecodeError("Expecting value", "xyz", 1)
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is exc.JSONDecodeError
    assert (again.msg, again.doc, again.pos) == ("Expecting value", "xyz", 1)
    assert str(again) == str(error)


def test_catching_timeout_catches_both() -> None:
    for cls in (exc.ConnectTimeout, exc.ReadTimeout):
        with pytest.raises(exc.Timeout):
            raise cls("slow")
    with pytest.raises(exc.ConnectionError):
        raise exc.ConnectTimeout("slow connect")
