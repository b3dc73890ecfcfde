"""The console's session cookie: a small signed, expiring JSON value (HMAC-SHA256).

It holds who signed in (a demo user, or the provider's tokens after the OIDC code flow) and is
only ever read by `/auth/*`: `/graphql` never accepts it, so the API keeps one credential (the
bearer token) and needs no CSRF defence. The key lives in `<data dir>/console-session.key`
(made on first start, mode 0600), so every server process sharing the data dir accepts the others'
cookies and a restart does not sign everyone out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from pathlib import Path
from typing import Any

KEY_FILE = "console-session.key"


def session_key(data_dir: Path) -> bytes:
    """The signing key, created on first use."""
    path = data_dir / KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting together must not overwrite each other's key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text().strip())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seal(key: bytes, purpose: str, value: dict[str, Any], ttl_seconds: int) -> str:
    """Sign `value` for `purpose` (a cookie name), valid `ttl_seconds`."""
    body = _b64(json.dumps({"v": value, "exp": int(time.time()) + ttl_seconds, "p": purpose}, separators=(",", ":")).encode())
    mac = hmac.new(key, body.encode("ascii"), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def unseal(key: bytes, purpose: str, sealed: str | None) -> dict[str, Any] | None:
    """The value, or None when missing, forged, for another purpose or expired."""
    if not sealed or sealed.count(".") != 1:
        return None
    body, mac = sealed.split(".")
    try:
        expected = hmac.new(key, body.encode("ascii"), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(mac)):
            return None
        data = json.loads(_unb64(body))
    except (ValueError, UnicodeError):
        return None
    if not isinstance(data, dict) or data.get("p") != purpose or not isinstance(data.get("exp"), int) or data["exp"] < time.time():
        return None
    value = data.get("v")
    return value if isinstance(value, dict) else None
