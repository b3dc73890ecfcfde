"""The GraphQL-over-HTTP spec's own audit suite (graphql-http's `auditServer`) against a live `runxin serve`.

The suite is the npm package pinned in this folder's package.json and package-lock.json; the test
installs it with `npm ci` when node_modules is missing or older than the lock. It runs twice, as an
anonymous client and signed in (a bearer token on every request). Every MUST passes; the SHOULD
warnings are printed. The three left are the legacy `application/json` answers to requests that fail
before execution, which stay 400 on purpose (see graphql/media.py); any other warning fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.served import people, serve

HERE = Path(__file__).parent
# The SHOULDs we do not follow, by audit id, and why: application/json keeps 400 for a request that
# failed before execution (parse, validation, variable coercion), so every client sees a 4xx.
ACCEPTED_WARNINGS = {"572B", "FDE2", "7B9B"}


def node_tools() -> tuple[str, str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        if os.environ.get("CI"):
            pytest.fail("node and npm are needed for the GraphQL-over-HTTP audit (apt-get install nodejs npm)")
        pytest.skip("node and npm are not installed: the GraphQL-over-HTTP audit needs them")
    return node, npm


def install(npm: str) -> None:
    installed = HERE / "node_modules" / ".package-lock.json"
    lock = HERE / "package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE, check=True, timeout=300)


def audit(node: str, url: str, token: str | None) -> list[dict]:  # type: ignore[type-arg]
    env = {**os.environ, "RUNXIN_AUDIT_TOKEN": token or ""}
    done = subprocess.run([node, str(HERE / "audit.mjs"), url], cwd=HERE, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def server(tmp_path_factory):  # type: ignore[no-untyped-def]
    with serve(tmp_path_factory.mktemp("spec")) as served:
        yield served


@pytest.mark.parametrize("who", ["anonymous", "city ADMIN"])
def test_the_spec_audit_finds_no_must_failure(server, who: str) -> None:  # type: ignore[no-untyped-def]
    node, npm = node_tools()
    install(npm)
    token = None if who == "anonymous" else people(server)[who]
    results = audit(node, server.url, token)
    failures = [r for r in results if r["status"] == "error"]
    warnings = [r for r in results if r["status"] == "warn"]
    print(
        f"\nGraphQL-over-HTTP audit as {who}: {len(results)} audits, "
        f"{len(failures)} MUST failures, {len(warnings)} SHOULD warnings"
    )
    for warning in warnings:
        print(f"  warn {warning['id']} {warning['name']}: {warning['reason']}")
    assert len(results) > 50  # the suite ran (graphql-http 1.23 has 61 audits)
    assert not failures, json.dumps(failures, indent=1, ensure_ascii=False)
    unexpected = [w for w in warnings if w["id"] not in ACCEPTED_WARNINGS]
    assert not unexpected, json.dumps(unexpected, indent=1, ensure_ascii=False)
