"""Cookies without a network: RequestsCookieJar's dict-like API, the helpers of
``httpcore_lite.cookies``, and how requests, responses and Sessions use them."""

from __future__ import annotations

import calendar
import json
import pickle
import subprocess
import sys
import textwrap
import time
from http.cookiejar import Cookie, CookieJar, DefaultCookiePolicy
from http.cookies import Morsel
from typing import Any

import pytest

from httpcore_lite import PreparedRequest, Request, Response, Session
from httpcore_lite.cookies import (
    CookieConflictError,
    RequestsCookieJar,
    as_cookiejar,
    cookiejar_from_dict,
    create_cookie,
    extract_cookies_to_jar,
    get_cookie_header,
    merge_cookies,
    morsel_to_cookie,
    remove_cookie_by_name,
)

EXPIRES_2037 = "Wed, 21 Oct 2037 07:28:00 GMT"
EXPIRES_2037_TS = calendar.timegm((2037, 10, 21, 7, 28, 0, 0, 0, 0))


def prepared(url: str, headers: dict[str, str] | None = None) -> PreparedRequest:
    return Request("GET", url, headers=headers).prepare()


def http_only(cookie: Cookie) -> object:
    return cookie.get_nonstandard_attr("HttpOnly")


def only_cookie(jar: CookieJar) -> Cookie:
    [cookie] = list(jar)
    return cookie


# -- get and set ----------------------------------------------------------------------------


def test_set_and_read_by_name() -> None:
    jar = RequestsCookieJar()
    cookie = jar.set("a", "1")
    assert isinstance(cookie, Cookie)
    assert (cookie.name, cookie.value, cookie.domain, cookie.path) == ("a", "1", "", "/")
    jar["b"] = "2"
    assert jar["a"] == "1"
    assert jar["b"] == "2"
    assert jar.get("a") == "1"
    assert jar.get("missing") is None
    assert jar.get("missing", "fallback") == "fallback"
    with pytest.raises(KeyError):
        jar["missing"]


def test_set_with_domain_and_path() -> None:
    jar = RequestsCookieJar()
    cookie = jar.set("k", "v", domain="example.com", path="/p")
    assert cookie is not None
    assert cookie.domain == "example.com"
    assert cookie.domain_specified is True
    assert cookie.path == "/p"
    assert jar.get("k", domain="example.com", path="/p") == "v"
    assert jar.get("k", domain="example.com") == "v"
    assert jar.get("k", path="/p") == "v"
    assert jar.get("k", domain="other.example") is None
    assert jar.get("k", domain="example.com", path="/") is None
    assert jar.get("k", path="/other", default="d") == "d"


def test_set_keeps_the_other_cookie_attributes() -> None:
    jar = RequestsCookieJar()
    jar.set("some_cookie", "some_value", secure=True, domain="test.com", rest={"HttpOnly": True})
    assert len(jar) == 1
    assert "some_cookie" in jar
    cookie = only_cookie(jar)
    assert cookie.secure is True
    assert cookie.domain == "test.com"
    assert http_only(cookie) is True


def test_set_an_unknown_keyword_is_a_type_error() -> None:
    jar = RequestsCookieJar()
    with pytest.raises(TypeError, match="colour"):
        jar.set("a", "1", colour="blue")
    assert len(jar) == 0


def test_set_replaces_a_cookie_of_the_same_name_domain_and_path() -> None:
    jar = RequestsCookieJar()
    jar.set("a", "1")
    jar.set("a", "2")
    jar["a"] = "3"
    assert len(jar) == 1
    assert jar["a"] == "3"


def test_set_none_removes() -> None:
    jar = RequestsCookieJar()
    jar.set("a", "1")
    jar["b"] = "2"
    assert jar.set("a", None) is None
    jar["b"] = None
    assert "a" not in jar
    assert "b" not in jar
    assert len(jar) == 0
    jar.set("never-set", None)  # removing what is not there is not an error
    assert len(jar) == 0


def test_set_none_with_a_domain_removes_only_that_domain() -> None:
    jar = RequestsCookieJar()
    jar.set("a", "1", domain="one.example")
    jar.set("a", "2", domain="two.example")
    jar.set("a", None, domain="one.example")
    assert jar.get_dict() == {"a": "2"}
    assert only_cookie(jar).domain == "two.example"


def test_set_a_morsel() -> None:
    morsel: Morsel[str] = Morsel()
    morsel.set("m", "value", "value")
    morsel["domain"] = "example.com"
    morsel["path"] = "/m"
    jar = RequestsCookieJar()
    jar.set("m", morsel)
    cookie = only_cookie(jar)
    assert (cookie.name, cookie.value, cookie.domain, cookie.path) == (
        "m",
        "value",
        "example.com",
        "/m",
    )


