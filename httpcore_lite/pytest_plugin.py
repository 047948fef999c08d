"""The pytest fixture ``httpcore_mock``: a strict MockAdapter that answers every request made
through httpcore_lite during one test, module-level calls included.

Enable it with ``pytest_plugins = ["httpcore_lite.pytest_plugin"]`` in your top-level
conftest.py. (No ``pytest11`` entry point: pytest would then rewrite the asserts of the whole
package in every test run of every project that has it installed.) Nothing else imports
this module, so httpcore_lite never needs pytest.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .testing import MockAdapter, mocked


@pytest.fixture
def httpcore_mock() -> Iterator[MockAdapter]:
    """Routes for this test's requests; an unmatched request raises NoMatchingRoute.

    Examples:
        >>> def test_greeting(httpcore_mock):
        ...     httpcore_mock.add("GET", "https://api.test/hello", json={"hi": "there"})
        ...     assert httpcore_lite.get("https://api.test/hello").json() == {"hi": "there"}
    """
    with mocked() as mock:
        yield mock
