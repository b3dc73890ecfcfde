"""Browser tests: a seeded demo served by `runxin serve`, Debian's Chromium driven by Playwright.

They skip with the reason locally without Chromium or a built console, and fail in CI (CI=true),
where `make test` installs both first (`make chromium`, `make console`).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.harness import RUNXIN, Served, chromium, missing_requirements, served_demo
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


@pytest.fixture(scope="session")
def browser_context(served: Served) -> Iterator[Any]:
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


class Api:
    """Direct GraphQL calls with a token of our own, to compare the page with the API."""

    def __init__(self, served: Served) -> None:
        self.served = served
        self._tokens: dict[tuple[str, str], str] = {}

    def token(self, code: str, role: str = "ADMIN") -> str:
        # `runxin token`, as an operator would: Playwright's sync API owns this thread's event loop.
        if (code, role) not in self._tokens:
            env = {k: v for k, v in os.environ.items() if not k.startswith("RUNXIN_")}
            command = [RUNXIN, "token", "--tenant", code, "--role", role, "--ttl", "3600", "--data-dir", str(self.served.data_dir)]
            self._tokens[code, role] = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout.strip()
        return self._tokens[code, role]

    def query(self, as_tenant: str, document: str, role: str = "ADMIN", **variables: Any) -> dict[str, Any]:
        answer = httpx.post(
            self.served.base + "/graphql",
            json={"query": document, "variables": variables},
            headers={"Authorization": f"Bearer {self.token(as_tenant, role)}"},
            timeout=30,
        )
        body = answer.json()
        assert "errors" not in body, body
        return body["data"]

    def rows(self, sql: str, *params: object) -> list[tuple]:
        with sqlite3.connect(self.served.data_dir / "runxin.db") as conn:
            return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="session")
def api(served: Served) -> Api:
    return Api(served)
