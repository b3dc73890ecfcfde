"""A seeded `runxin serve` in a subprocess and Debian's Chromium driven by Playwright, for the
browser tests and `make screenshots`.

Playwright's own browser download is never used: Chromium comes from Debian (`make chromium`).
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from runxin.platform.config import Settings
from runxin.tenants.tokens import token_service

RUNXIN = str(Path(sys.executable).with_name("runxin"))
CHROMIUM = os.environ.get("RUNXIN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DIST_INDEX = Path(__file__).resolve().parents[2] / "graphql" / "console" / "dist" / "index.html"


def missing_requirements() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM}: run `make chromium` (apt-get install chromium)"
    if not DIST_INDEX.exists():
        return "the console is not built: run `make console`"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is missing: run `make .venv/.installed-stamp`"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Served:
    base: str
    data_dir: Path


@contextmanager
def served_demo(data_dir: Path, scale: str = "tiny") -> Iterator[Served]:
    """Seed (once) and serve the demo database at a free port until the block ends."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNXIN_")}
    if not (data_dir / "runxin.db").exists():
        subprocess.run([RUNXIN, "seed", "--scale", scale, "--data-dir", str(data_dir)], env=env, check=True, capture_output=True)
    port = free_port()
    log = (data_dir / "serve.log").open("wb")
    server = subprocess.Popen([RUNXIN, "serve", "--port", str(port), "--data-dir", str(data_dir)], env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/healthz", timeout=0.5).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"runxin serve did not answer /healthz; see {data_dir / 'serve.log'}")
        yield Served(base, data_dir)
    finally:
        server.terminate()
        server.wait(20)
        log.close()


@contextmanager
def chromium() -> Iterator[object]:
    """A headless Debian Chromium with a fresh profile."""
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="runxin-chromium-")
    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                args=CHROMIUM_ARGS,
                headless=True,
                locale="zh-CN",
                viewport={"width": 1360, "height": 900},
                accept_downloads=True,
            )
            try:
                yield context
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def sign_in(page, base: str, kind: str, role: str) -> None:  # type: ignore[no-untyped-def]
    """Sign in through the local sign-in page as the demo user of KIND (CITY, COUNTY, SCHOOL) and ROLE."""
    page.context.clear_cookies()
    page.goto(base + "/signin")
    page.get_by_test_id(f"signin-{kind}-{role}").click()
    page.get_by_test_id("viewer").wait_for()


class Api:
    """Direct GraphQL calls with a token of our own, to compare the page with the API."""

    def __init__(self, served: Served) -> None:
        self.served = served
        self._tokens: dict[tuple[str, str], str] = {}

    def token(self, code: str, role: str = "ADMIN") -> str:
        """A token signed with the server's key set, as `runxin token` signs it (which would need an event
        loop of its own, and Playwright's sync API owns this thread's)."""
        if (code, role) not in self._tokens:
            ((tenant_id,),) = self.rows("SELECT id FROM tenant WHERE code = ?", code)
            tokens = token_service(Settings.from_env(env_file=None, data_dir=self.served.data_dir))
            self._tokens[code, role] = tokens.issue(subject=f"{role.lower()}@{code}", tenant_id=uuid.UUID(tenant_id), roles=[role], ttl_seconds=3600)
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


def demo_tree(api: Api) -> tuple[str, str, str, str]:
    """The demo's city, its first county, that county's first school and the school's next sibling."""
    ((city_id, city),) = api.rows("SELECT id, code FROM tenant WHERE kind = 'CITY' ORDER BY code LIMIT 1")
    county_id, county = api.rows("SELECT id, code FROM tenant WHERE parent_id = ? ORDER BY code LIMIT 1", city_id)[0]
    school, sibling = (code for (code,) in api.rows("SELECT code FROM tenant WHERE parent_id = ? ORDER BY code LIMIT 2", county_id))
    return city, county, school, sibling


SUBMIT = "mutation ($input: ReportSubmitInput!) { reportSubmit(input: $input) { userErrors { message } } }"
APPROVE = "mutation ($input: ReportApproveInput!) { reportApprove(input: $input) { userErrors { message } } }"
REOPEN = "mutation ($input: ReportReopenInput!) { reportReopen(input: $input) { userErrors { message } } }"
STATION = "mutation ($input: StationUpdateInput!) { stationUpdate(input: $input) { userErrors { message } } }"
NEW_STATION = "mutation ($input: StationCreateInput!) { stationCreate(input: $input) { userErrors { message } } }"
SCHOOL = "query ($code: String!) { tenant(code: $code) { id stations(first: 10) { nodes { id status } } } }"
CHANGES = "query ($code: String!, $period: String!) { tenant(code: $code) { report(period: $period) { changesSinceApproved { indicator } } } }"


def errors_of(answer: dict) -> list:  # type: ignore[type-arg]
    return next(iter(answer.values()))["userErrors"]


def resubmit_with_a_change(api: Api, county: str, school: str, period: str) -> None:
    """Approved, reopened by the county, its station suspended (or one opened, if it had none), submitted
    again: the inbox shows what changed. `school` is a central school, whose station coverage counts."""
    found = api.query(school, SCHOOL, code=school)["tenant"]
    operational = [s["id"] for s in found["stations"]["nodes"] if s["status"] == "OPERATIONAL"]
    change = (
        (school, STATION, {"id": operational[0], "status": "SUSPENDED"})
        if operational
        else (school, NEW_STATION, {"tenantId": found["id"], "name": "阳光辅导站", "kind": "SUNSHINE_STATION", "status": "OPERATIONAL",
                                    "areaM2": 24.0, "weeklyOpenHours": 10.0})
    )
    steps = [
        (school, SUBMIT, {"period": period}),
        (county, APPROVE, {"tenantIds": [found["id"]], "period": period}),
        (county, REOPEN, {"tenantId": found["id"], "period": period, "comment": "请核对辅导站状态"}),
        change,
    ]
    for code, document, values in steps:
        assert not errors_of(api.query(code, document, input=values)), (document, values)
    # The rollup follows the station within a second or so; submit once it has
    deadline = time.monotonic() + 15
    while not api.query(school, CHANGES, code=school, period=period)["tenant"]["report"]["changesSinceApproved"]:
        assert time.monotonic() < deadline, "the change did not reach the school's figures"
        time.sleep(0.2)
    assert not errors_of(api.query(school, SUBMIT, input={"period": period}))


def central_school(api: Api, county: str, *, besides: str = "", station_and_hotline: bool = False) -> str:
    """A central school of the county (its stations count toward coverage); with `station_and_hotline` one
    with an operational station and a hotline, so every section of its page has rows."""
    ((county_id,),) = api.rows("SELECT id FROM tenant WHERE code = ?", county)
    extra = (
        "AND EXISTS (SELECT 1 FROM station s WHERE s.tenant_id = t.id AND s.status = 'OPERATIONAL') "
        "AND EXISTS (SELECT 1 FROM hotline h WHERE h.tenant_id = t.id)"
        if station_and_hotline
        else ""
    )
    rows = api.rows(
        "SELECT t.code FROM tenant t JOIN school_profile p ON p.tenant_id = t.id "
        f"WHERE p.central_rank AND t.parent_id = ? AND t.code != ? {extra} ORDER BY t.code LIMIT 1",
        county_id,
        besides,
    )
    assert rows, f"no central school of {county} fits"
    return rows[0][0]
