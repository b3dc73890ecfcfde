"""A throwaway PostgreSQL primary and its hot standby, for the replica tests.

The shared test server does not accept replication connections (its pg_hba has no `replication`
line, and changing that would need its administrator), so the test makes its own pair: `initdb` a
primary in a temporary directory on a free port, `pg_basebackup -R` a standby from it (streaming
WAL, `standby.signal` and `primary_conninfo` written by -R), start it on a second free port, and
stop and remove both afterwards, even when the test fails. As root the binaries run as the
`postgres` user (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BIN_CANDIDATES = ("/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin")


def postgres_bin() -> Path | None:
    """Where initdb, pg_ctl and pg_basebackup are (RUNXIN_TEST_PG_BIN, Debian's paths, or PATH)."""
    configured = os.environ.get("RUNXIN_TEST_PG_BIN")
    candidates = [configured] if configured else list(BIN_CANDIDATES)
    for candidate in candidates:
        if candidate and (Path(candidate) / "pg_basebackup").exists() and (Path(candidate) / "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    return Path(found).parent if found and shutil.which("pg_basebackup") else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Pair:
    root: Path
    primary_port: int
    standby_port: int

    def url(self, port: int, database: str, user: str = "postgres") -> str:
        return f"postgresql+asyncpg://{user}@127.0.0.1:{port}/{database}"

    def primary_url(self, database: str, user: str = "postgres") -> str:
        return self.url(self.primary_port, database, user)

    def standby_url(self, database: str, user: str = "postgres") -> str:
        return self.url(self.standby_port, database, user)


class _Runner:
    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.as_postgres = os.geteuid() == 0

    def __call__(self, tool: str, *args: str, timeout: float = 120) -> str:
        command = [str(self.bindir / tool), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=timeout, cwd="/tmp")
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
        return done.stdout

    def own(self, path: Path) -> None:
        if self.as_postgres:
            entry = pwd.getpwnam("postgres")
            os.chown(path, entry.pw_uid, entry.pw_gid)


@contextlib.contextmanager
def primary_and_standby(bindir: Path) -> Iterator[Pair]:
    """Start the pair; stop both servers and delete their directories on the way out."""
    run = _Runner(bindir)
    root = Path(tempfile.mkdtemp(prefix="runxin-pgpair-"))
    run.own(root)
    pair = Pair(root, free_port(), free_port())
    primary, standby = root / "primary", root / "standby"
    started: list[Path] = []
    try:
        run("initdb", "-D", str(primary), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C")
        settings = (
            f"port = {pair.primary_port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{root}'\n"
            "wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\nfsync = off\nshared_buffers = 32MB\n"
        )
        (primary / "postgresql.auto.conf").write_text(settings)
        run("pg_ctl", "-D", str(primary), "-l", str(root / "primary.log"), "-w", "start")
        started.append(primary)
        # The standby: a base backup of the running primary, with WAL streamed and -R's recovery settings.
        run(
            "pg_basebackup",
            "-D",
            str(standby),
            "-h",
            "127.0.0.1",
            "-p",
            str(pair.primary_port),
            "-U",
            "postgres",
            "-X",
            "stream",
            "-R",
        )
        with (standby / "postgresql.auto.conf").open("a") as conf:
            conf.write(f"port = {pair.standby_port}\n")
        run("pg_ctl", "-D", str(standby), "-l", str(root / "standby.log"), "-w", "start")
        started.append(standby)
        yield pair
    finally:
        for datadir in reversed(started):
            with contextlib.suppress(Exception):
                run("pg_ctl", "-D", str(datadir), "-m", "immediate", "-w", "stop", timeout=60)
        shutil.rmtree(root, ignore_errors=True)


def wait_until(predicate, timeout: float = 20.0, what: str = "the condition") -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)
