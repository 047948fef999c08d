"""Query parameters survive prepare() and come back out of urllib.parse unchanged."""

from __future__ import annotations

from urllib.parse import parse_qs, parse_qsl, urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from httpcore_lite import Request

# Any text that can be encoded as UTF-8 (no lone surrogates).
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
KEYS = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=10)


def query_of(url: str) -> str:
    return urlsplit(url).query


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(KEYS, TEXT, max_size=6))
def test_dict_params_round_trip(params: dict[str, str]) -> None:
    url = Request("GET", "http://example.com/path", params=params).prepare().url
    assert url is not None
    parsed = parse_qs(query_of(url), keep_blank_values=True, strict_parsing=False)
    assert parsed == {key: [value] for key, value in params.items()}


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(KEYS, st.lists(TEXT, min_size=1, max_size=4), max_size=4))
def test_list_values_round_trip_in_order(params: dict[str, list[str]]) -> None:
    url = Request("GET", "http://example.com/", params=params).prepare().url
    assert url is not None
    assert parse_qs(query_of(url), keep_blank_values=True) == params


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(KEYS, TEXT), max_size=6), st.dictionaries(KEYS, TEXT, max_size=3))
def test_params_after_an_existing_query(
    existing: list[tuple[str, str]], params: dict[str, str]
) -> None:
    first = Request("GET", "http://example.com/p", params=existing).prepare().url
    assert first is not None
    url = Request("GET", first, params=params).prepare().url
    assert url is not None
    assert parse_qsl(query_of(url), keep_blank_values=True) == existing + list(params.items())


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(KEYS, TEXT, max_size=6))
def test_prepare_is_idempotent(params: dict[str, str]) -> None:
    once = Request("GET", "http://example.com/a b", params=params).prepare().url
    assert once is not None
    assert Request("GET", once).prepare().url == once
    assert once.isascii()
    assert " " not in once


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(KEYS, TEXT, max_size=6))
def test_form_body_round_trip(data: dict[str, str]) -> None:
    body = Request("POST", "http://example.com/", data=data).prepare().body
    if not data:
        assert body is None
        return
    assert parse_qs(body, keep_blank_values=True) == {k: [v] for k, v in data.items()}
