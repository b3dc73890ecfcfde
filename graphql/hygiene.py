"""The shape of a GraphQL-over-HTTP request, checked before anything parses or stores it.

Text that no later layer can handle is refused here with a 4xx, rather than surfacing as an
unexpected error deep inside: PostgreSQL rejects a NUL character in text and no driver can
encode a lone UTF-16 surrogate (JSON's "\\ud800" escape decodes to one).
"""

from __future__ import annotations

from typing import Any

# Far above any document the token limit lets through (4,000 tokens), far below the body limit.
MAX_DOCUMENT_CHARS = 100_000


class RequestRefused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _bad_text(payload: Any) -> str | None:
    stack = [payload]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return "The request contains a NUL character (\\u0000); remove it and send the text again."
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return "The request contains text that is not valid Unicode (a lone surrogate escape such as \\ud800); send UTF-8 text."
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return None


def check_request(payload: dict[str, Any], raw: bytes | None) -> None:
    """Refuse fields of the wrong JSON type, oversized documents and text no database accepts.

    `raw` is the JSON body when there was one: text is walked only when it holds an escape
    (`\\u`), the one way JSON can carry a NUL or a lone surrogate.
    """
    for name in ("operationName", "documentId"):
        if payload.get(name) is not None and not isinstance(payload[name], str):
            raise RequestRefused(400, "BAD_REQUEST", f"{name} must be a string.")
    if payload.get("extensions") is not None and not isinstance(payload["extensions"], dict):
        raise RequestRefused(400, "BAD_REQUEST", "extensions must be a JSON object.")
    query = payload.get("query")
    if isinstance(query, str) and len(query) > MAX_DOCUMENT_CHARS:
        raise RequestRefused(
            413, "DOCUMENT_TOO_LARGE", f"The document is over {MAX_DOCUMENT_CHARS:,} characters; send a smaller one."
        )
    if raw is None or b"\\u" in raw:
        problem = _bad_text(payload)
        if problem:
            raise RequestRefused(400, "BAD_REQUEST", problem)
