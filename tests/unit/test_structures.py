"""CaseInsensitiveDict and LookupDict behave as requests' do."""

from __future__ import annotations

import pytest

from httpcore_lite.structures import CaseInsensitiveDict, LookupDict


def test_get_set_del_contains_ignore_case() -> None:
    d: CaseInsensitiveDict[str] = CaseInsensitiveDict()
    d["Content-Type"] = "text/plain"
    assert d["content-type"] == "text/plain"
    assert d["CONTENT-TYPE"] == "text/plain"
    assert d.get("cOnTeNt-TyPe") == "text/plain"
    assert d.get("missing") is None
    assert d.get("missing", "x") == "x"
    assert "content-type" in d
    assert "CONTENT-type" in d
    assert "other" not in d
    assert 42 not in d  # a non-str key is simply absent, not an error
    del d["CONTENT-TYPE"]
    assert "Content-Type" not in d
    assert len(d) == 0
    with pytest.raises(KeyError):
        d["content-type"]
    with pytest.raises(KeyError):
        del d["content-type"]


def test_setting_again_replaces_value_and_keeps_last_case() -> None:
    d = CaseInsensitiveDict({"accept": "a"})
    d["ACCEPT"] = "b"
    assert len(d) == 1
    assert list(d) == ["ACCEPT"]
    assert list(d.keys()) == ["ACCEPT"]
    assert list(d.items()) == [("ACCEPT", "b")]
    assert list(d.values()) == ["b"]
    d["Accept"] = "c"
    assert list(d) == ["Accept"]
    assert d["accept"] == "c"


def test_iteration_keeps_insertion_order() -> None:
    d = CaseInsensitiveDict([("B", 1), ("a", 2), ("C", 3)])
    assert list(d) == ["B", "a", "C"]


def test_constructor_forms() -> None:
    assert CaseInsensitiveDict({"A": 1}) == CaseInsensitiveDict([("a", 1)])
    assert CaseInsensitiveDict(A=1, b=2) == {"a": 1, "B": 2}
    assert len(CaseInsensitiveDict()) == 0
    assert len(CaseInsensitiveDict(None)) == 0


def test_equality_with_dicts_and_mappings() -> None:
    d = CaseInsensitiveDict({"Accept": "*/*", "X-Y": "z"})
    assert d == {"accept": "*/*", "x-y": "z"}
    assert d == {"ACCEPT": "*/*", "X-y": "z"}
    assert d == CaseInsensitiveDict({"x-y": "z", "accept": "*/*"})
    assert d != {"accept": "*/*"}
    assert d != {"accept": "*/*", "x-y": "Z"}  # values keep their case
    assert d != [("accept", "*/*"), ("x-y", "z")]
    assert d != "accept"
    assert d != 1


def test_not_hashable() -> None:
    with pytest.raises(TypeError):
        hash(CaseInsensitiveDict())


def test_copy_is_independent_and_keeps_case() -> None:
    original = CaseInsensitiveDict({"User-Agent": "a"})
    clone = original.copy()
    assert isinstance(clone, CaseInsensitiveDict)
    assert clone == original
    assert list(clone) == ["User-Agent"]
    clone["user-agent"] = "b"
    clone["New"] = "n"
    assert original["User-Agent"] == "a"
    assert "new" not in original
    del original["USER-AGENT"]
    assert clone["User-Agent"] == "b"


def test_lower_items() -> None:
    d = CaseInsensitiveDict({"Accept": "A", "X-Custom-Header": "V"})
    assert list(d.lower_items()) == [("accept", "A"), ("x-custom-header", "V")]


def test_repr_is_the_dict_repr() -> None:
    d = CaseInsensitiveDict({"Accept": "*/*"})
    d["X-Thing"] = 1
    assert repr(d) == "{'Accept': '*/*', 'X-Thing': 1}"
    assert repr(CaseInsensitiveDict()) == "{}"


def test_update_setdefault_pop_are_case_insensitive() -> None:
    d = CaseInsensitiveDict({"A": 1})
    d.update({"a": 2, "B": 3})
    assert dict(d.items()) == {"a": 2, "B": 3}
    assert d.setdefault("b", 99) == 3
    assert d.pop("A") == 2
    assert list(d) == ["B"]


def test_lookup_dict() -> None:
    codes = LookupDict(name="codes")
    codes.ok = 200  # type: ignore[attr-defined]
    assert codes["ok"] == 200
    assert codes["missing"] is None
    assert codes.get("ok") == 200
    assert codes.get("missing", 5) == 5
    assert repr(codes) == "<lookup 'codes'>"
