"""The two servers of bench/compare.py: how each is started (pinned to a core or not), checked, stopped,
and how much memory it holds (RSS of the process and every child, read from /proc).
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from _common import free_port, runxin_exe, wait_healthy

PGL_DIR = Path(__file__).resolve().parent / "postgraphile"


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(child) for child in f.read().split()]
    except OSError:
        pass
    return found


def _tree(pid: int) -> list[int]:
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        if current not in found:
            found.append(current)
            stack += _children(current)
    return found


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by `pid` and its descendants."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for current in _tree(pid):
        try:
            with open(f"/proc/{current}/stat") as f:
                fields = f.read().rpartition(")")[2].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
        except (OSError, IndexError, ValueError):
            continue
    return total


def wait_quiet(servers: list[Server], *, below: float = 0.05, window: float = 0.5, timeout: float = 30.0) -> bool:
    """Wait until every server uses less than `below` of a core (its backlog and background work done)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = [server.cpu_seconds() for server in servers]
        time.sleep(window)
        used = [server.cpu_seconds() - b for server, b in zip(servers, before, strict=True)]
        if all(u < below * window for u in used):
            return True
    return False


def tree_rss_bytes(pid: int) -> int:
    """Resident memory of `pid` and all its descendants (worker processes are summed)."""
    total = 0
    for current in _tree(pid):
        try:
            with open(f"/proc/{current}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


@dataclass
class Server:
    name: str
    argv: list[str]
    env: dict[str, str]
    health_path: str
    cwd: Path | None = None
    cpus: str | None = None  # taskset CPU list, e.g. "0"
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    log: Path | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        argv = self.argv if self.cpus is None else ["taskset", "-c", self.cpus, *self.argv]
        env = {**self.env, "PORT": str(self.port)}
        # The server's output goes to a file: a pipe nobody reads fills up, and a server that logs
        # (the embedded worker does, on every write) then blocks on its next line.
        self.log = Path(tempfile.gettempdir()) / f"runxin-compare-server-{self.port}.log"
        with self.log.open("wb") as sink:
            self.process = subprocess.Popen(
                [part.replace("{port}", str(self.port)) for part in argv],
                env=env,
                cwd=self.cwd,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() ends the workers with it
            )
        wait_healthy(self.base_url, self.process, self.health_path, seconds=60, log=self.log)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)

    def rss_bytes(self) -> int:
        return tree_rss_bytes(self.process.pid) if self.process is not None else 0

    def cpu_seconds(self) -> float:
        return tree_cpu_seconds(self.process.pid) if self.process is not None else 0.0


class RssSampler:
    """The highest RSS of a server while a load runs (sampled every 0.25 s on a thread)."""

    def __init__(self, server: Server) -> None:
        self.server, self.peak = server, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.server.rss_bytes())
            self._stop.wait(0.25)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def runxin_has_workers_option(env: dict[str, str]) -> bool:
    """Does this `runxin serve` take --workers (detected from its help, so the bench follows the code)?"""
    shown = subprocess.run([runxin_exe(), "serve", "--help"], env=env, capture_output=True, text=True, check=False)
    return "--workers" in shown.stdout


def runxin_server(env: dict[str, str], *, cpus: str | None, workers: int = 1) -> Server:
    argv = [runxin_exe(), "serve", "--port", "{port}"]
    if workers > 1:
        argv += ["--workers", str(workers)]
    return Server(f"Runxin ({workers}w)" if workers > 1 else "Runxin", argv, env, "/healthz", cpus=cpus)


def pgl_node() -> str:
    node = PGL_DIR / "node_modules" / ".bin" / "node"
    return str(node)


def ensure_pgl_installed() -> None:
    """`npm ci` in bench/postgraphile when its node_modules is missing (the versions are pinned)."""
    if (PGL_DIR / "node_modules" / "postgraphile").is_dir() and Path(pgl_node()).exists():
        return
    if subprocess.run(["npm", "--version"], capture_output=True, check=False).returncode != 0:
        raise SystemExit("npm is not installed: `apt-get install -y npm` (PostGraphile is installed from the npm registry).")
    print("installing PostGraphile (npm ci in bench/postgraphile) ...")
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=PGL_DIR, check=True)


def pgl_server(database_url: str, *, cpus: str | None, workers: int = 1) -> Server:
    env = {**os.environ, "DATABASE_URL": database_url, "NODE_ENV": "production", "WORKERS": str(workers)}
    name = f"PostGraphile ({workers}w)" if workers > 1 else "PostGraphile"
    # GET /graphql without a query answers 4xx once the schema is built: that is "up".
    return Server(name, [pgl_node(), "server.mjs"], env, "/graphql", cwd=PGL_DIR, cpus=cpus)
