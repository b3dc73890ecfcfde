"""The signing key set: rotation keeps old tokens valid, prune drops them, the JWKS is public only,
and two processes creating the set at once agree on it."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
import uuid
from pathlib import Path

import pytest

from runxin.platform.errors import PermissionDenied
from runxin.tenants import tokens
from runxin.tenants.tokens import KeyRing, TokenService, load_or_create_key, load_or_create_keys, prune_keys, rotate_keys

ISSUER, AUDIENCE = "runxin-test", "runxin-api"
TENANT = uuid.UUID("0190f5a0-0000-7000-8000-000000000001")


def _service(path: Path, legacy: Path | None = None) -> TokenService:
    return TokenService(KeyRing(path, legacy_path=legacy), ISSUER, AUDIENCE, 900)


def _issue(service: TokenService) -> str:
    return service.issue(subject="u", tenant_id=TENANT, roles=["VIEWER"])


def test_rotation_keeps_old_tokens_valid_and_new_key_signs(tmp_path: Path) -> None:
    # Given a running service that has issued a token
    path = tmp_path / "keys.json"
    running = _service(path)
    old_token = _issue(running)
    old_kid = running.keys.signing_key.kid
    # When another process rotates the keys
    new = rotate_keys(path)
    # Then a fresh process signs with the new key and still accepts the old token
    fresh = _service(path)
    assert fresh.keys.signing_key.kid == new.key.kid != old_kid
    assert fresh.verify(old_token).tenant_id == TENANT
    # And the running process accepts a token of the new key at once (unknown kid: it re-reads the file)
    assert running.verify(_issue(fresh)).subject == "u"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_prune_drops_old_keys_and_their_tokens(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    service = _service(path)
    old_token = _issue(service)
    created = load_or_create_keys(path)[0].created_at
    rotate_keys(path, now=created + 10)
    # Pruning keys younger than the cutoff drops nothing
    assert prune_keys(path, older_than_seconds=3600, now=created + 20) == []
    # Pruning after the cutoff drops the old key, never the signing key
    dropped = prune_keys(path, older_than_seconds=60, now=created + 4000)
    assert len(dropped) == 1 and len(load_or_create_keys(path)) == 1
    with pytest.raises(PermissionDenied, match="invalid_key_id"):
        _service(path).verify(old_token)
    assert prune_keys(path, older_than_seconds=0, now=created + 10**6) == []  # the last key always stays


def test_jwks_exposes_public_keys_only(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    ring = KeyRing(path)
    rotate_keys(path)
    ring.refresh(min_interval=0)
    jwks = ring.public_jwks()
    assert len(jwks["keys"]) == 2
    for key in jwks["keys"]:
        assert "d" not in key
        assert key["kty"] == "EC" and key["alg"] == "ES256" and key["use"] == "sig" and key["kid"]
    assert jwks["keys"][0]["kid"] == ring.signing_key.kid  # newest first


def test_existing_single_key_is_taken_over(tmp_path: Path) -> None:
    # Given a data directory of an earlier version, with one signing key and a token it signed
    legacy = tmp_path / "signing-key.json"
    token = TokenService(load_or_create_key(legacy), ISSUER, AUDIENCE, 900).issue(subject="u", tenant_id=TENANT, roles=[])
    # When the key set is created
    service = _service(tmp_path / "keys.json", legacy)
    # Then the old key is its first key and the old token still verifies
    assert service.keys.signing_key.kid == load_or_create_key(legacy).kid
    assert service.verify(token).tenant_id == TENANT


def test_concurrent_first_creation_agrees(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a process that is publishing its new set when another process publishes first
    path = tmp_path / "keys.json"
    real_publish = tokens._publish
    other: list[list[tokens.StoredKey]] = []

    def publish_after_another(target, keys, *, replace):  # type: ignore[no-untyped-def]
        if not other and not replace:
            monkeypatch.setattr(tokens, "_publish", real_publish)
            other.append(load_or_create_keys(target))
        return real_publish(target, keys, replace=replace)

    monkeypatch.setattr(tokens, "_publish", publish_after_another)
    mine = load_or_create_keys(path)
    on_disk = load_or_create_keys(path)
    # Then both use the set that is on disk
    assert [k.key.thumbprint() for k in mine] == [k.key.thumbprint() for k in on_disk] == [k.key.thumbprint() for k in other[0]]
    assert [p.name for p in tmp_path.iterdir()] == ["keys.json"]


def _create_and_report(path: str, queue) -> None:  # type: ignore[no-untyped-def]
    queue.put([k.key.thumbprint() for k in load_or_create_keys(Path(path))])


def test_processes_starting_together_agree(tmp_path: Path) -> None:
    # Given eight processes that create the key set at the same moment
    path = tmp_path / "keys.json"
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = [context.Process(target=_create_and_report, args=(str(path), queue)) for _ in range(8)]
    for w in workers:
        w.start()
    results = [queue.get(timeout=60) for _ in workers]
    for w in workers:
        w.join(timeout=60)
    # Then all of them ended with the one set on disk
    assert len({tuple(r) for r in results}) == 1
    assert results[0] == [k["jwk"] and tokens.ECKey.import_key(k["jwk"]).thumbprint() for k in json.loads(path.read_text())["keys"]]
    assert os.stat(path).st_nlink == 1
