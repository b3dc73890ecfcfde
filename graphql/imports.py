"""dataImport: a filled-in template uploaded over the GraphQL multipart request spec, imported whole.

The file's sheet says what it holds (staff, training, calls, stations); the caller needs write access
to that resource and the tenant must be theirs or below. Every bad cell comes back as a userError
whose field is ["file", sheet, row, column] and whose message names the place and the reason in
Chinese and English; then nothing is written.
"""

from __future__ import annotations

import io
import zipfile

import strawberry
from openpyxl import load_workbook
from sqlalchemy import select
from strawberry.file_uploads import Upload

from runxin.graphql.context import Info
from runxin.graphql.errors import UserError
from runxin.platform.errors import NotFound, PermissionDenied
from runxin.platform.spreadsheets.importing import ImportRejected, import_workbook
from runxin.platform.spreadsheets.kinds import BY_SHEET, Kind
from runxin.platform.tree.models import Tenant
from runxin.tenants.policy import Permission, require


@strawberry.type(description="What an import wrote: nothing at all when userErrors is not empty.")
class DataImportPayload:
    kind: str | None = strawberry.field(description="The template imported: staff, training, calls or stations.")
    rows: int = strawberry.field(description="Data rows read from the file (blank rows are skipped).")
    created: int
    updated: int
    unchanged: int = strawberry.field(description="Rows identical to what was stored: a re-import changes nothing.")
    user_errors: list[UserError] = strawberry.field(
        description='Every bad cell; field is ["file", sheet, row, column] (row "0" for the whole sheet or file).'
    )


def _kind_of(content: bytes) -> Kind | None:
    """The template a file is, from its sheet names alone (None when it is none or unreadable)."""
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return None
    try:
        return next((BY_SHEET[name.strip()] for name in workbook.sheetnames if name.strip() in BY_SHEET), None)
    finally:
        workbook.close()


def _rejected(exc: ImportRejected) -> DataImportPayload:
    errors = [UserError(field=["file", e.sheet, str(e.row), e.column], code=e.code, message=e.message) for e in exc.errors]
    return DataImportPayload(kind=None, rows=0, created=0, updated=0, unchanged=0, user_errors=errors)


@strawberry.type
class DataImportMutation:
    @strawberry.mutation(
        description="Import a filled-in template (GET /exports/templates/{kind}.xlsx) into a tenant: all of it or nothing."
    )
    async def data_import(self, info: Info, tenant_code: str, file: Upload) -> DataImportPayload:
        principal = require(info.context.principal, Permission.WRITE)
        if not callable(getattr(file, "read", None)):
            # A value written into the document (a string, a number) rather than a file part.
            info.context.audit.user_errors = True
            return DataImportPayload(
                kind=None, rows=0, created=0, updated=0, unchanged=0,
                user_errors=[
                    UserError(
                        field=["file"],
                        code="FILE_REQUIRED",
                        message="file must be an uploaded file: send the request as multipart/form-data (the GraphQL "
                        "multipart request spec) with the .xlsx as a part mapped to variables.file.",
                    )
                ],
            )  # fmt: skip
        try:
            content = await file.read()  # type: ignore[attr-defined]
        finally:
            await file.close()  # type: ignore[attr-defined]
        kind = _kind_of(content)
        if kind is not None:
            require(principal, Permission.WRITE, kind.resource)
        audit = info.context.audit
        try:
            async with info.context.db.write() as session:
                tenant = (await session.execute(select(Tenant).where(Tenant.code == tenant_code.strip()))).scalar_one_or_none()
                if tenant is None or not principal.covers(tenant.path):
                    raise NotFound(
                        f"No tenant {tenant_code!r} in your part of the tree; import into your own tenant or one below it."
                    )
                result = await import_workbook(session, tenant, content)
        except ImportRejected as exc:
            audit.user_errors = True
            return _rejected(exc)
        except (NotFound, PermissionDenied) as exc:
            audit.user_errors = True
            return DataImportPayload(
                kind=None, rows=0, created=0, updated=0, unchanged=0,
                user_errors=[UserError(field=["tenantCode"], code=exc.code, message=exc.message)],
            )  # fmt: skip
        for type_name, ids in result.written.items():
            audit.note_write("dataImport", type_name, ids)
        return DataImportPayload(
            kind=result.kind,
            rows=result.rows,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            user_errors=[],
        )
