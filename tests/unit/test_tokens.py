"""Locally signed access tokens: what is accepted, what is refused and how, and the key on disk."""

from __future__ import annotations

import base64
import json
import stat
import time
import uuid
from pathlib import Path

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from runxin.platform.errors import PermissionDenied
from runxin.tenants import tokens
from runxin.tenants.tokens import TokenService, load_or_create_key

ISSUER, AUDIENCE = "runxin-test", "runxin-api"
TENANT = uuid.UUID("0190f5a0-0000-7000-8000-000000000001")


@pytest.fixture(scope="module")
def key() -> ECKey:
    return ECKey.generate_key("P-256", auto_kid=True)


@pytest.fixture
def service(key: ECKey) -> TokenService:
    return TokenService(key, ISSUER, AUDIENCE, ttl_seconds=900)


def _b64(data: dict) -> str:  # type: ignore[type-arg]
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _payload(token: str) -> dict:  # type: ignore[type-arg]
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_issue_and_verify_round_trip(service: TokenService) -> None:
    # Given a token issued for a data officer of a tenant, with scopes
    token = service.issue(subject="user-1", tenant_id=TENANT, roles=["VIEWER", "DATA_OFFICER"], scopes=["staff:read"])
    # When it is verified
    claims = service.verify(token)
    # Then every claim comes back
    assert claims.subject == "user-1"
    assert claims.tenant_id == TENANT
    assert claims.roles == frozenset({"VIEWER", "DATA_OFFICER"})
    assert claims.scopes == frozenset({"staff:read"})
    assert claims.client_id is None
    payload = _payload(token)
    assert payload["exp"] - payload["iat"] == 900
    assert (payload["iss"], payload["aud"]) == (ISSUER, AUDIENCE)


def test_each_token_has_its_own_id(service: TokenService) -> None:
    first = service.issue(subject="u", tenant_id=TENANT, roles=[], now=1_800_000_000)
    second = service.issue(subject="u", tenant_id=TENANT, roles=[], now=1_800_000_000)
    assert _payload(first)["jti"] != _payload(second)["jti"]


def _refused(service: TokenService, token: object) -> PermissionDenied:
    with pytest.raises(PermissionDenied) as caught:
        service.verify(token)  # type: ignore[arg-type]
    return caught.value


def _assert_helpful(error: PermissionDenied, reason: str) -> None:
    assert error.code == "PERMISSION_DENIED"
    assert reason in error.message
    # Every refusal says what to do next
    assert "get a new one with `runxin token`" in error.message


def test_expired_token_is_refused(service: TokenService) -> None:
    # Given a token whose 60 seconds ran out ten minutes ago
    token = service.issue(subject="u", tenant_id=TENANT, roles=["ADMIN"], ttl_seconds=60, now=int(time.time()) - 660)
    # When it is verified
    # Then it is refused as expired
    _assert_helpful(_refused(service, token), "expired")


def test_token_for_another_audience_is_refused(service: TokenService, key: ECKey) -> None:
    token = TokenService(key, ISSUER, "someone-else", 900).issue(subject="u", tenant_id=TENANT, roles=["ADMIN"])
    _assert_helpful(_refused(service, token), "'aud'")


def test_token_from_another_issuer_is_refused(service: TokenService, key: ECKey) -> None:
    token = TokenService(key, "impostor", AUDIENCE, 900).issue(subject="u", tenant_id=TENANT, roles=["ADMIN"])
    _assert_helpful(_refused(service, token), "'iss'")


def test_tampered_signature_is_refused(service: TokenService) -> None:
    # Given a valid token with one character of its signature changed
    header, payload, signature = service.issue(subject="u", tenant_id=TENANT, roles=["VIEWER"]).split(".")
    flipped = signature[:20] + ("A" if signature[20] != "A" else "B") + signature[21:]
    # Then it is refused on the signature
    _assert_helpful(_refused(service, f"{header}.{payload}.{flipped}"), "bad_signature")


def test_tampered_claims_are_refused(service: TokenService) -> None:
    # Given a viewer's token whose payload was edited to make it an admin, signature kept
    header, payload, signature = service.issue(subject="u", tenant_id=TENANT, roles=["VIEWER"]).split(".")
    claims = _payload(f"{header}.{payload}.{signature}") | {"roles": ["ADMIN"]}
    # Then it is refused
    _assert_helpful(_refused(service, f"{header}.{_b64(claims)}.{signature}"), "bad_signature")