def test_iterating_yields_cookie_objects() -> None:
    jar = RequestsCookieJar()
    jar.set("a", "1")
    jar.set("b", "2", domain="example.com")
    cookies: list[Any] = list(jar)
    assert all(isinstance(c, Cookie) for c in cookies)
    assert sorted(c.name for c in cookies) == ["a", "b"]


# -- the dict views -------------------------------------------------------------------------


def test_keys_values_items_are_lists_and_repeat_names() -> None:
    jar = RequestsCookieJar()
    jar.set("a", "1", domain="one.example")
    jar.set("a", "2", domain="two.example")
    jar.set("b", "3", domain="one.example")
    keys, values, items = jar.keys(), jar.values(), jar.items()
    assert isinstance(keys, list)
    assert isinstance(values, list)
    assert isinstance(items, list)
    assert sorted(keys) == ["a", "a", "b"]
    assert sorted(values, key=str) == ["1", "2", "3"]
    assert sorted(items, key=str) == [("a", "1"), ("a", "2"), ("b", "3")]
    assert list(keys) == list(keys)  # a list, not a one-shot iterator
    assert sorted(jar.iterkeys()) == sorted(keys)
    assert sorted(jar.itervalues(), key=str) == sorted(values, key=str)
    assert sorted(jar.iteritems(), key=str) == sorted(items, key=str)


def test_dict_of_a_jar_keeps_every_name() -> None:
    jar = RequestsCookieJar()
    jar.set("some_cookie", "some_value")
    jar.set("some_cookie1", "some_value1")
    expected = {"some_cookie": "some_value", "some_cookie1": "some_value1"}
    assert dict(jar) == expected
    assert dict(jar.items()) == expected
    assert dict(jar.iteritems()) == expected
    assert len(jar) == 2


def test_get_dict_filters_by_domain_and_path() -> None:
    jar = RequestsCookieJar()
    jar.set("a", "1", domain="one.example", path="/")
    jar.set("b", "2", domain="one.example", path="/sub")
    jar.set("c", "3", domain="two.example", path="/sub")
    assert jar.get_dict() == {"a": "1", "b": "2", "c": "3"}
    assert jar.get_dict(domain="one.example") == {"a": "1", "b": "2"}
    assert jar.get_dict(path="/sub") == {"b": "2", "c": "3"}
    assert jar.get_dict(domain="one.example", path="/sub") == {"b": "2"}
    assert jar.get_dict(domain="three.example") == {}


def test_list_domains_and_paths() -> None:
    jar = RequestsCookieJar()
    assert jar.list_domains() == []
    assert jar.list_paths() == []
    jar.set("a", "1", domain="one.example", path="/")
    jar.set("b", "2", domain="one.example", path="/sub")
    jar.set("c", "3", domain="two.example", path="/sub")
    assert sorted(jar.list_domains()) == ["one.example", "two.example"]
    assert sorted(jar.list_paths()) == ["/", "/sub"]


def test_multiple_domains() -> None:
    # As requests documents it: "True if there are multiple domains in the jar".
    jar = RequestsCookieJar()
    assert jar.multiple_domains() is False
    jar.set("a", "1", domain="one.example")
    assert jar.multiple_domains() is False
    jar.set("b", "2", domain="one.example", path="/sub")
    assert jar.multiple_domains() is False
    jar.set("c", "3", domain="two.example")
    assert jar.multiple_domains() is True


def test_contains_del_and_len() -> None:
    jar = RequestsCookieJar()
    assert len(jar) == 0
    assert not jar
    jar.set("a", "1", domain="one.example")
    jar.set("a", "2", domain="two.example")
    jar.set("b", "3")
    assert len(jar) == 3
    assert "a" in jar  # ambiguous, but present
    assert "b" in jar
    assert "c" not in jar
    del jar["a"]  # every cookie of that name goes
    assert "a" not in jar
    assert len(jar) == 1
    del jar["not-there"]  # as requests: no KeyError
    assert jar.get_dict() == {"b": "3"}


def test_pop_and_setdefault_from_mutable_mapping() -> None:
    jar = RequestsCookieJar()
    jar.set("a", "1")
    assert jar.pop("a") == "1"
    assert "a" not in jar
    assert jar.pop("a", "gone") == "gone"
    assert jar.setdefault("b", "2") == "2"
    assert jar["b"] == "2"


# -- conflicts ------------------------------------------------------------------------------


