"""CaseInsensitiveDict behaves like a dict keyed by ``key.lower()``, whatever is done to it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from httpcore_lite.structures import CaseInsensitiveDict

# Header-ish names whose lower() is stable: ASCII letters, digits, dashes; mixed case.
NAMES = st.text(st.sampled_from("aAbBcCxXyYzZ-0"), min_size=1, max_size=4)
VALUES = st.integers()

OPS = st.one_of(
    st.tuples(st.just("set"), NAMES, VALUES),
    st.tuples(st.just("del"), NAMES, st.none()),
    st.tuples(st.just("pop"), NAMES, st.none()),
    st.tuples(st.just("setdefault"), NAMES, VALUES),
    st.tuples(st.just("update"), NAMES, VALUES),
    st.tuples(st.just("popitem"), NAMES, st.none()),
    st.tuples(st.just("clear"), NAMES, st.none()),
    st.tuples(st.just("copy"), NAMES, st.none()),
)


Model = dict[str, tuple[str, int | None]]  # lower -> (last-set case, value)


def _write(
    cid: CaseInsensitiveDict[int | None], model: Model, op: str, key: str, value: int | None
) -> None:
    lower = key.lower()
    if op == "set":
        cid[key] = value
        model[lower] = (key, value)
    elif op == "update":
        cid.update({key: value})
        model[lower] = (key, value)
    else:  # setdefault
        got = cid.setdefault(key, value)
        if lower not in model:
            model[lower] = (key, value)
        assert got == model[lower][1]


def _remove(cid: CaseInsensitiveDict[int | None], model: Model, op: str, key: str) -> None:
    lower = key.lower()
    if op == "popitem":
        if model:
            cased, popped = cid.popitem()
            assert model.pop(cased.lower()) == (cased, popped)
        return
    if op == "clear":
        cid.clear()
        model.clear()
        return
    present = lower in model
    try:
        if op == "del":
            del cid[key]
        else:
            assert cid.pop(key) == model[lower][1]
    except KeyError:
        assert not present
    else:
        assert present
        del model[lower]


@settings(max_examples=200, deadline=None)
@given(st.lists(OPS, max_size=40))
def test_matches_a_lower_keyed_dict(ops: list[tuple[str, str, int | None]]) -> None:
    cid: CaseInsensitiveDict[int | None] = CaseInsensitiveDict()
    model: Model = {}
    for op, key, value in ops:
        if op in ("set", "update", "setdefault"):
            _write(cid, model, op, key, value)
        elif op == "copy":  # carry on with a copy: it shares the snapshot until it changes
            cid = cid.copy()
        else:
            _remove(cid, model, op, key)
        # The whole observable state, after every step.
        assert len(cid) == len(model)
        assert list(cid) == [cased for cased, _ in model.values()]
        assert dict(cid.lower_items()) == {k: v for k, (_, v) in model.items()}
        assert cid == dict(model.values())
        assert cid == {k.upper(): v for k, (_, v) in model.items()}
        # The cached snapshot follows every change (it is read after every step).
        assert cid.pairs() == tuple(model.values())


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(NAMES, VALUES, max_size=8), NAMES)
def test_lookup_in_any_case(data: dict[str, int], probe: str) -> None:
    cid = CaseInsensitiveDict(data)
    expected = {}
    for key, value in data.items():
        expected[key.lower()] = value  # later keys win, as they are set later
    for variant in (probe, probe.lower(), probe.upper(), probe.swapcase()):
        assert (variant in cid) == (probe.lower() in expected)
        assert cid.get(variant) == expected.get(probe.lower())


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(NAMES, VALUES, max_size=8), st.dictionaries(NAMES, VALUES, max_size=8))
def test_equality_is_lower_keyed_dict_equality(a: dict[str, int], b: dict[str, int]) -> None:
    def lowered(d: dict[str, int]) -> dict[str, int]:
        return {k.lower(): v for k, v in d.items()}

    assert (CaseInsensitiveDict(a) == CaseInsensitiveDict(b)) == (lowered(a) == lowered(b))
    assert (CaseInsensitiveDict(a) == b) == (lowered(a) == lowered(b))


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(NAMES, VALUES, max_size=8), NAMES, VALUES)
def test_copy_is_independent(data: dict[str, int], key: str, value: int) -> None:
    original = CaseInsensitiveDict(data)
    snapshot = list(original.items())
    clone = original.copy()
    assert clone == original
    clone[key] = value
    clone.pop(next(iter(clone)), None)
    assert list(original.items()) == snapshot
