r"""``codes``: every status name requests has, as attributes and items, upper case too (but
not for the symbolic ``\o/``-style names); LookupDict underneath."""

from __future__ import annotations

from typing import Any

import pytest

import httpcore_lite
from httpcore_lite import status_codes
from httpcore_lite.structures import LookupDict

codes: Any = httpcore_lite.codes  # names are set as attributes: Any for the type checker

# requests' table (requests/status_codes.py), in its order: a name listed twice
# ("precondition") keeps the later code, as in requests.
REQUESTS_TABLE: dict[int, tuple[str, ...]] = {
    100: ("continue",),
    101: ("switching_protocols",),
    102: ("processing",),
    103: ("checkpoint", "early_hints"),
    122: ("uri_too_long", "request_uri_too_long"),
    200: ("ok", "okay", "all_ok", "all_okay", "all_good", "\\o/", "✓"),
    201: ("created",),
    202: ("accepted",),
    203: ("non_authoritative_info", "non_authoritative_information"),
    204: ("no_content",),
    205: ("reset_content", "reset"),
    206: ("partial_content", "partial"),
    207: ("multi_status", "multiple_status", "multi_stati", "multiple_stati"),
    208: ("already_reported",),
    226: ("im_used",),
    300: ("multiple_choices",),
    301: ("moved_permanently", "moved", "\\o-"),
    302: ("found",),
    303: ("see_other", "other"),
    304: ("not_modified",),
    305: ("use_proxy",),
    306: ("switch_proxy",),
    307: ("temporary_redirect", "temporary_moved", "temporary"),
    308: ("permanent_redirect", "resume_incomplete", "resume"),
    400: ("bad_request", "bad"),
    401: ("unauthorized",),
    402: ("payment_required", "payment"),
    403: ("forbidden",),
    404: ("not_found", "-o-"),
    405: ("method_not_allowed", "not_allowed"),
    406: ("not_acceptable",),
    407: ("proxy_authentication_required", "proxy_auth", "proxy_authentication"),
    408: ("request_timeout", "timeout"),
    409: ("conflict",),
    410: ("gone",),
    411: ("length_required",),
    412: ("precondition_failed", "precondition"),
    413: ("request_entity_too_large",),
    414: ("request_uri_too_large",),
    415: ("unsupported_media_type", "unsupported_media", "media_type"),
    416: ("requested_range_not_satisfiable", "requested_range", "range_not_satisfiable"),
    417: ("expectation_failed",),
    418: ("im_a_teapot", "teapot", "i_am_a_teapot"),
    421: ("misdirected_request",),
    422: ("unprocessable_entity", "unprocessable"),
    423: ("locked",),
    424: ("failed_dependency", "dependency"),
    425: ("unordered_collection", "unordered", "too_early"),
    426: ("upgrade_required", "upgrade"),
    428: ("precondition_required", "precondition"),
    429: ("too_many_requests", "too_many"),
    431: ("header_fields_too_large", "fields_too_large"),
    444: ("no_response", "none"),
    449: ("retry_with", "retry"),
    450: ("blocked_by_windows_parental_controls", "parental_controls"),
    451: ("unavailable_for_legal_reasons", "legal_reasons"),
    499: ("client_closed_request",),
    500: ("internal_server_error", "server_error", "/o\\", "✗"),
    501: ("not_implemented",),
    502: ("bad_gateway",),
    503: ("service_unavailable", "unavailable"),
    504: ("gateway_timeout",),
    505: ("http_version_not_supported", "http_version"),
    506: ("variant_also_negotiates",),
    507: ("insufficient_storage",),
    509: ("bandwidth_limit_exceeded", "bandwidth"),
    510: ("not_extended",),
    511: ("network_authentication_required", "network_auth", "network_authentication"),
}

SYMBOLIC = ("\\o/", "\\o-", "/o\\")


def expected_names() -> dict[str, int]:
    expected: dict[str, int] = {}
    for code, names in REQUESTS_TABLE.items():
        for name in names:
            expected[name] = code
            if not name.startswith(("\\", "/")):
                expected[name.upper()] = code
    return expected


