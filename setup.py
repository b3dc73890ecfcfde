"""Package discovery for the mapped layout (see pyproject.toml).

The top-level folders are mapped into the `runxin` namespace, and setuptools cannot discover
subpackages through such a mapping, so they are listed here from the tree itself rather than by
hand: a new subpackage cannot be forgotten.
"""

from pathlib import Path

from setuptools import setup

TOP_LEVEL = ("platform", "tenants", "graphql", "workers", "cli")
ROOT = Path(__file__).parent


def mapped_packages() -> list[str]:
    packages = []
    for top in TOP_LEVEL:
        packages.append(f"runxin.{top}")
        for init in sorted((ROOT / top).rglob("__init__.py")):
            relative = init.parent.relative_to(ROOT / top)
            packages.append(".".join(["runxin", top, *relative.parts]))
    return packages


setup(packages=mapped_packages())
