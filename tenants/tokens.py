"""Locally signed short-lived access tokens (ES256 JWTs, joserfc), for the embedded default.

The signing keys are a key set under the data directory (`keys.json`): the newest key signs, every
key verifies, so `runxin keys rotate` adds a key without invalidating a token in flight and
`runxin keys prune` drops old keys once their tokens have expired. The set is created on first use;
a data directory of an earlier version (one `signing-key.json`) is taken over as the first key.
External identity (OAuth2 client credentials, the bureau's OIDC provider) ends in the same claims.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cachetools import LRUCache
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import ECKey, KeySet

from runxin.platform.config import Settings
from runxin.platform.errors import PermissionDenied

ALGORITHM = "ES256"
VERIFIED_TOKENS = 10_000


@dataclass(frozen=True, slots=True)
class TokenClaims:
    subject: str
    tenant_id: uuid.UUID
    roles: frozenset[str]
    scopes: frozenset[str]
    client_id: str | None


def load_or_create_key(path: Path) -> ECKey:
    """Load the signing key, creating it (readable by the owner only) on first use."""
    if path.exists():
        return ECKey.import_key(json.loads(path.read_text()))
    path.parent.mkdir(parents=True, exist_ok=True)
    key = ECKey.generate_key("P-256", auto_kid=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".key-")  # mode 0600
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(key.as_dict(private=True), fh)
        # link() fails if the key exists: of two processes starting at once, the first one's key
        # is published whole and the other loads it, so both sign with the same key.
        os.link(tmp, path)
    except FileExistsError:
        return ECKey.import_key(json.loads(path.read_text()))
    finally:
        os.unlink(tmp)
    return key


# A process looks at the key file at most this often, and at once when a token names a key it does
# not know (a stat call; the file is re-read only if it changed): another process's
# `runxin keys rotate` is seen within seconds, and its tokens verify here straight away.
KEYS_RECHECK_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class StoredKey:
    key: ECKey
    created_at: int


def _read_keys(path: Path) -> list[StoredKey]:
    data = json.loads(path.read_text())
    return [StoredKey(ECKey.import_key(item["jwk"]), int(item["created_at"])) for item in data["keys"]]


def _publish(path: Path, keys: list[StoredKey], *, replace: bool) -> None:
    """Write the key set to a private temporary file, then link it (first creation) or rename it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"keys": [{"created_at": k.created_at, "jwk": k.key.as_dict(private=True)} for k in keys]}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".keys-")  # mode 0600
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(body, fh)
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # FileExistsError if another process published first
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """Serialise rotate/prune across processes (a lock file beside the key set)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def load_or_create_keys(path: Path, legacy_path: Path | None = None) -> list[StoredKey]:
    """The key set at `path`, created on first use (from the legacy single key if there is one)."""
    if path.exists():
        return _read_keys(path)
    if legacy_path is not None:
        # The single key of earlier versions (made now if absent) becomes the first key of the set,
        # so tokens signed before the upgrade, and by callers of load_or_create_key, still verify.
        first = StoredKey(load_or_create_key(legacy_path), int(legacy_path.stat().st_mtime))
    else:
        first = StoredKey(ECKey.generate_key("P-256", auto_kid=True), int(time.time()))
    try:
        # As in load_or_create_key: of two processes starting at once, the first set is published
        # whole and the other loads it, so both sign and verify with the same keys.
        _publish(path, [first], replace=False)
    except FileExistsError:
        return _read_keys(path)
    return [first]


def rotate_keys(path: Path, legacy_path: Path | None = None, *, now: int | None = None) -> StoredKey:
    """Add a new signing key; the older keys stay for verification until pruned."""
    with _exclusive(path):
        keys = load_or_create_keys(path, legacy_path)
        created = int(time.time()) if now is None else now
        new = StoredKey(ECKey.generate_key("P-256", auto_kid=True), max(created, keys[-1].created_at + 1 if keys else created))
        _publish(path, [*keys, new], replace=True)
    return new


def prune_keys(path: Path, older_than_seconds: int, *, now: int | None = None) -> list[StoredKey]:
    """Drop verification keys created more than `older_than_seconds` ago; the signing key always stays."""
    with _exclusive(path):
        keys = _read_keys(path)
        cutoff = (int(time.time()) if now is None else now) - older_than_seconds
        kept = [k for k in keys[:-1] if k.created_at >= cutoff] + keys[-1:]
        dropped = [k for k in keys if k not in kept]
        if dropped:
            _publish(path, kept, replace=True)
    return dropped


class KeyRing:
    """The signing key set of this process: the newest key signs, all verify; follows the file."""

    def __init__(self, path: Path | None = None, legacy_path: Path | None = None, keys: list[StoredKey] | None = None) -> None:
        self._path = path
        self._legacy_path = legacy_path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._checked = time.monotonic()
        self._keys = keys if keys is not None else self._load()

    @classmethod
    def of(cls, key: ECKey) -> KeyRing:
        """A fixed ring of one key (tests, and callers of the single-key API)."""
        return cls(keys=[StoredKey(key, int(time.time()))])

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            stat = self._path.stat()  # type: ignore[union-attr]
        except (AttributeError, FileNotFoundError):
            return None
        return stat.st_mtime_ns, stat.st_ino

    def _load(self) -> list[StoredKey]:
        assert self._path is not None
        keys = load_or_create_keys(self._path, self._legacy_path)
        self._stamp = self._file_stamp()
        return keys

    def refresh(self, min_interval: float = KEYS_RECHECK_SECONDS) -> bool:
        """Re-read the key file if it changed and `min_interval` passed since the last look."""
        if self._path is None or time.monotonic() - self._checked < min_interval:
            return False
        with self._lock:
            self._checked = time.monotonic()
            if self._file_stamp() == self._stamp:
                return False
            self._keys = self._load()
            return True

    @property
    def signing_key(self) -> ECKey:
        self.refresh()
        return self._keys[-1].key

    @property
    def keys(self) -> list[StoredKey]:
        return list(self._keys)

    def key_set(self) -> KeySet:
        return KeySet([k.key for k in self._keys])

    def public_jwks(self) -> dict[str, Any]:
        """The JWKS document: public parts only, newest first."""
        self.refresh()
        return {"keys": [{**k.key.as_dict(private=False), "use": "sig", "alg": ALGORITHM} for k in reversed(self._keys)]}


def _string_set(value: object) -> frozenset[str]:
    """A claim that must be a list of strings; anything else grants nothing."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return frozenset(value)
    return frozenset()


