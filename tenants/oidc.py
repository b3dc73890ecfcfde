"""People who sign in through the bureau's own OpenID Connect provider.

A token from the provider is verified against the provider's JWKS: fetched over HTTP, cached for a
while, fetched again once when a token names an unknown key id (the provider rotated), but never
more often than once per `min_refetch_seconds`, so a flood of tokens with made-up key ids cannot
turn us into a flood against the provider. Algorithms are pinned to the configured asymmetric list;
issuer, audience and expiry are checked with a joserfc claims registry. The tenant and roles come
from configurable claims (default `runxin_tenant`: the tenant's code, `runxin_roles`: a list).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import httpx
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from runxin.platform.config import Settings
from runxin.platform.errors import PermissionDenied

LEEWAY_SECONDS = 30
HINT = "sign in again through your bureau's login page."


@dataclass(frozen=True, slots=True)
class OidcIdentity:
    subject: str
    tenant_code: str
    roles: frozenset[str]


class JwksCache:
    """The provider's key set, cached `ttl_seconds`, fetched at most once per `min_refetch_seconds`."""

    def __init__(self, url: str, *, ttl_seconds: float, min_refetch_seconds: float, http: httpx.AsyncClient | None = None) -> None:
        self.url = url
        self.ttl_seconds = ttl_seconds
        self.min_refetch_seconds = min_refetch_seconds
        self._http = http or httpx.AsyncClient(timeout=5.0)
        self._keys: KeySet | None = None
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()
        self.fetches = 0

    async def keys(self) -> KeySet:
        if self._keys is None or time.monotonic() - self._fetched_at > self.ttl_seconds:
            await self.refresh()
        assert self._keys is not None
        return self._keys

    async def refresh(self) -> bool:
        """Fetch the key set unless it was fetched within `min_refetch_seconds`; True if fetched."""
        async with self._lock:
            if self._keys is not None and time.monotonic() - self._fetched_at < self.min_refetch_seconds:
                return False
            try:
                response = await self._http.get(self.url, headers={"Accept": "application/json"})
                response.raise_for_status()
                keys = KeySet.import_key_set(response.json())
            except (httpx.HTTPError, ValueError, KeyError, TypeError, JoseError) as exc:
                if self._keys is None:
                    raise PermissionDenied(f"The sign-in provider's keys could not be fetched ({type(exc).__name__}); try again shortly.") from exc
                return False  # keep serving the keys we have
            finally:
                self.fetches += 1
            self._keys, self._fetched_at = keys, time.monotonic()
            return True

    async def aclose(self) -> None:
        await self._http.aclose()


class OidcVerifier:
    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        jwks: JwksCache,
        algorithms: tuple[str, ...] = ("RS256", "ES256"),
        tenant_claim: str = "runxin_tenant",
        roles_claim: str = "runxin_roles",
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.jwks = jwks
        self.algorithms = list(algorithms)
        self.tenant_claim = tenant_claim
        self.roles_claim = roles_claim

    @classmethod
    def from_settings(cls, settings: Settings, http: httpx.AsyncClient | None = None) -> OidcVerifier:
        cache = JwksCache(
            settings.oidc_jwks_url,
            ttl_seconds=settings.oidc_jwks_cache_seconds,
            min_refetch_seconds=settings.oidc_jwks_min_refetch_seconds,
            http=http,
        )
        return cls(
            issuer=settings.oidc_issuer,
            audience=settings.oidc_audience,
            jwks=cache,
            algorithms=settings.oidc_algorithms,
            tenant_claim=settings.oidc_tenant_claim,
            roles_claim=settings.oidc_roles_claim,
        )

    def _registry(self) -> jwt.JWTClaimsRegistry:
        return jwt.JWTClaimsRegistry(
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.audience},
            exp={"essential": True},
            sub={"essential": True},
            **{self.tenant_claim: {"essential": True}},
        )

    async def _decode(self, token: str) -> jwt.Token:
        try:
            return jwt.decode(token, await self.jwks.keys(), algorithms=self.algorithms)
        except InvalidKeyIdError:
            # The provider may have rotated its keys: look once more (rate-limited), then decide.
            if not await self.jwks.refresh():
                raise
            return jwt.decode(token, await self.jwks.keys(), algorithms=self.algorithms)

    async def verify(self, token: str) -> OidcIdentity:
        """Verify a provider token; raise PermissionDenied saying what failed."""
        try:
            decoded = await self._decode(token)
            self._registry().validate(decoded.claims)
            claims = decoded.claims
            roles = claims.get(self.roles_claim) or []
            if isinstance(roles, str):
                roles = roles.split()
            if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
                raise PermissionDenied(f"The sign-in token's {self.roles_claim} claim is not a list of roles; ask your bureau's administrator.")
            tenant = claims[self.tenant_claim]
            if not isinstance(tenant, str):
                raise PermissionDenied(f"The sign-in token's {self.tenant_claim} claim is not a tenant code; ask your bureau's administrator.")
            return OidcIdentity(subject=str(claims["sub"]), tenant_code=tenant, roles=frozenset(roles))
        except JoseError as exc:
            raise PermissionDenied(f"The sign-in token was refused ({exc.error}: {exc.description or 'invalid'}); {HINT}") from exc
        except (ValueError, TypeError) as exc:
            raise PermissionDenied(f"The sign-in token is malformed; {HINT}") from exc
