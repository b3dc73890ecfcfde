"""Trusted (persisted) documents: a client may be held to a fixed set of reviewed documents.

The documents are a JSON map `{sha256 hex: document}` read at start-up (RUNXIN_TRUSTED_DOCUMENTS_FILE).
A request names one as `{"documentId": "sha256:<hex>"}` (the GraphQL-over-HTTP draft's form) or as
`{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "<hex>"}}}` (Apollo's). Clients listed
in RUNXIN_TRUSTED_DOCUMENT_CLIENTS may send nothing else; other callers may send either.

Which clients are held to trusted documents is a setting for now; it belongs on the API client's
registration (a `trusted_documents_only` flag set by `runxin clients create/update`, carried into
the Principal when its token is verified), at which point `_trusted_only` reads that flag instead.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from runxin.platform.errors import ConfigurationError

_SHA256 = re.compile(r"[0-9a-f]{64}")


class DocumentRefused(Exception):
    """The request's document cannot be run as sent; `message` says what to send instead."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def load_trusted_documents(path: str) -> dict[str, str]:
    """Read the {sha256: document} map; every key must be the hash of its document."""
    if not path:
        return {}
    key = "RUNXIN_TRUSTED_DOCUMENTS_FILE"
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"{key} {path!r} cannot be read ({exc.strerror}): point it at a JSON file.") from exc
    except ValueError as exc:
        raise ConfigurationError(f"{key} {path!r} is not valid JSON ({exc}): write a map {{sha256: document}}.") from exc
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{key} {path!r} must hold a JSON object {{sha256: document}}.")
    documents: dict[str, str] = {}
    for name, document in raw.items():
        digest = str(name).lower().removeprefix("sha256:")
        if not isinstance(document, str) or hashlib.sha256(document.encode()).hexdigest() != digest:
            raise ConfigurationError(f"{key}: the entry {name!r} is not the sha256 of its document; recompute the key.")
        documents[digest] = document
    return documents


def document_id(payload: dict[str, Any]) -> Any:
    """The document id the request names, as sent (None when it names none)."""
    if payload.get("documentId") is not None:
        return payload["documentId"]
    extensions = payload.get("extensions")
    persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
    return persisted.get("sha256Hash") if isinstance(persisted, dict) else None


def _trusted_only(principal: Any, settings: Any) -> bool:
    return principal is not None and principal.client_id is not None and principal.client_id in settings.trusted_document_clients


def document_to_run(payload: dict[str, Any], principal: Any, settings: Any, documents: dict[str, str]) -> str | None:
    """The text to execute for this request, or DocumentRefused saying what to send."""
    text = payload.get("query")
    named = document_id(payload)
    trusted_only = _trusted_only(principal, settings)
    if named is None:
        if trusted_only:
            raise DocumentRefused(
                400,
                "TRUSTED_DOCUMENT_REQUIRED",
                "This client may run only trusted documents: send {\"documentId\": \"sha256:<hex>\"} naming one "
                "registered with the bureau instead of the document's text.",
            )
        return text
    digest = named.lower().removeprefix("sha256:") if isinstance(named, str) else ""
    if not _SHA256.fullmatch(digest):
        raise DocumentRefused(400, "BAD_REQUEST", "documentId must be \"sha256:\" followed by 64 hex digits.")
    if isinstance(text, str) and text and hashlib.sha256(text.encode()).hexdigest() != digest:
        raise DocumentRefused(400, "BAD_REQUEST", "The query sent is not the document documentId names; send one or the other.")
    document = documents.get(digest)
    if document is not None:
        return document
    if not trusted_only and isinstance(text, str) and text:
        return text  # Apollo's automatic persisted queries resend the text: run it, as free text would be
    raise DocumentRefused(
        400,
        "PERSISTED_QUERY_NOT_FOUND",
        f"No trusted document sha256:{digest}; send the id of a registered document (ask the bureau to register new ones).",
    )
