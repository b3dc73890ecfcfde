"""Dependencies point one way: graphql and workers → tenants → platform (import-linter contracts).

Why this file does more than run `lint-imports`: the folders are mapped into the `runxin`
namespace (platform/ is `runxin.platform`), and grimp, which builds import-linter's graph, finds
packages by directory. With the contract as first written (root package `runxin`, one `layers`
contract) it analysed no module at all, and a contract over no modules is kept: a green run proved
nothing. pyproject.toml now names the five portions as roots and uses `forbidden` contracts with
wildcards (the reasons are in its comment). So that a silent zero cannot come back, these tests
also check that the linter really looked at every module of every layer, and that each contract
does break when an upward import is added to the graph it analyses (in memory: writing a module
into the source tree to prove it would be too invasive while others work in it).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import grimp
import pytest
from importlinter import api as importlinter_api
from importlinter.contracts.forbidden import ForbiddenContract

REPO = Path(__file__).resolve().parents[2]
LAYERS = ("platform", "tenants", "graphql", "workers", "cli")
# These two always hold code; the others may still be empty folders.
NEVER_EMPTY = ("platform", "tenants")
SEARCH_LINE = re.compile(r"Searching for import chains from (\S+) to (\S+?)\.\.\.")


def lint_imports_executable() -> str:
    beside_python = Path(sys.executable).parent / "lint-imports"
    return str(beside_python) if beside_python.exists() else "lint-imports"


def source_modules(layer: str) -> set[str]:
    """Modules Python imports from a layer folder: its own files and its regular packages."""
    top = REPO / layer
    found: set[str] = set()
    for path in top.rglob("*.py"):
        parts = path.relative_to(top).parts
        folders = parts[:-1]
        # Below the top folder only regular packages count (db/migrations is package data that
        # Alembic loads by file path, not a package).
        if any(not (top.joinpath(*folders[: i + 1]) / "__init__.py").exists() for i in range(len(folders))):
            continue
        if not all(part.isidentifier() for part in folders) or path.stem.count(".") or "__pycache__" in parts:
            continue
        names = [*folders] if path.stem == "__init__" else [*folders, path.stem]
        found.add(".".join(["runxin", layer, *names]))
    return found


@pytest.fixture(scope="module")
def lint_report() -> subprocess.CompletedProcess[str]:
    env = os.environ | {"COLUMNS": "1000", "NO_COLOR": "1", "TERM": "dumb"}  # no wrapped lines to parse
    return subprocess.run(
        [lint_imports_executable(), "--no-cache", "--verbose"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_contracts_are_kept(lint_report: subprocess.CompletedProcess[str]) -> None:
    # Given the contracts in pyproject.toml
    # When lint-imports checks the repo
    # Then every contract is kept
    if lint_report.returncode != 0:
        pytest.fail(f"import-linter reports broken layers:\n{lint_report.stdout}\n{lint_report.stderr}")
    contracts = importlinter_api.read_configuration(str(REPO / "pyproject.toml"))["contracts_options"]
    assert f"Contracts: {len(contracts)} kept, 0 broken." in lint_report.stdout, lint_report.stdout


def test_linter_analysed_every_module_of_every_layer(lint_report: subprocess.CompletedProcess[str]) -> None:
    # Given the verbose report, which names each pair of modules it searched between
    analysed: dict[str, set[str]] = defaultdict(set)
    for importer, imported in SEARCH_LINE.findall(lint_report.stdout):
        for module in (importer, imported):
            parts = module.split(".")
            if parts[0] == "runxin" and len(parts) > 2:
                analysed[parts[1]].add(module)
    # Then every module on disk of every layer took part (a mapping grimp misreads shows up as
    # missing modules here, not as a green run over nothing)
    for layer in NEVER_EMPTY:
        assert analysed[layer], f"import-linter analysed no module of runxin.{layer}:\n{lint_report.stdout[-3000:]}"
    for layer in LAYERS:
        missing = source_modules(layer) - analysed[layer]
        assert not missing, f"import-linter did not analyse these modules of runxin.{layer}: {sorted(missing)}"


def test_every_contract_breaks_on_an_upward_import() -> None:
    # Given the configuration and the real graph of the repo, built the way lint-imports builds it
    options = importlinter_api.read_configuration(str(REPO / "pyproject.toml"))
    session_options = options["session_options"]
    assert options["contracts_options"], "pyproject.toml declares no import-linter contract"
    for contract_options in options["contracts_options"]:
        assert contract_options["type"] == "forbidden", (
            f"contract {contract_options['name']!r} is of type {contract_options['type']}: "
            "extend this proof for it"
        )
        contract = ForbiddenContract(
            name=contract_options["name"], session_options=session_options, contract_options=contract_options
        )
        graph = grimp.build_graph(*session_options["root_packages"], cache_dir=None)
        assert contract.check(graph, verbose=False).kept, f"{contract.name} is broken on the real repo"
        # When a module of its source layer imports a module of a layer above it
        source_package = _package_of(contract_options["source_modules"][0])
        target_package = _package_of(contract_options["forbidden_modules"][0])
        importer = next(iter(sorted(graph.find_matching_modules(f"{source_package}.**"))), f"{source_package}.probe")
        imported = f"{target_package}.upward_probe"
        graph.add_module(importer)
        graph.add_module(imported)
        graph.add_import(importer=importer, imported=imported, line_number=1, line_contents=f"import {imported}")
        # Then the contract is broken
        assert not contract.check(graph, verbose=False).kept, (
            f"{contract.name!r} stays kept although {importer} imports {imported}: it checks nothing"
        )


def _package_of(expression: str) -> str:
    assert expression.endswith(".**"), f"expected a 'package.**' expression, got {expression!r}"
    return expression.removesuffix(".**")