def test_same_name_in_two_domains_conflicts() -> None:
    jar = RequestsCookieJar()
    jar.set("some_cookie", "v1", domain="test1.com")
    jar.set("some_cookie", "v2", domain="test2.com")
    assert "some_cookie" in jar
    assert len(jar.items()) == 2
    with pytest.raises(CookieConflictError):
        jar.get("some_cookie")
    with pytest.raises(CookieConflictError):
        jar["some_cookie"]
    assert jar.get("some_cookie", domain="test1.com") == "v1"
    assert jar.get("some_cookie", domain="test2.com") == "v2"


def test_same_name_in_two_paths_conflicts() -> None:
    jar = RequestsCookieJar()
    jar.set("some_cookie", "v1", path="some_path")
    jar.set("some_cookie", "v2")
    with pytest.raises(CookieConflictError, match="some_cookie"):
        jar.get("some_cookie")
    assert jar.get("some_cookie", path="some_path") == "v1"
    assert jar.get("some_cookie", path="/") == "v2"


def test_cookie_conflict_error_is_a_runtime_error() -> None:
    assert issubclass(CookieConflictError, RuntimeError)


# -- update and copy ------------------------------------------------------------------------


def test_update_from_a_jar_copies_its_cookies() -> None:
    source = RequestsCookieJar()
    source.set("a", "1", domain="example.com", path="/p", secure=True)
    jar = RequestsCookieJar()
    jar.set("b", "2")
    jar.update(source)
    assert jar.get_dict() == {"a": "1", "b": "2"}
    cookie = next(c for c in jar if c.name == "a")
    assert (cookie.domain, cookie.path, cookie.secure) == ("example.com", "/p", True)
    only_cookie(source).value = "changed"  # the jar holds a copy, not the same object
    assert jar.get("a") == "1"


def test_update_from_a_plain_cookiejar() -> None:
    source = CookieJar()
    source.set_cookie(create_cookie("a", "1", domain="example.com"))
    jar = RequestsCookieJar()
    jar.update(source)
    assert jar.get("a", domain="example.com") == "1"


def test_update_from_a_dict_and_keywords() -> None:
    jar = RequestsCookieJar()
    jar.set("a", "old")
    jar.update({"a": "new", "b": "2"})
    assert jar.get_dict() == {"a": "new", "b": "2"}
    jar.update([("c", "3")], d="4")
    assert jar.get_dict() == {"a": "new", "b": "2", "c": "3", "d": "4"}


def test_copy_is_independent() -> None:
    jar = RequestsCookieJar()
    jar.set("a", "1", domain="example.com")
    jar.set("b", "2")
    clone = jar.copy()
    assert isinstance(clone, RequestsCookieJar)
    assert clone is not jar
    assert clone.get_dict() == jar.get_dict()
    clone.set("c", "3")
    clone["b"] = "changed"
    del jar["a"]
    assert jar.get_dict() == {"b": "2"}
    assert clone.get_dict() == {"a": "1", "b": "changed", "c": "3"}
    next(c for c in clone if c.name == "c").value = "mutated"
    assert "c" not in jar


def test_copy_keeps_the_policy() -> None:
    class MyPolicy(DefaultCookiePolicy):
        pass

    jar = RequestsCookieJar()
    jar.set_policy(MyPolicy())
    assert isinstance(jar.copy().get_policy(), MyPolicy)


# -- pickling -------------------------------------------------------------------------------


def test_pickle_round_trip_keeps_cookies() -> None:
    jar = RequestsCookieJar()
    jar.set("a", "1", domain="one.example", path="/p")
    jar.set("a", "2", domain="two.example", secure=True, expires=EXPIRES_2037_TS)
    jar.set("b", "3")
    loaded = pickle.loads(pickle.dumps(jar))
    assert isinstance(loaded, RequestsCookieJar)
    assert len(loaded) == 3
    assert loaded.get("a", domain="one.example", path="/p") == "1"
    assert loaded.get("a", domain="two.example") == "2"
    assert loaded["b"] == "3"
    second = next(c for c in loaded if c.domain == "two.example")
    assert second.secure is True
    assert second.expires == EXPIRES_2037_TS
    # The loaded jar works (it has a lock of its own) and is independent of the original.
    loaded.set("c", "4")
    del loaded["b"]
    assert loaded.get("c") == "4"
    assert "c" not in jar
    assert jar["b"] == "3"
    header = get_cookie_header(loaded, prepared("http://one.example/p"))
    assert header == "a=1; c=4"


def test_pickle_of_an_empty_jar() -> None:
    loaded = pickle.loads(pickle.dumps(RequestsCookieJar()))
    assert isinstance(loaded, RequestsCookieJar)
    assert len(loaded) == 0
    loaded["x"] = "y"
    assert loaded["x"] == "y"


# -- quoted values --------------------------------------------------------------------------


def test_quoted_value_keeps_its_quotes() -> None:
    jar = RequestsCookieJar()
    jar.set("foo", '"bar:baz"')
    assert jar["foo"] == '"bar:baz"'


