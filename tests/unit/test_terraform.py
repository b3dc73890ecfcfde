"""The Terraform modules are wired together correctly, and name only settings the application reads.

`terraform validate` needs the providers, which `terraform init` downloads from a registry this
project cannot reach, so this test stands in for the part of it that needs no provider: every
module call passes only declared variables and every required one, every `module.X.Y` names an
output of X, every `var.X` a declared variable, every variable and output says what it is, and
every RUNXIN_* setting a task is given is one `Settings.from_env` reads. Checkov (`make
infra-check`) checks the resources themselves.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import hcl2
import pytest

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "infra" / "terraform"
MODULES = sorted(p for p in (TERRAFORM / "modules").iterdir() if p.is_dir())
ROOTS = [TERRAFORM / "province"]


def _text(directory: Path) -> str:
    """The module's HCL without comments (a reference in a comment is no reference)."""
    source = "\n".join(p.read_text() for p in sorted(directory.glob("*.tf")))
    return re.sub(r"(?m)^\s*#.*$|\s#[^\"\n]*$", "", source)


def _plain(value: object) -> object:
    """python-hcl2 releases differ: some wrap values in one-item lists, some keep the quotes."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return value


_META = ("__start_line__", "__end_line__", "__is_block__")


@functools.cache
def _parsed(path: Path) -> dict:  # type: ignore[type-arg]
    with path.open() as handle:
        return hcl2.load(handle)


def _blocks(directory: Path, kind: str) -> dict[str, dict]:  # type: ignore[type-arg]
    found: dict[str, dict] = {}  # type: ignore[type-arg]
    for path in sorted(directory.glob("*.tf")):
        for block in _parsed(path).get(kind, []):
            for name, body in block.items():
                found[str(_plain(name))] = {str(_plain(k)): _plain(v) for k, v in body.items() if _plain(k) not in _META}
    return found


def variables(directory: Path) -> dict[str, dict]:  # type: ignore[type-arg]
    return _blocks(directory, "variable")


def outputs(directory: Path) -> dict[str, dict]:  # type: ignore[type-arg]
    return _blocks(directory, "output")


@pytest.mark.parametrize("directory", MODULES + ROOTS, ids=lambda p: p.name)
def test_every_variable_and_output_is_described_and_every_var_is_declared(directory: Path) -> None:
    declared = variables(directory)
    for name, body in {**declared, **outputs(directory)}.items():
        assert body.get("description"), f"{directory.name}: {name} has no description"
    used = set(re.findall(r"\bvar\.([a-z_][a-z0-9_]*)", _text(directory)))
    assert used <= set(declared), f"{directory.name} uses undeclared variables: {sorted(used - set(declared))}"
    assert set(declared) <= used, f"{directory.name} declares variables it never uses: {sorted(set(declared) - used)}"


@pytest.mark.parametrize("root", ROOTS, ids=lambda p: p.name)
def test_module_calls_match_the_modules(root: Path) -> None:
    calls = _blocks(root, "module")
    assert calls, f"{root.name} calls no module"
    text = _text(root)
    for call, arguments in calls.items():
        source = (root / arguments["source"]).resolve()
        assert source.is_dir(), f"module {call}: no module at {arguments['source']}"
        declared = variables(source)
        passed = {key for key in arguments if key != "source"}
        assert passed <= set(declared), f"module {call} passes undeclared {sorted(passed - set(declared))}"
        required = {name for name, body in declared.items() if "default" not in body}
        assert required <= passed, f"module {call} misses required {sorted(required - passed)}"
    for call, output in re.findall(r"\bmodule\.([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)", text):
        assert call in calls, f"module.{call} is referenced but never called"
        source = (root / calls[call]["source"]).resolve()
        assert output in outputs(source), f"module.{call}.{output} is not an output of {calls[call]['source']}"


def test_every_module_is_used_by_the_province() -> None:
    sources = {(TERRAFORM / "province" / body["source"]).resolve() for body in _blocks(TERRAFORM / "province", "module").values()}
    assert set(MODULES) == sources, f"modules no root uses: {sorted(p.name for p in set(MODULES) - sources)}"


def _settings_read() -> set[str]:
    return set(re.findall(r'"(RUNXIN_[A-Z0-9_]+)"', (ROOT / "platform" / "config.py").read_text()))


def test_the_tasks_get_only_settings_the_application_reads() -> None:
    given: set[str] = set()
    for directory in MODULES + ROOTS:
        given |= set(re.findall(r"\b(RUNXIN_[A-Z0-9_]+)\s*=", _text(directory)))
    assert {"RUNXIN_DATABASE_URL", "RUNXIN_DATABASE_REPLICA_URL", "RUNXIN_BROKER_URL", "RUNXIN_REDIS_URL"} <= given
    assert given <= _settings_read(), f"settings no code reads: {sorted(given - _settings_read())}"


def test_production_turns_on_quorum_queues_and_the_replica() -> None:
    province = _text(TERRAFORM / "province")
    assert re.search(r'RUNXIN_RABBITMQ_QUORUM\s*=\s*"true"', province)
    assert re.search(r'RUNXIN_MODE\s*=\s*"production"', province)
    assert 'deployment_mode            = "CLUSTER_MULTI_AZ"' in (TERRAFORM / "modules" / "broker" / "main.tf").read_text()


def test_the_tasks_run_commands_the_cli_has() -> None:
    cli = (ROOT / "cli" / "main.py").read_text()
    commands = set()
    for directory in MODULES:
        commands |= set(re.findall(r'command\s*=\s*\["runxin",\s*"([a-z-]+)"', _text(directory)))
    assert commands == {"serve", "worker", "db"}
    for command in commands:
        assert re.search(rf"def {command}\(|name=\"{command}\"|add_typer\(.*\"{command}\"", cli), (
            f"runxin {command} is not a command"
        )
