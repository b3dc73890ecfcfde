"""The README's demo, for real: `runxin demo` in a subprocess, its printed tokens and example query
sent over a real HTTP connection."""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

JWT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def demo(tmp_path: Path):  # type: ignore[no-untyped-def]
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNXIN_")}
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("runxin")), "demo", "--scale", "tiny", "--port", str(port), "--data-dir", str(tmp_path / "data")],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"demo exited {process.returncode}: {process.stderr.read()}")  # type: ignore[union-attr]
            try:
                if httpx.get(base + "/healthz", timeout=0.5).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            pytest.fail("the demo server did not answer /healthz within 60 s")
        process.terminate()
        stdout, _ = process.communicate(timeout=20)
        # Serve again from the same data directory to query it (the demo reuses its database).
        yield stdout, tmp_path, env
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_demo_prints_tokens_and_an_example_that_answers_with_the_right_scope(demo) -> None:  # type: ignore[no-untyped-def]
    stdout, tmp_path, env = demo
    lines = stdout.splitlines()
    tokens = [line for line in lines if JWT.match(line)]
    assert len(tokens) == 3, stdout
    # The web console's address and its demo users (the same city, county and school as the tokens)
    console_line = next(line for line in lines if "sign in as a demo user" in line)
    assert "http://127.0.0.1:" in console_line and console_line.split()[1].endswith("/")
    assert [line.split()[0] for line in lines if line.endswith("ADMIN or DATA_OFFICER")] == ["city", "county", "school"]
    curl = next(line for line in lines if line.lstrip().startswith("-d "))
    example = json.loads(shlex.split(curl.strip())[1])
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("runxin")), "serve", "--port", str(port), "--data-dir", str(tmp_path / "data")],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                if httpx.get(base + "/healthz", timeout=0.5).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        answers = []
        for token in tokens:
            response = httpx.post(base + "/graphql", json=example, headers={"Authorization": f"Bearer {token}"}, timeout=30)
            assert response.status_code == 200, response.text
            body = response.json()
            assert "errors" not in body, body
            answers.append(body["data"])
        city, county, school = answers
        assert [a["viewer"]["tenant"]["kind"] for a in answers] == ["CITY", "COUNTY", "SCHOOL"]
        # The city and the county see schools; the school has none under it
        assert city["tenants"]["nodes"] and county["tenants"]["nodes"]
        assert school["tenants"]["nodes"] == []
        # The county's schools are its own: each lies under it
        scope_query = '{ tenants(kind: SCHOOL, first: 100) { nodes { parent { code } } } }'
        response = httpx.post(base + "/graphql", json={"query": scope_query}, headers={"Authorization": f"Bearer {tokens[1]}"}, timeout=30)
        parents = {n["parent"]["code"] for n in response.json()["data"]["tenants"]["nodes"]}
        assert parents == {county["viewer"]["tenant"]["code"]}
    finally:
        server.terminate()
        server.wait(10)