def test_quoted_value_loses_its_escaped_quotes() -> None:
    jar = RequestsCookieJar()
    jar.set("q", '"a\\"b\\"c"')
    assert jar["q"] == '"abc"'


def test_unquoted_value_is_left_alone() -> None:
    jar = RequestsCookieJar()
    jar.set("q", 'a\\"b')
    jar.set("r", '"only-leading')
    assert jar["q"] == 'a\\"b'
    assert jar["r"] == '"only-leading'


# -- create_cookie and morsel_to_cookie -----------------------------------------------------


def test_create_cookie_defaults() -> None:
    cookie = create_cookie("name", "value")
    assert cookie.name == "name"
    assert cookie.value == "value"
    assert cookie.version == 0
    assert cookie.port is None
    assert cookie.port_specified is False
    assert cookie.domain == ""
    assert cookie.domain_specified is False
    assert cookie.domain_initial_dot is False
    assert cookie.path == "/"
    assert cookie.path_specified is True
    assert cookie.secure is False
    assert cookie.expires is None
    assert cookie.discard is True
    assert cookie.comment is None
    assert cookie.comment_url is None
    assert cookie.rfc2109 is False
    assert cookie.has_nonstandard_attr("HttpOnly")
    assert http_only(cookie) is None


def test_create_cookie_derived_fields() -> None:
    cookie = create_cookie(
        "n", "v", domain=".example.com", port="8080", path="", secure=True, expires=5
    )
    assert cookie.domain_specified is True
    assert cookie.domain_initial_dot is True
    assert cookie.port_specified is True
    assert cookie.path_specified is False
    assert cookie.secure is True
    assert cookie.expires == 5
    plain = create_cookie("n", "v", domain="example.com")
    assert plain.domain_specified is True
    assert plain.domain_initial_dot is False


def test_create_cookie_refuses_unknown_keywords() -> None:
    with pytest.raises(TypeError, match="unexpected keyword"):
        create_cookie("n", "v", bogus=1)
    with pytest.raises(TypeError, match="httponly"):
        create_cookie("n", "v", httponly=True)


def test_morsel_to_cookie_fields() -> None:
    morsel: Morsel[str] = Morsel()
    morsel.set("m", "v", "v")
    morsel["domain"] = "example.com"
    morsel["path"] = "/m"
    morsel["secure"] = True
    morsel["httponly"] = True
    morsel["comment"] = "a comment"
    morsel["version"] = "1"
    cookie = morsel_to_cookie(morsel)
    assert (cookie.name, cookie.value) == ("m", "v")
    assert cookie.domain == "example.com"
    assert cookie.path == "/m"
    assert cookie.secure is True
    assert http_only(cookie) is True
    assert cookie.comment == "a comment"
    comment_url: object = cookie.comment_url  # requests stores a bool here
    assert comment_url is True
    assert cookie.version == 1
    assert cookie.discard is False
    assert cookie.expires is None


def test_morsel_to_cookie_defaults() -> None:
    morsel: Morsel[str] = Morsel()
    morsel.set("m", "v", "v")
    cookie = morsel_to_cookie(morsel)
    assert cookie.version == 0
    assert cookie.secure is False
    assert cookie.expires is None
    assert cookie.domain == ""


def test_morsel_expires_string() -> None:
    morsel: Morsel[str] = Morsel()
    morsel["expires"] = "Thu, 01-Jan-1970 00:00:01 GMT"
    assert morsel_to_cookie(morsel).expires == 1
    morsel["expires"] = "Wed, 21-Oct-2037 07:28:00 GMT"
    assert morsel_to_cookie(morsel).expires == EXPIRES_2037_TS


@pytest.mark.parametrize(("value", "error"), [(100, TypeError), ("woops", ValueError)])
def test_morsel_bad_expires(value: Any, error: type[Exception]) -> None:
    morsel: Morsel[str] = Morsel()
    morsel["expires"] = value
    with pytest.raises(error):
        morsel_to_cookie(morsel)


def test_morsel_max_age() -> None:
    morsel: Morsel[str] = Morsel()
    morsel["max-age"] = 60
    before = int(time.time())
    expires = morsel_to_cookie(morsel).expires
    after = int(time.time())
    assert isinstance(expires, int)
    assert before + 60 <= expires <= after + 60


def test_morsel_max_age_wins_over_expires() -> None:
    morsel: Morsel[str] = Morsel()
    morsel["max-age"] = "3600"
    morsel["expires"] = "Thu, 01-Jan-1970 00:00:01 GMT"
    expires = morsel_to_cookie(morsel).expires
    assert expires is not None
    assert expires >= int(time.time()) + 3000


