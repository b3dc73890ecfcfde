"""compose.yaml starts the production topology, with settings the application accepts.

Docker is not running where the tests run (and the compose plugin may be absent), so this reads
the file instead of starting it: the services are there, wired in the right order, every file
they mount exists, and the environment they give runxin is one `Settings.from_env` accepts and
points each URL at the service it names.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from runxin.platform.config import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]
RUNXIN = ("api1", "api2", "worker")


def test_the_topology_is_all_there() -> None:
    assert set(SERVICES) == {"postgres", "postgres-replica", "rabbitmq", "redis", "migrate", "api1", "api2", "worker", "lb"}
    assert SERVICES["api1"]["command"][:2] == SERVICES["api2"]["command"][:2] == ["runxin", "serve"]
    assert SERVICES["worker"]["command"][:2] == ["runxin", "worker"]
    assert SERVICES["migrate"]["command"] == ["runxin", "db", "upgrade"]


@pytest.mark.parametrize("service", RUNXIN)
def test_runxin_starts_after_the_migrations_and_the_services(service: str) -> None:
    depends = SERVICES[service]["depends_on"]
    assert depends["migrate"]["condition"] == "service_completed_successfully"
    for needed in ("postgres-replica", "rabbitmq", "redis"):
        assert depends[needed]["condition"] == "service_healthy"
    assert SERVICES["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


@pytest.mark.parametrize("service", RUNXIN)
def test_the_settings_are_accepted_and_point_at_the_services(service: str, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    environment = {key: str(value) for key, value in SERVICES[service]["environment"].items()}
    for key in list(os.environ):
        if key.startswith("RUNXIN_"):
            monkeypatch.delenv(key)
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("RUNXIN_DATA_DIR", str(tmp_path))  # the container's path does not exist here
    settings = Settings.from_env(env_file=None)
    assert urlsplit(settings.database_url).hostname == "postgres"
    assert urlsplit(settings.database_replica_url).hostname == "postgres-replica"
    assert urlsplit(settings.database_url).username == "runxin_app"  # row-level security applies
    assert urlsplit(settings.broker_url).hostname == "rabbitmq" and settings.rabbitmq_quorum
    assert urlsplit(settings.redis_url).hostname == "redis"
    assert settings.production
    read = set(re.findall(r'"(RUNXIN_[A-Z0-9_]+)"', (ROOT / "platform" / "config.py").read_text()))
    assert set(environment) <= read, f"settings no code reads: {sorted(set(environment) - read)}"


def test_the_api_processes_share_the_signing_keys() -> None:
    mounts = [set(SERVICES[name]["volumes"]) for name in ("api1", "api2")]
    assert mounts[0] == mounts[1] and any(m.endswith(":/var/lib/runxin") for m in mounts[0])


def test_the_load_balancer_sends_to_both_api_processes() -> None:
    conf = (ROOT / "infra" / "compose" / "nginx.conf").read_text()
    upstream = set(re.findall(r"server (api\d):(\d+)", conf))
    ports = {str(SERVICES[name]["command"][SERVICES[name]["command"].index("--port") + 1]) for name in ("api1", "api2")}
    assert upstream == {("api1", port) for port in ports} | {("api2", port) for port in ports}


def test_the_replica_is_a_streaming_standby_of_the_primary() -> None:
    script = (ROOT / "infra" / "compose" / "postgres-replica.sh").read_text()
    assert re.search(r"pg_basebackup -h postgres .*-X stream -R", script)
    init = (ROOT / "infra" / "compose" / "postgres-init.sh").read_text()
    assert "REPLICATION" in init and "host replication replicator" in init
    assert "NOBYPASSRLS" in init
    assert "wal_level=replica" in SERVICES["postgres"]["command"]


def test_rabbitmq_defaults_to_quorum_queues() -> None:
    version = re.match(r"rabbitmq:(\d+)\.(\d+)", SERVICES["rabbitmq"]["image"])
    assert version and (int(version[1]), int(version[2])) >= (3, 10)  # quorum queues with message TTL
    definitions = json.loads((ROOT / "infra" / "compose" / "rabbitmq-definitions.json").read_text())
    assert definitions["vhosts"][0]["metadata"]["default_queue_type"] == "quorum"


def test_every_mounted_file_exists() -> None:
    for name, service in SERVICES.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).is_file(), f"{name} mounts {source}, which is not in the repository"


def test_docker_compose_accepts_the_file_where_it_is_installed() -> None:
    # `config` validates against the Compose schema without a Docker daemon.
    import shutil
    import subprocess

    for command in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(command[0]) is None:
            continue
        if subprocess.run([*command, "version"], capture_output=True, check=False).returncode != 0:
            continue  # the Docker client without its compose plugin
        done = subprocess.run([*command, "-f", str(ROOT / "compose.yaml"), "config", "-q"], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        return
    pytest.skip("neither `docker compose` nor docker-compose is installed; the checks above stand in for it")
