"""Standard Webhooks signatures (https://www.standardwebhooks.com), and the endpoint's signing secrets.

A message is signed as `v1,` + base64(HMAC-SHA256(secret, "{webhook-id}.{webhook-timestamp}.{body}"))
over the exact body bytes sent; a secret is "whsec_" + base64 of 32 random bytes. The three headers are
`webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`: one space-separated
signature per unexpired secret, so a receiver switching to a new secret never sees a gap.

Rotation: the new secret signs at once; the secrets it replaces keep signing until their expiry (24 h
by default), which is the receiver's window to switch. Signing is written out here (ten lines) rather
than taken from the `standardwebhooks` package, which the tests and the reference receiver use to
verify: two implementations checking each other catch what one checking itself cannot.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import secrets as random_bytes
from collections.abc import Sequence
from dataclasses import dataclass

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
DEFAULT_OVERLAP = dt.timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class SigningSecret:
    secret: str
    created_at: dt.datetime
    expires_at: dt.datetime | None = None  # None: signs until the next rotation

    def live(self, now: dt.datetime) -> bool:
        return self.expires_at is None or now < self.expires_at


def generate_secret() -> str:
    """A new secret in the Standard Webhooks form, "whsec_" + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(random_bytes.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key a "whsec_..." secret stands for."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    return base64.b64decode(encoded + "=" * (-len(encoded) % 4))


def sign(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """One `v1,<base64>` signature of `body` as sent with these id and timestamp headers."""
    signed = webhook_id.encode() + b"." + str(timestamp).encode() + b"." + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_headers(secrets: Sequence[str], webhook_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers, signed with every secret given (in order)."""
    if not secrets:
        raise ValueError("an endpoint needs at least one live secret to sign with")
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(s, webhook_id, timestamp, body) for s in secrets),
    }


# Stored as JSON text in DeliveryEndpoint.secrets: [{"secret", "created_at", "expires_at"}].


def load_secrets(text: str) -> list[SigningSecret]:
    return [
        SigningSecret(
            secret=item["secret"],
            created_at=dt.datetime.fromisoformat(item["created_at"]),
            expires_at=dt.datetime.fromisoformat(item["expires_at"]) if item.get("expires_at") else None,
        )
        for item in json.loads(text or "[]")
    ]


def dump_secrets(secrets: Sequence[SigningSecret]) -> str:
    return json.dumps(
        [
            {
                "secret": s.secret,
                "created_at": s.created_at.isoformat(),
                "expires_at": s.expires_at.isoformat() if s.expires_at else None,
            }
            for s in secrets
        ]
    )


def live_secrets(secrets: Sequence[SigningSecret], now: dt.datetime) -> list[str]:
    """The secrets that sign at `now`, newest first (a receiver checking in order finds its match soonest)."""
    return [s.secret for s in sorted(secrets, key=lambda s: s.created_at, reverse=True) if s.live(now)]


def rotate(
    secrets: Sequence[SigningSecret], now: dt.datetime, *, overlap: dt.timedelta = DEFAULT_OVERLAP, new: str | None = None
) -> tuple[list[SigningSecret], str]:
    """Add a new secret that signs from `now`; the others sign until `now + overlap` at the latest.

    Expired secrets are dropped. Returns the stored list and the new secret (shown to the bureau once).
    """
    if overlap < dt.timedelta(0):
        raise ValueError("the overlap of a rotation cannot be negative")
    fresh = new or generate_secret()
    until = now + overlap
    kept = [
        SigningSecret(s.secret, s.created_at, until if s.expires_at is None or s.expires_at > until else s.expires_at)
        for s in secrets
        if s.live(now)
    ]
    return [*kept, SigningSecret(fresh, now)], fresh