def test_morsel_bad_max_age_is_a_type_error() -> None:
    morsel: Morsel[str] = Morsel()
    morsel["max-age"] = "woops"
    with pytest.raises(TypeError, match="woops"):
        morsel_to_cookie(morsel)


# -- cookiejar_from_dict, as_cookiejar, merge_cookies, remove_cookie_by_name ----------------


def test_cookiejar_from_dict_new_jar() -> None:
    jar = cookiejar_from_dict({"a": "1", "b": "2"})
    assert isinstance(jar, RequestsCookieJar)
    assert jar.get_dict() == {"a": "1", "b": "2"}
    assert all(c.domain == "" and c.path == "/" for c in jar)
    empty = cookiejar_from_dict(None)
    assert isinstance(empty, RequestsCookieJar)
    assert len(empty) == 0


def test_cookiejar_from_dict_overwrite() -> None:
    jar = RequestsCookieJar()
    jar.set("a", "old")
    same = cookiejar_from_dict({"a": "new", "b": "2"}, jar)
    assert same is jar
    assert jar.get_dict() == {"a": "new", "b": "2"}


def test_cookiejar_from_dict_without_overwrite() -> None:
    jar = RequestsCookieJar()
    jar.set("a", "old")
    cookiejar_from_dict({"a": "new", "b": "2"}, jar, overwrite=False)
    assert jar.get_dict() == {"a": "old", "b": "2"}


def test_cookiejar_from_dict_into_a_plain_cookiejar() -> None:
    jar = CookieJar()
    assert cookiejar_from_dict({"a": "1"}, jar) is jar
    assert [(c.name, c.value) for c in jar] == [("a", "1")]


def test_as_cookiejar() -> None:
    jar = RequestsCookieJar()
    assert as_cookiejar(jar) is jar
    plain = CookieJar()
    assert as_cookiejar(plain) is plain
    made = as_cookiejar({"a": "1"})
    assert isinstance(made, RequestsCookieJar)
    assert made.get_dict() == {"a": "1"}


def test_merge_a_dict_into_a_jar_keeps_existing_values() -> None:
    jar = RequestsCookieJar()
    jar.set("a", "old")
    merged = merge_cookies(jar, {"a": "new", "b": "2"})
    assert merged is jar
    assert jar.get_dict() == {"a": "old", "b": "2"}


def test_merge_a_jar_into_a_jar_keeps_domain_path_and_secure() -> None:
    source = RequestsCookieJar()
    source.set("d", "1", domain="example.com", path="/p")
    source.set("s", "2", secure=True)
    target = RequestsCookieJar()
    merged = merge_cookies(target, source)
    assert merged is target
    by_name = {c.name: c for c in target}
    assert set(by_name) == {"d", "s"}
    assert (by_name["d"].domain, by_name["d"].path) == ("example.com", "/p")
    assert by_name["s"].secure is True


def test_merge_a_jar_into_a_jar_replaces_the_same_cookie() -> None:
    # requests: the merged jar's cookies update the target (same name, domain and path).
    target = RequestsCookieJar()
    target.set("a", "old")
    source = RequestsCookieJar()
    source.set("a", "new")
    merge_cookies(target, source)
    assert target.get_dict() == {"a": "new"}
    assert len(target) == 1


def test_merge_into_a_plain_cookiejar() -> None:
    target = CookieJar()
    source = RequestsCookieJar()
    source.set("a", "1", domain="example.com")
    assert merge_cookies(target, source) is target
    cookie = only_cookie(target)
    assert (cookie.name, cookie.value, cookie.domain) == ("a", "1", "example.com")
    merge_cookies(target, {"b": "2"})
    assert sorted(c.name for c in target) == ["a", "b"]


def test_merge_a_jar_into_a_jar_keeps_repeated_names() -> None:
    source = RequestsCookieJar()
    source.set("a", "1", domain="one.example")
    source.set("a", "2", domain="two.example")
    target = merge_cookies(RequestsCookieJar(), source)
    assert sorted((c.domain, c.value) for c in target) == [
        ("one.example", "1"),
        ("two.example", "2"),
    ]


def test_merge_nothing() -> None:
    jar = RequestsCookieJar()
    jar.set("a", "1")
    assert merge_cookies(jar, None) is jar
    assert jar.get_dict() == {"a": "1"}


@pytest.mark.parametrize("target", [{"a": "1"}, None, "a=1"])
def test_merge_into_something_not_a_jar(target: Any) -> None:
    with pytest.raises(ValueError, match="only merge into CookieJar"):
        merge_cookies(target, {"b": "2"})


