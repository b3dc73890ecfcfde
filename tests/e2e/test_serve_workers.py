"""`runxin serve --workers N`: several processes only with shared state and a database that takes
several writers, refused before anything starts otherwise, each refusal naming what to set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from runxin.cli.serving import server_processes
from runxin.platform.config import Settings
from runxin.platform.errors import ConfigurationError

RUNXIN = str(Path(sys.executable).with_name("runxin"))
POSTGRES = "postgresql+asyncpg://runxin@127.0.0.1:5432/runxin"


def _serve(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RUNXIN_")} | env
    command = [RUNXIN, "serve", "--data-dir", str(tmp_path), "--port", "1", *args]
    return subprocess.run(command, env=clean, capture_output=True, text=True, timeout=60)


def test_several_workers_without_redis_are_refused_naming_the_key(tmp_path: Path) -> None:
    done = _serve(tmp_path, "--workers", "2", RUNXIN_DATABASE_URL=POSTGRES)
    assert done.returncode == 2
    assert "RUNXIN_REDIS_URL" in done.stderr and "--workers 2" in done.stderr


def test_several_workers_on_sqlite_are_refused_naming_postgresql(tmp_path: Path) -> None:
    done = _serve(tmp_path, "--workers", "3", RUNXIN_REDIS_URL="redis://127.0.0.1:6379/0")
    assert done.returncode == 2
    assert "PostgreSQL" in done.stderr and "RUNXIN_DATABASE_URL" in done.stderr


def test_a_configured_redis_that_does_not_answer_stops_the_start(tmp_path: Path) -> None:
    # Given a migrated embedded database, and a Redis URL where nothing listens
    subprocess.run([RUNXIN, "db", "upgrade", "--data-dir", str(tmp_path)], capture_output=True, check=True, timeout=120,
                   env={k: v for k, v in os.environ.items() if not k.startswith("RUNXIN_")})
    done = _serve(tmp_path, RUNXIN_REDIS_URL="redis://127.0.0.1:1/0")
    # Then serve stops before listening, saying what to do
    assert done.returncode == 2
    assert "RUNXIN_REDIS_URL is set but Redis does not answer" in done.stderr


def test_the_default_is_one_process_unless_state_is_shared_on_postgresql(tmp_path: Path) -> None:
    embedded = Settings.from_env(env_file=None, data_dir=tmp_path)
    assert server_processes(embedded, None) == 1
    assert server_processes(embedded.replace(redis_url="redis://127.0.0.1:6379/0"), None) == 1  # SQLite: one writer
    shared = embedded.replace(redis_url="redis://127.0.0.1:6379/0", database_url=POSTGRES)
    assert server_processes(shared, None) == max(1, os.cpu_count() or 1)
    assert server_processes(shared, 3) == 3
    assert server_processes(embedded, 1) == 1
    with pytest.raises(ConfigurationError, match="1 or more"):
        server_processes(shared, 0)
