"""File uploads over the GraphQL multipart request spec (jaydenseric/graphql-multipart-request-spec).

A multipart POST to /graphql carries an `operations` part (the usual JSON request, with null where
each file goes), a `map` part ({"0": ["variables.file"]}) and the file parts. This module turns that
into the usual payload with the uploaded files in place, for the `Upload` scalar.

Cross-site request forgery: a browser may send a multipart form to any site without a preflight, so
such a POST must carry a header no plain form can set (`GraphQL-Require-Preflight`, as Apollo
Server asks `Apollo-Require-Preflight`); a JSON POST already needs a preflight for its content type.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse

MAX_UPLOAD_BYTES = 10_000_000  # a 50,000-row template is about 2 MB
PREFLIGHT_HEADERS = ("graphql-require-preflight", "apollo-require-preflight", "x-apollo-operation-name")


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """An uploaded file, held in memory (the upload limit bounds it), so no temporary file outlives the request."""

    filename: str
    content_type: str
    content: bytes

    async def read(self) -> bytes:
        return self.content

    async def close(self) -> None:
        return None


def is_multipart(request: Request) -> bool:
    return request.headers.get("content-type", "").lower().startswith("multipart/form-data")


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status_code=status)


def _place(operations: dict[str, Any], path: str, upload: UploadedFile) -> bool:
    """Put `upload` at the dotted `path` ("variables.file", "variables.files.0"); False if no such place."""
    *parents, last = path.split(".")
    target: Any = operations
    for part in parents:
        target = (
            target[int(part)]
            if isinstance(target, list) and part.isdigit()
            else target.get(part)
            if isinstance(target, dict)
            else None
        )
        if target is None:
            return False
    if isinstance(target, list) and last.isdigit() and int(last) < len(target):
        target[int(last)] = upload
        return True
    if isinstance(target, dict) and last in target:
        target[last] = upload
        return True
    return False


async def read_multipart(request: Request) -> dict[str, Any] | JSONResponse:
    """The request's operation with its files in place, or the 4xx that refuses it."""
    if not any(request.headers.get(name, "").strip() for name in PREFLIGHT_HEADERS):
        return _error(
            400,
            "CSRF_PREFLIGHT_REQUIRED",
            "A multipart request needs the header `GraphQL-Require-Preflight: 1` (or Apollo-Require-Preflight), "
            "which a cross-site form cannot send.",
        )
    declared = request.headers.get("content-length", "0")
    if (declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES) or len(await request.body()) > MAX_UPLOAD_BYTES:
        return _error(413, "PAYLOAD_TOO_LARGE", f"The upload is over {MAX_UPLOAD_BYTES:,} bytes; split the file.")
    try:
        # Closed on leaving the block: the files are copied out, so no spooled temporary file is left open.
        async with request.form(max_files=10, max_fields=20) as form:
            parts = {
                key: UploadedFile(value.filename or key, value.content_type or "", await value.read())
                if isinstance(value, UploadFile)
                else str(value)
                for key, value in form.multi_items()
            }
    except Exception as exc:  # noqa: BLE001 - python-multipart's errors for a malformed body vary by version
        return _error(
            400,
            "BAD_REQUEST",
            f"The multipart body could not be parsed ({type(exc).__name__}); send operations, map and the files.",
        )
    try:
        operations = json.loads(str(parts.get("operations") or ""))
        mapping = json.loads(str(parts.get("map") or ""))
    except (json.JSONDecodeError, RecursionError):
        return _error(400, "BAD_REQUEST", "The operations and map parts must be JSON (GraphQL multipart request spec).")
    if not isinstance(operations, dict):
        return _error(400, "BAD_REQUEST", "Batched requests are not supported; send one operation in the operations part.")
    if not isinstance(mapping, dict):
        return _error(400, "BAD_REQUEST", 'The map part must be a JSON object, e.g. {"0": ["variables.file"]}.')
    for key, paths in mapping.items():
        upload = parts.get(key)
        if not isinstance(upload, UploadedFile):
            return _error(400, "BAD_REQUEST", f"The map names the file part {key!r}, but the request has no such file.")
        if not isinstance(paths, list) or not all(isinstance(p, str) and _place(operations, p, upload) for p in paths):
            return _error(
                400, "BAD_REQUEST", f'The map\'s paths for part {key!r} must name null variables, e.g. ["variables.file"].'
            )
    return operations