def test_remove_cookie_by_name() -> None:
    jar = RequestsCookieJar()
    jar.set("a", "1", domain="one.example", path="/")
    jar.set("a", "2", domain="one.example", path="/sub")
    jar.set("a", "3", domain="two.example")
    jar.set("b", "4", domain="one.example")
    remove_cookie_by_name(jar, "a", domain="one.example", path="/sub")
    assert sorted(str(c.value) for c in jar) == ["1", "3", "4"]
    remove_cookie_by_name(jar, "a", domain="two.example")
    assert sorted(str(c.value) for c in jar) == ["1", "4"]
    remove_cookie_by_name(jar, "a")
    assert jar.get_dict() == {"b": "4"}
    remove_cookie_by_name(jar, "missing")
    assert len(jar) == 1


# -- get_cookie_header ----------------------------------------------------------------------


def test_cookie_header_of_domainless_cookies_goes_anywhere() -> None:
    jar = cookiejar_from_dict({"a": "1", "b": "2"})
    assert get_cookie_header(jar, prepared("http://example.com/")) == "a=1; b=2"
    assert get_cookie_header(jar, prepared("http://127.0.0.1:8080/x/y")) == "a=1; b=2"


def test_cookie_header_for_matching_and_other_domains() -> None:
    jar = RequestsCookieJar()
    jar.set("k", "v", domain="example.com")
    assert get_cookie_header(jar, prepared("http://example.com/")) == "k=v"
    assert get_cookie_header(jar, prepared("http://EXAMPLE.com:8080/x")) == "k=v"
    assert get_cookie_header(jar, prepared("http://www.example.com/")) == "k=v"
    assert get_cookie_header(jar, prepared("http://other.example/")) is None
    assert get_cookie_header(jar, prepared("http://notexample.com/")) is None
    assert get_cookie_header(jar, prepared("http://127.0.0.1/")) is None


def test_cookie_header_for_an_ip_address() -> None:
    jar = RequestsCookieJar()
    jar.set("k", "v", domain="127.0.0.1")
    assert get_cookie_header(jar, prepared("http://127.0.0.1:5000/")) == "k=v"
    assert get_cookie_header(jar, prepared("http://127.0.0.2:5000/")) is None


def test_cookie_header_follows_the_path() -> None:
    jar = RequestsCookieJar()
    jar.set("p", "1", path="/cookies")
    assert get_cookie_header(jar, prepared("http://example.com/cookies")) == "p=1"
    assert get_cookie_header(jar, prepared("http://example.com/cookies/deeper")) == "p=1"
    assert get_cookie_header(jar, prepared("http://example.com/cookiesx")) is None
    assert get_cookie_header(jar, prepared("http://example.com/")) is None
    assert get_cookie_header(jar, prepared("http://example.com/other")) is None


def test_cookie_header_lists_longer_paths_first() -> None:
    jar = RequestsCookieJar()
    jar.set("root", "1", path="/")
    jar.set("deep", "2", path="/a/b")
    jar.set("mid", "3", path="/a")
    header = get_cookie_header(jar, prepared("http://example.com/a/b/c"))
    assert header == "deep=2; mid=3; root=1"


def test_secure_cookie_only_over_https() -> None:
    jar = RequestsCookieJar()
    jar.set("s", "1", secure=True)
    jar.set("p", "2")
    assert get_cookie_header(jar, prepared("https://example.com/")) == "s=1; p=2"
    assert get_cookie_header(jar, prepared("http://example.com/")) == "p=2"


def test_expired_cookie_is_not_sent() -> None:
    jar = RequestsCookieJar()
    jar.set("old", "1", expires=int(time.time()) - 3600)
    jar.set("new", "2", expires=int(time.time()) + 3600)
    assert get_cookie_header(jar, prepared("http://example.com/")) == "new=2"


def test_cookie_header_for_a_plain_cookiejar() -> None:
    jar = CookieJar()
    jar.set_cookie(create_cookie("a", "1", domain="example.com"))
    assert get_cookie_header(jar, prepared("http://example.com/")) == "a=1"
    assert get_cookie_header(jar, prepared("http://other.example/")) is None


def test_cookie_header_uses_a_host_header() -> None:
    jar = RequestsCookieJar()
    jar.set("k", "v", domain="example.com")
    request = prepared("http://127.0.0.1:8080/", headers={"Host": "example.com"})
    assert get_cookie_header(jar, request) == "k=v"
    request = prepared("http://example.com/", headers={"Host": "other.example"})
    assert get_cookie_header(jar, request) is None


def test_empty_jar_gives_no_header() -> None:
    assert get_cookie_header(RequestsCookieJar(), prepared("http://example.com/")) is None


# -- extract_cookies_to_jar and Response.cookies, offline -----------------------------------


def response_with(url: str, fields: list[tuple[bytes, bytes]]) -> Response:
    r = Response()
    r.status_code = 200
    r.url = url
    r.request = prepared(url)
    r.set_raw_headers(fields)
    r._content, r._content_consumed = b"", True
    return r


