"""pip-audit over the installed environment (tests/security/dependency_audit.py): CI fails on a finding.

Needs PyPI over the network. A finding fails the run until the package is upgraded, or, when no fixed
release exists yet, its advisory is listed in IGNORED with the reason. A package that could not be
audited fails too: an audit that skipped something has not passed.
"""

from __future__ import annotations

import os

import pytest
import requests

from tests.security import dependency_audit


def test_no_installed_package_has_a_known_vulnerability() -> None:
    try:
        requests.head("https://pypi.org/simple/", timeout=10)
    except requests.RequestException as exc:
        if os.environ.get("CI"):
            pytest.fail(f"the dependency audit needs PyPI and it is out of reach: {exc}")
        pytest.skip(f"PyPI is out of reach, so the dependency audit cannot run: {exc}")
    report = dependency_audit.run()
    print(f"\n{len(report.audited)} packages audited; ignored: {report.ignored or 'none'}")
    assert len(report.audited) > 20, report  # the environment was found and asked about
    assert not report.findings, "known vulnerabilities:\n" + "\n".join(report.findings)
    assert not report.not_audited, "not audited:\n" + "\n".join(report.not_audited)


def test_an_advisory_of_the_installed_release_is_a_finding() -> None:
    # The PyPI answer the service reads, as PyPI sends it: one live and one withdrawn advisory.
    live = {"id": "PYSEC-2099-1", "aliases": ["CVE-2099-1"], "summary": "bad", "fixed_in": ["9.9.9"], "withdrawn": None}
    withdrawn = {**live, "id": "PYSEC-2099-2", "withdrawn": "2099-01-01T00:00:00Z"}
    result = dependency_audit._result(live)
    assert result is not None and result.id == "PYSEC-2099-1" and "CVE-2099-1" in result.aliases
    assert [str(v) for v in result.fix_versions] == ["9.9.9"]
    assert dependency_audit._result(withdrawn) is None
