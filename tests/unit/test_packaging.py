"""The mapped layout: top-level folders never shadow the stdlib `platform` or graphql-core's `graphql`.

A top-level `platform/__init__.py` makes `import platform` pick up the repo's folder whenever the
repo root is on sys.path (`python -c`, `python -m pytest` from the root), and then the stdlib `uuid`
module crashes. These tests run the interpreter exactly that way.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOP_LEVEL = ("platform", "tenants", "graphql", "workers", "cli")
VENV_PYTHON = REPO / ".venv" / "bin" / "python"
# CI may install the package into another environment; the venv is the developer's default.
PYTHON = str(VENV_PYTHON) if VENV_PYTHON.exists() else sys.executable

PROBE = """
import json, sys, sysconfig
import platform, graphql
platform.system()
import graphql.language
import uuid
uuid.uuid4()
import strawberry  # imports graphql-core itself: shadowing would break it too
print(json.dumps({
    "platform": platform.__file__,
    "graphql": graphql.__file__,
    "stdlib": sysconfig.get_paths()["stdlib"],
    "path0": sys.path[0],
}))
"""


def run_from_root(code: str) -> subprocess.CompletedProcess[str]:
    # PYTHONSAFEPATH would keep the root off sys.path and hide the very problem under test.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONSAFEPATH"}
    return subprocess.run([PYTHON, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def test_stdlib_platform_and_graphql_core_win_from_the_repo_root() -> None:
    # Given the interpreter started from the repo root, with the root first on sys.path
    # When it imports platform, graphql and uuid and uses them
    result = run_from_root(PROBE)
    # Then nothing crashes, and both names resolve outside the repo
    assert result.returncode == 0, f"importing from the repo root failed:\n{result.stderr}"
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["path0"] == "", "python -c should put the working directory (the repo root) on sys.path"
    platform_file = Path(found["platform"]).resolve()
    graphql_file = Path(found["graphql"]).resolve()
    assert platform_file.is_relative_to(Path(found["stdlib"]).resolve()), platform_file
    assert not platform_file.is_relative_to(REPO / "platform")
    assert graphql_file.parent.name == "graphql" and graphql_file.name == "__init__.py"
    assert not graphql_file.is_relative_to(REPO / "graphql"), "the repo's graphql/ shadows graphql-core"
    assert "site-packages" in graphql_file.parts


@pytest.mark.parametrize("top", TOP_LEVEL)
def test_top_level_folders_have_no_init(top: str) -> None:
    # Given a top-level folder of the mapped layout
    # Then it has no __init__.py (that would make it an importable top-level package that shadows)
    assert not (REPO / top / "__init__.py").exists(), (
        f"{top}/__init__.py must not exist: the folder is mapped to runxin.{top} in pyproject.toml; "
        f"delete the file and import runxin.{top}... instead."
    )


@pytest.mark.parametrize(
    ("package", "module"),
    [("runxin.platform", "runxin.platform.config"), ("runxin.tenants", "runxin.tenants.policy")],
)
def test_runxin_packages_come_from_the_repo_folders(package: str, module: str) -> None:
    # Given the editable install
    # When the runxin packages are imported
    imported_package = importlib.import_module(package)
    imported_module = importlib.import_module(module)
    # Then they are the repo's folders, not a stale copy in site-packages
    folder = REPO / package.split(".")[1]
    assert folder.resolve() in {Path(p).resolve() for p in imported_package.__path__}
    assert Path(imported_module.__file__).resolve().is_relative_to(folder.resolve())


def test_runxin_packages_come_from_the_repo_folders_in_a_fresh_interpreter() -> None:
    # Given a fresh interpreter started from the repo root (the shadowing situation)
    code = (
        "import json, runxin.platform.config as c, runxin.tenants.policy as p; "
        "print(json.dumps([c.__file__, p.__file__]))"
    )
    # When it imports runxin.platform and runxin.tenants
    result = run_from_root(code)
    # Then they load from platform/ and tenants/
    assert result.returncode == 0, result.stderr
    config_file, policy_file = (Path(f).resolve() for f in json.loads(result.stdout.strip().splitlines()[-1]))
    assert config_file == (REPO / "platform" / "config.py").resolve()
    assert policy_file == (REPO / "tenants" / "policy.py").resolve()


# Package data that Alembic loads by file path, not an import package.
NOT_PACKAGES = {Path("platform/db/migrations"), Path("platform/db/migrations/versions")}


def test_every_source_subfolder_is_a_regular_package() -> None:
    # Given setup.py, which lists the subpackages of the mapped folders by their __init__.py
    # When a subfolder holding Python code has none
    missing = sorted(
        str(folder.relative_to(REPO))
        for top in TOP_LEVEL
        for folder in {p.parent for p in (REPO / top).rglob("*.py")}
        if folder != REPO / top
        and "__pycache__" not in folder.parts
        and folder.relative_to(REPO) not in NOT_PACKAGES
        and not (folder / "__init__.py").exists()
    )
    # Then it works in the editable install (as a namespace package) but a wheel leaves it out,
    # so the installed service fails with ModuleNotFoundError
    assert not missing, f"add an __init__.py (stating the layer) to: {', '.join(missing)}"