def test_extract_cookies_to_jar_reads_every_set_cookie_field() -> None:
    r = response_with(
        "http://www.example.com/dir/page",
        [
            (b"Set-Cookie", b"a=1; Path=/"),
            (b"Content-Type", b"text/plain"),
            (b"set-cookie", f"b=2; Expires={EXPIRES_2037}; Path=/".encode()),
            (b"SET-COOKIE", b"c=3"),
        ],
    )
    assert r.request is not None
    jar = RequestsCookieJar()
    extract_cookies_to_jar(jar, r.request, r)
    by_name = {c.name: c for c in jar}
    assert {name: c.value for name, c in by_name.items()} == {"a": "1", "b": "2", "c": "3"}
    assert by_name["b"].expires == EXPIRES_2037_TS
    assert by_name["a"].expires is None
    assert by_name["a"].domain == "www.example.com"
    assert by_name["c"].path == "/dir"  # the default path: the request's directory


def test_extract_refuses_a_cookie_for_another_domain() -> None:
    r = response_with(
        "http://www.example.com/",
        [
            (b"Set-Cookie", b"evil=1; Domain=other.example"),
            (b"Set-Cookie", b"good=2; Domain=example.com"),
        ],
    )
    assert r.request is not None
    jar = RequestsCookieJar()
    extract_cookies_to_jar(jar, r.request, r)
    assert jar.get_dict() == {"good": "2"}
    assert only_cookie(jar).domain == ".example.com"


def test_extract_without_set_cookie_leaves_the_jar_alone() -> None:
    r = response_with("http://example.com/", [(b"Content-Type", b"text/plain")])
    assert r.request is not None
    jar = RequestsCookieJar()
    jar.set("kept", "1")
    extract_cookies_to_jar(jar, r.request, r)
    assert jar.get_dict() == {"kept": "1"}


def test_response_cookies_offline() -> None:
    r = response_with(
        "http://example.com/",
        [(b"Set-Cookie", f"a=1; Expires={EXPIRES_2037}".encode()), (b"Set-Cookie", b"b=2")],
    )
    jar = r.cookies
    assert isinstance(jar, RequestsCookieJar)
    assert jar.get_dict() == {"a": "1", "b": "2"}
    assert r.cookies is jar  # built once
    assert r.header_fields("set-cookie") == [f"a=1; Expires={EXPIRES_2037}", "b=2"]
    assert r.headers["Set-Cookie"] == f"a=1; Expires={EXPIRES_2037}, b=2"


def test_response_cookies_without_a_request_or_fields() -> None:
    r = Response()
    assert isinstance(r.cookies, RequestsCookieJar)
    assert len(r.cookies) == 0
    bare = response_with("http://example.com/", [])
    assert len(bare.cookies) == 0
    assert bare.header_fields("Set-Cookie") == []


def test_response_cookies_can_be_replaced() -> None:
    r = response_with("http://example.com/", [(b"Set-Cookie", b"a=1")])
    replacement = cookiejar_from_dict({"z": "9"})
    r.cookies = replacement
    assert r.cookies is replacement


def test_response_pickle_keeps_its_cookies() -> None:
    r = response_with("http://example.com/", [(b"Set-Cookie", b"a=1")])
    assert r.cookies.get_dict() == {"a": "1"}
    loaded = pickle.loads(pickle.dumps(r))
    assert isinstance(loaded.cookies, RequestsCookieJar)
    assert loaded.cookies.get_dict() == {"a": "1"}


# -- PreparedRequest.prepare_cookies --------------------------------------------------------


def test_prepare_with_a_dict_sets_the_cookie_header() -> None:
    p = Request("GET", "http://example.com/", cookies={"a": "1", "b": "2"}).prepare()
    assert p.headers["Cookie"] == "a=1; b=2"


def test_prepare_with_a_jar_sends_only_matching_cookies() -> None:
    jar = RequestsCookieJar()
    jar.set("here", "1", domain="example.com")
    jar.set("there", "2", domain="other.example")
    jar.set("deep", "3", path="/deep")
    p = Request("GET", "http://example.com/", cookies=jar).prepare()
    assert p.headers["Cookie"] == "here=1"


def test_prepare_with_no_matching_cookie_sets_no_header() -> None:
    jar = RequestsCookieJar()
    jar.set("there", "2", domain="other.example")
    assert "Cookie" not in Request("GET", "http://example.com/", cookies=jar).prepare().headers
    assert "Cookie" not in Request("GET", "http://example.com/", cookies={}).prepare().headers