def test_both_import_paths_are_one_object() -> None:
    assert httpcore_lite.codes is status_codes.codes
    assert isinstance(codes, LookupDict)
    assert codes.name == "status_codes"
    assert repr(codes) == "<lookup 'status_codes'>"


def test_well_known_names() -> None:
    assert codes.ok == 200
    assert codes.OK == 200
    assert codes.okay == 200
    assert codes.all_good == 200
    assert codes["ok"] == 200
    assert codes["\\o/"] == 200
    assert codes["✓"] == 200
    assert codes.teapot == 418
    assert codes.im_a_teapot == 418
    assert codes["temporary_redirect"] == 307
    assert codes.temporary_redirect == 307
    assert codes.moved == 301
    assert codes.found == 302
    assert codes.see_other == 303
    assert codes.permanent_redirect == 308
    assert codes.not_found == 404
    assert codes.NOT_FOUND == 404
    assert codes["-o-"] == 404
    assert codes["-O-"] == 404
    assert codes.precondition == 428  # listed for 412 and 428: the later wins, as in requests
    assert codes.PRECONDITION == 428
    assert codes.precondition_failed == 412
    assert codes.unavailable == 503
    assert codes.server_error == 500
    assert codes["/o\\"] == 500
    assert codes["✗"] == 500
    assert codes.too_many_requests == 429
    assert codes.none == 444
    assert codes["continue"] == 100  # a keyword: an item, or getattr
    assert getattr(codes, "continue") == 100
    assert codes.CONTINUE == 100


def test_every_requests_name_as_item_get_and_attribute() -> None:
    wrong = {
        name: (codes[name], codes.get(name), getattr(codes, name, None))
        for name, code in expected_names().items()
        if not (codes[name] == codes.get(name) == getattr(codes, name, None) == code)
    }
    assert wrong == {}


def test_every_value_is_an_int() -> None:
    values = {name: codes[name] for name in expected_names()}
    assert all(type(value) is int for value in values.values())


@pytest.mark.parametrize("name", SYMBOLIC)
def test_symbolic_names_have_no_upper_case(name: str) -> None:
    assert codes[name] is not None
    assert codes[name.upper()] is None
    assert codes.get(name.upper()) is None
    assert not hasattr(codes, name.upper())


@pytest.mark.parametrize("code", sorted(REQUESTS_TABLE))
def test_every_code_has_a_name_that_maps_back(code: int) -> None:
    names = REQUESTS_TABLE[code]
    assert any(codes[name] == code for name in names), names
    assert any(codes[name.upper()] == code for name in names if name not in SYMBOLIC)


def test_codes_cover_100_to_511() -> None:
    covered = {codes[name] for name in expected_names()}
    assert covered == set(REQUESTS_TABLE)
    assert min(covered) == 100
    assert max(covered) == 511


@pytest.mark.parametrize("name", ["missing", "not_a_status", "Ok", "teapots", "", "200"])
def test_missing_names_read_as_none(name: str) -> None:
    assert codes[name] is None
    assert codes.get(name) is None
    assert codes.get(name, 0) == 0


def test_status_codes_module_exports() -> None:
    assert status_codes.__all__ == ["codes"]
    assert "codes" in httpcore_lite.__all__


# -- LookupDict -----------------------------------------------------------------------------


def test_lookup_dict_attributes_are_items() -> None:
    d = LookupDict(name="things")
    d.answer = 42  # type: ignore[attr-defined]
    assert d["answer"] == 42
    assert d.get("answer") == 42
    assert d.get("answer", 0) == 42
    assert d["missing"] is None
    assert d.get("missing") is None
    assert d.get("missing", "default") == "default"
    assert d.name == "things"
    assert d["name"] == "things"  # the name is an attribute like the others, as in requests
    assert repr(d) == "<lookup 'things'>"


def test_lookup_dict_without_a_name() -> None:
    d: Any = LookupDict()
    assert d.name is None
    assert repr(d) == "<lookup 'None'>"
    assert isinstance(LookupDict(), dict)
    with pytest.raises(AttributeError):
        d.missing  # noqa: B018  # attribute access is plain: only items default to None
