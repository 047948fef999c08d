"""Data structures used across httpcore_lite: requests' CaseInsensitiveDict and LookupDict."""

from __future__ import annotations

from collections.abc import (
    ItemsView,
    Iterable,
    Iterator,
    KeysView,
    Mapping,
    MutableMapping,
    ValuesView,
)
from typing import Any, TypeVar

_VT = TypeVar("_VT")


class CaseInsensitiveDict(MutableMapping[str, _VT]):
    """A dict whose keys compare case-insensitively and keep the case last set.

    Iteration, ``keys()`` and ``items()`` give the original case; lookups, ``in`` and
    equality ignore it. This is how HTTP header names behave (RFC 9110 section 5.1).

    Examples:
        >>> from httpcore_lite.structures import CaseInsensitiveDict
        >>> h = CaseInsensitiveDict({"Content-Type": "text/plain"})
        >>> h["content-type"]
        'text/plain'
        >>> list(h)
        ['Content-Type']

    Raises:
        KeyError: on a lookup of a key that is absent.
    """

    __slots__ = ("_pairs", "_store")

    def __init__(
        self,
        data: Mapping[str, _VT] | Iterable[tuple[str, _VT]] | None = None,
        **kwargs: _VT,
    ) -> None:
        self._store: dict[str, tuple[str, _VT]] = {}
        self._pairs: tuple[tuple[str, _VT], ...] | None = None
        if data is not None:
            self.update(data)
        if kwargs:
            self.update(kwargs)

    def __setitem__(self, key: str, value: _VT) -> None:
        # Keep the original key for iteration; index by its lower-case form.
        self._store[key.lower()] = (key, value)
        self._pairs = None

    def __getitem__(self, key: str) -> _VT:
        return self._store[key.lower()][1]

    def __delitem__(self, key: str) -> None:
        del self._store[key.lower()]
        self._pairs = None

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._store

    def __iter__(self) -> Iterator[str]:
        return (cased for cased, _ in self._store.values())

    def __len__(self) -> int:
        return len(self._store)

    # Mapping's generic methods go through __iter__ and __getitem__ key by key; headers are
    # read on every request, so these read the store directly.

    def get(self, key: str, default: Any = None) -> Any:
        """The value of ``key`` in any case, or ``default``.

        Examples:
            >>> r = httpcore_lite.get("https://httpbin.org/get")
            >>> r.headers.get("CONTENT-TYPE"), r.headers.get("X-Missing", "none")
            ('application/json', 'none')
        """
        pair = self._store.get(key.lower()) if isinstance(key, str) else None
        return default if pair is None else pair[1]

    def items(self) -> ItemsView[str, _VT]:
        """The (key, value) pairs, each key in the case it was last set in.

        Examples:
            >>> from httpcore_lite.structures import CaseInsensitiveDict
            >>> list(CaseInsensitiveDict({"Accept": "*/*", "X-Id": "7"}).items())
            [('Accept', '*/*'), ('X-Id', '7')]
        """
        return _ItemsView(self)

    def keys(self) -> KeysView[str]:
        """The keys, each in the case it was last set in.

        Examples:
            >>> from httpcore_lite.structures import CaseInsensitiveDict
            >>> h = CaseInsensitiveDict({"accept": "*/*"})
            >>> h["ACCEPT"] = "text/html"
            >>> list(h.keys())
            ['ACCEPT']
        """
        return KeysView(self)

    def values(self) -> ValuesView[_VT]:
        """The values.

        Examples:
            >>> from httpcore_lite.structures import CaseInsensitiveDict
            >>> list(CaseInsensitiveDict({"Accept": "*/*", "X-Id": "7"}).values())
            ['*/*', '7']
        """
        return _ValuesView(self)

    def pairs(self) -> tuple[tuple[str, _VT], ...]:
        """The (original key, value) pairs as a tuple, kept until the dict changes.

        The same headers go out on every request of a Session: a snapshot, hashable when
        the values are, lets callers remember what they already worked out about them.

        Examples:
            >>> from httpcore_lite.structures import CaseInsensitiveDict
            >>> CaseInsensitiveDict({"Accept": "*/*", "X-Id": "7"}).pairs()
            (('Accept', '*/*'), ('X-Id', '7'))
        """
        pairs = self._pairs
        if pairs is None:
            pairs = self._pairs = tuple(self._store.values())
        return pairs

    def update(self, other: Any = (), /, **kwargs: _VT) -> None:
        """Set the items of a mapping or of an iterable of pairs, then ``kwargs``'s; a key
        set again takes the new case.

        Examples:
            >>> from httpcore_lite.structures import CaseInsensitiveDict
            >>> h = CaseInsensitiveDict({"accept": "*/*"})
            >>> h.update({"Accept": "text/html"}, X_Id="7")
            >>> h
            {'Accept': 'text/html', 'X_Id': '7'}
        """
        self._pairs = None
        store = self._store
        if isinstance(other, CaseInsensitiveDict):
            store.update(other._store)
        else:
            pairs = other.items() if isinstance(other, Mapping) else other
            for key, value in pairs:
                store[key.lower()] = (key, value)
        for key, value in kwargs.items():
            store[key.lower()] = (key, value)

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, _VT]]) -> CaseInsensitiveDict[_VT]:
        """A dict of ``pairs``, built without per-item method calls (a later key wins).

        Examples:
            >>> from httpcore_lite.structures import CaseInsensitiveDict
            >>> CaseInsensitiveDict.from_pairs([("accept", "*/*"), ("Accept", "text/html")])
            {'Accept': 'text/html'}
        """
        new: CaseInsensitiveDict[_VT] = cls()
        new._store = {key.lower(): (key, value) for key, value in pairs}
        return new

    def lower_items(self) -> Iterator[tuple[str, _VT]]:
        """Like ``items()``, with every key in lower case.

        Examples:
            >>> from httpcore_lite.structures import CaseInsensitiveDict
            >>> list(CaseInsensitiveDict({"Content-Type": "text/plain"}).lower_items())
            [('content-type', 'text/plain')]
        """
        return ((lower, pair[1]) for lower, pair in self._store.items())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            other = CaseInsensitiveDict(other)
        else:
            return NotImplemented
        return dict(self.lower_items()) == dict(other.lower_items())

    __hash__ = None  # type: ignore[assignment]  # mutable, like dict

    def copy(self) -> CaseInsensitiveDict[_VT]:
        """A shallow copy that keeps the original case of every key.

        Examples:
            >>> from httpcore_lite.structures import CaseInsensitiveDict
            >>> h = CaseInsensitiveDict({"Accept": "*/*"})
            >>> twin = h.copy()
            >>> twin["accept"] = "text/html"
            >>> h, twin
            ({'Accept': '*/*'}, {'accept': 'text/html'})
        """
        new: CaseInsensitiveDict[_VT] = CaseInsensitiveDict()
        new._store = self._store.copy()
        new._pairs = self._pairs  # the same pairs: the snapshot holds for both
        return new

    def __repr__(self) -> str:
        return str(dict(self.items()))