def test_prepare_leaves_a_hand_set_cookie_header() -> None:
    p = Request(
        "GET", "http://example.com/", headers={"cookie": "hand=1"}, cookies={"a": "1"}
    ).prepare()
    assert p.headers["Cookie"] == "hand=1"


def test_prepare_cookies_on_a_prepared_request() -> None:
    p = prepared("https://example.com/")
    jar = RequestsCookieJar()
    jar.set("s", "1", secure=True)
    p.prepare_cookies(jar)
    assert p.headers["Cookie"] == "s=1"
    assert p.copy().headers["Cookie"] == "s=1"


# -- Session.cookies and the merge ----------------------------------------------------------


def test_session_cookies_is_a_jar_made_once() -> None:
    with Session() as s:
        jar = s.cookies
        assert isinstance(jar, RequestsCookieJar)
        assert len(jar) == 0
        assert s.cookies is jar
        replacement = CookieJar()
        s.cookies = replacement
        assert s.cookies is replacement


def test_session_cookies_are_prepared() -> None:
    with Session() as s:
        s.cookies.set("s", "v")
        p = s.prepare_request(Request("GET", "http://example.com/", cookies={"r": "2"}))
        assert p.headers["Cookie"] == "s=v; r=2"
        assert s.cookies.get_dict() == {"s": "v"}


def test_session_request_cookie_overrides_session_cookie() -> None:
    with Session() as s:
        s.cookies["foo"] = "bar"
        p = s.prepare_request(Request("GET", "http://example.com/", cookies={"foo": "baz"}))
        assert p.headers["Cookie"] == "foo=baz"
        assert s.cookies["foo"] == "bar"


def test_session_cookie_for_another_domain_is_not_prepared() -> None:
    with Session() as s:
        s.cookies.set("there", "1", domain="other.example")
        s.cookies.set("here", "2", domain="example.com")
        p = s.prepare_request(Request("GET", "http://example.com/"))
        assert p.headers["Cookie"] == "here=2"


def test_session_keeps_path_and_secure_when_merging() -> None:
    with Session() as s:
        s.cookies.set("deep", "1", path="/deep")
        s.cookies.set("sec", "2", secure=True)
        p = s.prepare_request(Request("GET", "http://example.com/"))
        assert "Cookie" not in p.headers
        p = s.prepare_request(Request("GET", "https://example.com/deep/x"))
        assert p.headers["Cookie"] == "deep=1; sec=2"


def test_session_request_jar_keeps_its_domains() -> None:
    jar = RequestsCookieJar()
    jar.set("there", "1", domain="other.example")
    with Session() as s:
        p = s.prepare_request(Request("GET", "http://example.com/", cookies=jar))
        assert "Cookie" not in p.headers


def test_session_with_a_plain_cookiejar() -> None:
    plain = CookieJar()
    cookiejar_from_dict({"foo": "bar"}, plain)
    with Session() as s:
        s.cookies = plain
        p = s.prepare_request(Request("GET", "http://example.com/"))
        assert p.headers["Cookie"] == "foo=bar"
        assert s.cookies is plain


def test_session_request_cookies_are_not_persisted() -> None:
    with Session() as s:
        s.prepare_request(Request("GET", "http://example.com/", cookies={"r": "1"}))
        assert len(s.cookies) == 0


def test_session_hand_set_cookie_header_wins() -> None:
    with Session() as s:
        s.cookies.set("s", "v")
        p = s.prepare_request(
            Request("GET", "http://example.com/", headers={"Cookie": "hand=1"}, cookies={"r": "2"})
        )
        assert p.headers["Cookie"] == "hand=1"


# -- http.cookiejar is loaded only when cookies are used ------------------------------------

LAZY_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import httpcore_lite

    def loaded():
        return "http.cookiejar" in sys.modules

    report = {"after_import": loaded()}
    with httpcore_lite.Session() as s:
        s.prepare_request(httpcore_lite.Request("GET", "http://example.com/", cookies={}))
        httpcore_lite.Request("GET", "http://example.com/").prepare()
        report["after_prepare"] = loaded()
        report["cookies_module_loaded"] = "httpcore_lite.cookies" in sys.modules
        jar = httpcore_lite.cookies.RequestsCookieJar()
        report["after_use"] = loaded()
        report["jar_type"] = type(jar).__name__
    from httpcore_lite import cookies
    report["same_module"] = cookies is httpcore_lite.cookies
    print(json.dumps(report))
    """
)


def test_http_cookiejar_is_loaded_only_when_cookies_are_used() -> None:
    result = subprocess.run(
        [sys.executable, "-c", LAZY_SCRIPT],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report == {
        "after_import": False,
        "after_prepare": False,
        "cookies_module_loaded": False,
        "after_use": True,
        "jar_type": "RequestsCookieJar",
        "same_module": True,
    }