def test_token_signed_by_another_key_is_refused(service: TokenService, key: ECKey) -> None:
    # Given a stranger's key: it names a key id we do not have
    stranger_key = ECKey.generate_key("P-256", auto_kid=True)
    stranger = TokenService(stranger_key, ISSUER, AUDIENCE, 900)
    _assert_helpful(_refused(service, stranger.issue(subject="u", tenant_id=TENANT, roles=["ADMIN"])), "invalid_key_id")
    # And when it borrows our key id, the signature gives it away
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "u", "exp": int(time.time()) + 60, "tenant": str(TENANT)}
    forged = jwt.encode({"alg": "ES256", "kid": key.kid}, claims, stranger_key)
    _assert_helpful(_refused(service, forged), "bad_signature")


def test_unsigned_token_is_refused(service: TokenService) -> None:
    # Given the classic attack: alg "none" and no signature
    payload = _payload(service.issue(subject="u", tenant_id=TENANT, roles=["ADMIN"]))
    token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(payload)}."
    _assert_helpful(_refused(service, token), "none")


def test_token_without_a_tenant_is_refused(service: TokenService, key: ECKey) -> None:
    # Given a correctly signed token that lacks the tenant claim
    token = jwt.encode({"alg": "ES256"}, {"iss": ISSUER, "aud": AUDIENCE, "sub": "u", "exp": int(time.time()) + 60}, key)
    _assert_helpful(_refused(service, token), "tenant")


def test_token_with_a_malformed_tenant_is_refused(service: TokenService, key: ECKey) -> None:
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "u", "exp": int(time.time()) + 60, "tenant": "city-1"}
    _assert_helpful(_refused(service, jwt.encode({"alg": "ES256"}, claims, key)), "malformed")


@pytest.mark.parametrize("garbage", ["", "garbage", "a.b.c", "Bearer x.y.z", "eyJhbGciOiJFUzI1NiJ9..", "🙂", None])
def test_garbage_is_refused_not_crashed_on(service: TokenService, garbage: object) -> None:
    # Given something that is not a token at all
    # When it is verified
    error = _refused(service, garbage)
    # Then it is a PermissionDenied (a 401 for the API), never an unexpected error
    assert "runxin token" in error.message


def test_key_file_is_created_private_and_reused(tmp_path: Path) -> None:
    # Given no key yet, in a data directory that does not exist either
    path = tmp_path / "data" / "signing-key.json"
    # When the key is loaded twice
    first = load_or_create_key(path)
    second = load_or_create_key(path)
    # Then it was written once, readable by the owner only, and the same key came back
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first.as_dict(private=True) == second.as_dict(private=True)
    assert first.kid and first.kid == second.kid
    assert [p.name for p in path.parent.iterdir()] == ["signing-key.json"]
    # And a token signed before a restart verifies after it
    token = TokenService(first, ISSUER, AUDIENCE, 900).issue(subject="u", tenant_id=TENANT, roles=[])
    assert TokenService(second, ISSUER, AUDIENCE, 900).verify(token).tenant_id == TENANT


def test_two_processes_creating_the_key_at_once_end_with_one_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a process that is generating the key when another one finishes creating it
    path = tmp_path / "signing-key.json"
    real_generate = ECKey.generate_key
    loaded_by_other: list[ECKey] = []

    def generate_while_another_process_wins(*args, **kwargs):  # type: ignore[no-untyped-def]
        if not loaded_by_other:
            monkeypatch.setattr(tokens.ECKey, "generate_key", real_generate)
            loaded_by_other.append(load_or_create_key(path))
        return real_generate(*args, **kwargs)

    monkeypatch.setattr(tokens.ECKey, "generate_key", generate_while_another_process_wins)
    # When both have loaded their key
    mine = load_or_create_key(path)
    on_disk = ECKey.import_key(json.loads(path.read_text()))
    # Then both sign with the one key that is on disk (else their tokens fail in each other)
    assert loaded_by_other[0].thumbprint() == on_disk.thumbprint()
    assert mine.thumbprint() == on_disk.thumbprint()