class TokenService:
    def __init__(self, key: ECKey | KeyRing, issuer: str, audience: str, ttl_seconds: int) -> None:
        self.keys = key if isinstance(key, KeyRing) else KeyRing.of(key)
        self.issuer = issuer
        self.audience = audience
        self.ttl_seconds = ttl_seconds
        self._registry = jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": audience},
            exp={"essential": True},
            sub={"essential": True},
            tenant={"essential": True},
        )
        # token -> (its claims, its expiry): a signature, issuer and audience once verified stay
        # verified, so a token seen before costs a dictionary look-up and the expiry check, not an
        # ECDSA verification (a third of a cached answer's time). Bounded; forgotten at expiry.
        self._verified: LRUCache[str, tuple[TokenClaims, int]] = LRUCache(maxsize=VERIFIED_TOKENS)

    def issue(
        self,
        *,
        subject: str,
        tenant_id: uuid.UUID,
        roles: list[str],
        scopes: list[str] | None = None,
        ttl_seconds: int | None = None,
        now: int | None = None,
        client_id: str | None = None,
    ) -> str:
        """A signed RFC 9068 access token (typ at+jwt) for a user (roles) or an API client (client_id, scopes)."""
        now = int(time.time()) if now is None else now
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "iat": now,
            "exp": now + (ttl_seconds or self.ttl_seconds),
            "jti": uuid.uuid4().hex,
            "tenant": str(tenant_id),
            "roles": sorted(roles),
            "scope": " ".join(sorted(scopes or [])),
        }
        if client_id is not None:
            claims["client_id"] = client_id
        key = self.keys.signing_key
        return jwt.encode({"alg": ALGORITHM, "kid": key.kid, "typ": "at+jwt"}, claims, key)

    def _decode(self, token: str) -> jwt.Token:
        try:
            return jwt.decode(token, self.keys.key_set(), algorithms=[ALGORITHM])
        except InvalidKeyIdError:
            # Perhaps another process rotated the keys: look at the file once, then decide.
            if not self.keys.refresh(min_interval=0):
                raise
            return jwt.decode(token, self.keys.key_set(), algorithms=[ALGORITHM])

    def verify(self, token: str) -> TokenClaims:
        """Verify signature, issuer, audience and expiry; raise PermissionDenied saying what failed."""
        seen = self._verified.get(token)
        if seen is not None:
            if time.time() < seen[1]:
                return seen[0]
            self._verified.pop(token, None)  # expired: verified afresh below, which says so
        try:
            decoded = self._decode(token)
            self._registry.validate(decoded.claims)
            claims = decoded.claims
            verified = TokenClaims(
                subject=str(claims["sub"]),
                tenant_id=uuid.UUID(str(claims["tenant"])),
                roles=_string_set(claims.get("roles")),
                scopes=frozenset(str(claims.get("scope") or "").split()),
                client_id=str(claims["client_id"]) if claims.get("client_id") is not None else None,
            )
            self._verified[token] = (verified, int(claims["exp"]))
            return verified
        except JoseError as exc:
            raise PermissionDenied(
                f"The access token was refused ({exc.error}: {exc.description or 'invalid'}); get a new one with `runxin token`."
            ) from exc
        except (ValueError, TypeError) as exc:
            raise PermissionDenied("The access token is malformed; get a new one with `runxin token`.") from exc


def token_service(settings: Settings) -> TokenService:
    """The process's token service over the key set in the data directory."""
    return TokenService(
        KeyRing(settings.keys_path, legacy_path=settings.key_path),
        settings.token_issuer,
        settings.token_audience,
        settings.token_ttl_seconds,
    )
