"""The load generator of bench/compare.py: wrk (Debian's package) with a Lua script for GraphQL POSTs.

wrk is a C event loop that one thread drives at tens of thousands of requests a second, far above
what either server does here, so the figures are the servers' and not the client's. The Lua script
(`wrk_graphql.lua`) cycles through a list of requests (Q4: write, read, write, read) and prints one
`WRK_JSON {...}` line with the latency percentiles; `parse_wrk` reads it and checks it against
wrk's own "Requests/sec" line.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).resolve().with_name("wrk_graphql.lua")


@dataclass(frozen=True)
class Request:
    body: dict
    token: str | None = None
    path: str = "/graphql"


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    bad: int  # answers that were not 200, or carried GraphQL errors
    wrk_errors: int  # connect/read/write/timeout errors and HTTP statuses above 399

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def wrk_path() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is not installed: `apt-get install -y wrk` (or `make bench-compare`, which installs it).")
    return found


def _lua_string(text: str) -> str:
    level = 0
    while f"]{'=' * level}]" in text:
        level += 1
    return f"[{'=' * level}[{text}]{'=' * level}]"


def write_spec(requests: list[Request], path: Path) -> Path:
    """The Lua spec file the wrk script reads: the requests to cycle through."""
    entries = []
    for request in requests:
        headers = {"Content-Type": "application/json"}
        if request.token:
            headers["Authorization"] = f"Bearer {request.token}"
        header_items = ", ".join(f"[ {_lua_string(k)} ] = {_lua_string(v)}" for k, v in headers.items())
        body = json.dumps(request.body, ensure_ascii=False, separators=(",", ":"))
        entries.append(f"  {{path = {_lua_string(request.path)}, headers = {{{header_items}}}, body = {_lua_string(body)}}},")
    path.write_text("return {\n" + "\n".join(entries) + "\n}\n", encoding="utf-8")
    return path


def run_wrk(
    base_url: str, spec: Path, *, seconds: float, connections: int, threads: int = 1, cpus: str | None = None
) -> WrkResult:
    """Drive `base_url` with the requests of `spec` for `seconds` at `connections` connections."""
    argv = [wrk_path(), f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "30s", "--latency"]
    argv += ["-s", str(SCRIPT), base_url, "--", str(spec)]
    if cpus is not None:
        argv = ["taskset", "-c", cpus, *argv]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    return parse_wrk(done.stdout)


def parse_wrk(output: str) -> WrkResult:
    """Read wrk's output with the script's WRK_JSON line; refuse output that is not wrk's."""
    match = re.search(r"^WRK_JSON (\{.*\})$", output, re.MULTILINE)
    if match is None:
        raise ValueError("no WRK_JSON line in the wrk output: was it run with bench/wrk_graphql.lua?\n" + output[-2000:])
    figures = json.loads(match.group(1))
    result = WrkResult(
        requests=figures["requests"],
        seconds=figures["duration_us"] / 1e6,
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        bad=figures["bad"],
        wrk_errors=figures["wrk_errors"],
    )
    # wrk's own summary must agree with the script's figures (same run, same counters).
    stated = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    if stated is None:
        raise ValueError("no 'Requests/sec:' line in the wrk output")
    if abs(float(stated.group(1)) - result.per_second) > max(0.5, 0.01 * result.per_second):
        raise ValueError(f"wrk says {stated.group(1)} req/s but the script counted {result.per_second:.2f}")
    return result
