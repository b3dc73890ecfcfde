"""The console's session cookie: signed, expiring, bound to its purpose."""

from __future__ import annotations

import time

import pytest

from runxin.graphql.console.session import seal, session_key, unseal

KEY = b"k" * 32


def test_a_sealed_value_opens_with_its_key_and_purpose_only() -> None:
    sealed = seal(KEY, "rx_session", {"sub": "admin@360700"}, 60)
    assert unseal(KEY, "rx_session", sealed) == {"sub": "admin@360700"}
    assert unseal(b"x" * 32, "rx_session", sealed) is None
    # A flow cookie cannot stand in for a session (and the other way round)
    assert unseal(KEY, "rx_oidc", sealed) is None


@pytest.mark.parametrize("mangle", [lambda s: s[:-1] + ("A" if s[-1] != "A" else "B"), lambda s: "x" + s, lambda s: s.replace(".", ""), lambda s: ""])
def test_a_tampered_or_missing_value_is_no_session(mangle) -> None:  # type: ignore[no-untyped-def]
    assert unseal(KEY, "rx_session", mangle(seal(KEY, "rx_session", {"a": 1}, 60))) is None
    assert unseal(KEY, "rx_session", None) is None


def test_an_expired_value_is_no_session(monkeypatch: pytest.MonkeyPatch) -> None:
    sealed = seal(KEY, "rx_session", {"a": 1}, 60)
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    assert unseal(KEY, "rx_session", sealed) is None


def test_the_key_is_made_once_and_kept_private(tmp_path) -> None:  # type: ignore[no-untyped-def]
    first = session_key(tmp_path / "data")
    assert len(first) == 32 and session_key(tmp_path / "data") == first
    assert (tmp_path / "data" / "console-session.key").stat().st_mode & 0o077 == 0
