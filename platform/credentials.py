"""Secrets in settings: read from the environment or from a file, and never shown.

The secret settings (a database or broker URL carries a password) may come from a file instead of
the environment, as Docker and Kubernetes mount secrets: `RUNXIN_DATABASE_URL_FILE=/run/secrets/db`
reads the URL from that file (surrounding whitespace dropped). Setting both a key and its `_FILE`
is refused: which one wins would be a guess.

`redact_url` is what any message, log line or error shows of such a URL: the password becomes `***`.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

# The settings whose values hold credentials, each readable from KEY_FILE.
SECRET_KEYS = ("RUNXIN_DATABASE_URL", "RUNXIN_BROKER_URL")


class SecretFileError(Exception):
    """A KEY_FILE that cannot be used; the message names the key and the path, never a value."""


def read_secret_file(key: str, path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise SecretFileError(
            f"{key}_FILE names {path!r}, which cannot be read ({exc.strerror or exc}): point it at the file that holds {key}."
        ) from exc
    except UnicodeDecodeError as exc:
        raise SecretFileError(
            f"{key}_FILE names {path!r}, which is not UTF-8 text: put the value of {key} in it as text."
        ) from exc


def redact_url(url: str) -> str:
    """`url` with its password (if any) replaced by ***, for messages and logs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<a URL that cannot be parsed>"
    if parts.password is None and "@" not in parts.netloc:
        return url
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{hostport}" if ":" in userinfo else f"{user}@{hostport}"))
