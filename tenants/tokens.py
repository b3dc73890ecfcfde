"""Locally signed short-lived access tokens (ES256 JWTs, joserfc), for the embedded default.

The signing key is generated on first use under the data directory. External identity (OAuth2
client credentials, the bureau's OIDC provider) plugs in beside this: both end in the same claims.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from runxin.platform.errors import PermissionDenied

ALGORITHM = "ES256"


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


def _string_set(value: object) -> frozenset[str]:
    """A claim that must be a list of strings; anything else grants nothing."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return frozenset(value)
    return frozenset()


class TokenService:
    def __init__(self, key: ECKey, issuer: str, audience: str, ttl_seconds: int) -> None:
        self._key = key
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

    def issue(
        self,
        *,
        subject: str,
        tenant_id: uuid.UUID,
        roles: list[str],
        scopes: list[str] | None = None,
        ttl_seconds: int | None = None,
        now: int | None = None,
    ) -> str:
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
        return jwt.encode({"alg": ALGORITHM, "kid": self._key.kid, "typ": "at+jwt"}, claims, self._key)

    def verify(self, token: str) -> TokenClaims:
        """Verify signature, issuer, audience and expiry; raise PermissionDenied saying what failed."""
        try:
            decoded = jwt.decode(token, self._key, algorithms=[ALGORITHM])
            self._registry.validate(decoded.claims)
            claims = decoded.claims
            return TokenClaims(
                subject=str(claims["sub"]),
                tenant_id=uuid.UUID(str(claims["tenant"])),
                roles=_string_set(claims.get("roles")),
                scopes=frozenset(str(claims.get("scope") or "").split()),
                client_id=claims.get("client_id"),
            )
        except JoseError as exc:
            raise PermissionDenied(
                f"The access token was refused ({exc.error}: {exc.description or 'invalid'}); get a new one with `runxin token`."
            ) from exc
        except (ValueError, TypeError) as exc:
            raise PermissionDenied("The access token is malformed; get a new one with `runxin token`.") from exc
