"""The dependency audit: pip-audit over the installed environment, against PyPI's advisories.

pip-audit's PyPI service asks `https://pypi.org/pypi/<name>/<version>/json` for each installed
release. Where that per-release API is not reachable but the project API (`/pypi/<name>/json`) is,
as behind some package mirrors, this service falls back to the project API, whose `vulnerabilities`
are those of the newest release: exact when the installed release is the newest. An older release
that neither API can answer for is reported as not audited (the caller fails on it), never passed.

Run as `python -m tests.security.dependency_audit` for the table; tests/security/ runs it in CI.
pip-audit's Python API is not a stable one (its modules are underscored): pyproject pins the minor
version, and the test fails loudly if the names move.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import cast

import requests
from packaging.version import InvalidVersion, Version
from pip_audit._dependency_source import PipSource
from pip_audit._service import PyPIService, ResolvedDependency, SkippedDependency, VulnerabilityResult
from pip_audit._service.interface import Dependency, ServiceError

# Advisories accepted with a reason, by id (PYSEC-/GHSA-/CVE-): only for a finding that has no fixed
# release yet, with the reason it does not reach us. Empty: nothing is accepted today.
IGNORED: dict[str, str] = {}
# Installed but not published on PyPI, so there is nothing to audit: this project itself.
UNPUBLISHED = {"runxin"}


class ProjectFallbackService(PyPIService):
    """PyPI's per-release advisories, or the project API's when it describes the installed release."""

    def query(self, spec: Dependency) -> tuple[Dependency, list[VulnerabilityResult]]:
        dependency, results = super().query(spec)
        if not dependency.is_skipped() or spec.is_skipped():
            return dependency, results
        spec = cast(ResolvedDependency, spec)
        try:
            response = self.session.get(f"https://pypi.org/pypi/{spec.canonical_name}/json", timeout=self.timeout)
            if response.status_code == 404:
                return SkippedDependency(name=spec.name, skip_reason=f"{spec.canonical_name} is not published on PyPI"), []
            response.raise_for_status()
        except requests.RequestException as exc:
            raise ServiceError(f"PyPI's project API did not answer for {spec.canonical_name}: {exc}") from exc
        project = response.json()
        newest = project["info"]["version"]
        if Version(newest) != spec.version:
            reason = (
                f"{spec.canonical_name} {spec.version} is not the newest release ({newest}) and PyPI's per-release "
                "advisories are out of reach: upgrade it, or audit where pypi.org/pypi/<name>/<version>/json answers"
            )
            return SkippedDependency(name=spec.name, skip_reason=reason), []
        return spec, [result for advisory in project.get("vulnerabilities") or [] if (result := _result(advisory))]


def _result(advisory: dict) -> VulnerabilityResult | None:  # type: ignore[type-arg]
    if advisory.get("withdrawn") is not None:
        return None
    try:
        fixes = sorted(Version(v) for v in advisory.get("fixed_in") or [])
    except InvalidVersion as exc:
        raise ServiceError(f"PyPI sent a malformed version in {advisory.get('id')}: {advisory.get('fixed_in')}") from exc
    description = (advisory.get("summary") or advisory.get("details") or "N/A").replace("\n", " ")
    return VulnerabilityResult.create(
        ids=[advisory["id"], *advisory.get("aliases", [])], description=description, fix_versions=fixes, published=None
    )


@dataclass
class Report:
    audited: list[str]
    findings: list[str]  # "name version id: description (fixed in ...)"
    ignored: list[str]
    not_audited: list[str]


def run() -> Report:
    """Audit every package installed in this environment."""
    service = ProjectFallbackService(timeout=30)
    report = Report([], [], [], [])
    for dependency, results in service.query_all(iter(PipSource(local=True, skip_editable=True).collect())):
        if dependency.is_skipped():
            if dependency.canonical_name not in UNPUBLISHED:
                report.not_audited.append(f"{dependency.name}: {cast(SkippedDependency, dependency).skip_reason}")
            continue
        resolved = cast(ResolvedDependency, dependency)
        report.audited.append(f"{resolved.name} {resolved.version}")
        for result in results:
            fixed = ", ".join(map(str, result.fix_versions)) or "no release yet"
            line = f"{resolved.name} {resolved.version} {result.id}: {result.description[:160]} (fixed in {fixed})"
            ids = {result.id, *result.aliases}
            if ids & IGNORED.keys():
                report.ignored.append(f"{line} - ignored: {IGNORED[min(ids & IGNORED.keys())]}")
            else:
                report.findings.append(line)
    return report


def main() -> int:
    report = run()
    print(
        f"{len(report.audited)} packages audited, {len(report.findings)} findings, "
        f"{len(report.ignored)} ignored, {len(report.not_audited)} not audited"
    )
    for line in report.findings + report.ignored + report.not_audited:
        print("  " + line)
    return 1 if report.findings or report.not_audited else 0


if __name__ == "__main__":
    sys.exit(main())
