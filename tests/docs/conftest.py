from __future__ import annotations

from collections.abc import Iterator

import pytest

from .world import World, running_world


@pytest.fixture(scope="session")
def world() -> Iterator[World]:
    with running_world() as world:
        yield world


@pytest.fixture
def in_world(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """The documented hosts lead to the local servers for the length of a test."""
    # (The root conftest clears REQUESTS_CA_BUNDLE; the world sets its own.)
    with world.entered():
        yield world
