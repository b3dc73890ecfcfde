"""Browser tests: a seeded demo served by `runxin serve`, Debian's Chromium driven by Playwright.

They skip with the reason locally without Chromium or a built console, and fail in CI (CI=true),
where `make test` installs both first (`make chromium`, `make console`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.harness import Api, Served, chromium, missing_requirements, served_demo
from tests.conftest import IN_CI


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    problem = missing_requirements()
    if problem:
        if IN_CI:
            pytest.fail(f"browser tests cannot run: {problem}; CI must run them.")
        pytest.skip(problem)
    with served_demo(tmp_path_factory.mktemp("console") / "data") as served:
        yield served


@pytest.fixture(scope="module")
def browser_context(served: Served) -> Iterator[Any]:
    # Per module, not per session: Playwright's sync API runs an event loop in this thread while it
    # is open, and the tests after the browser tests call asyncio.run.
    with chromium() as context:
        yield context


@pytest.fixture
def page(browser_context: Any) -> Iterator[Any]:
    page = browser_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    page.close()
    assert not errors, f"the page raised: {errors}"


@pytest.fixture(scope="session")
def api(served: Served) -> Api:
    return Api(served)