class _ItemsView(ItemsView[str, _VT]):
    _mapping: CaseInsensitiveDict[_VT]

    def __iter__(self) -> Iterator[tuple[str, _VT]]:
        # The store already holds (original key, value) pairs.
        return iter(self._mapping._store.values())


class _ValuesView(ValuesView[_VT]):
    _mapping: CaseInsensitiveDict[_VT]

    def __iter__(self) -> Iterator[_VT]:
        return (value for _, value in self._mapping._store.values())

    def __contains__(self, value: object) -> bool:
        return any(v is value or v == value for _, v in self._mapping._store.values())


class LookupDict(dict[str, Any]):
    """A dict whose items can also be read as attributes; missing keys read as None.

    Examples:
        >>> from httpcore_lite.structures import LookupDict
        >>> d = LookupDict(name="codes")
        >>> d.ok = 200
        >>> d["ok"], d["missing"]
        (200, None)
    """

    def __init__(self, name: str | None = None) -> None:
        self.name = name
        super().__init__()

    def __repr__(self) -> str:
        return f"<lookup '{self.name}'>"

    def __getitem__(self, key: str) -> Any:
        # requests' LookupDict reads attributes, so that codes["ok"] works; None when absent.
        return self.__dict__.get(key, None)

    def get(self, key: str, default: Any = None) -> Any:
        """The attribute ``key``, or ``default``.

        Examples:
            >>> httpcore_lite.codes.get("teapot"), httpcore_lite.codes.get("coffee", 0)
            (418, 0)
        """
        return self.__dict__.get(key, default)
