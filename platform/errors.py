"""The one shallow tree of domain errors.

Every message says what to do. The GraphQL layer turns `Invalid`, `NotFound`, `Conflict` and
`PermissionDenied` into `userErrors`; anything else is unexpected and masked.
"""

from __future__ import annotations


class RunxinError(Exception):
    """Base of every expected error."""

    code = "ERROR"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class ConfigurationError(RunxinError):
    code = "CONFIGURATION"


class NotFound(RunxinError):
    code = "NOT_FOUND"


class PermissionDenied(RunxinError):
    code = "PERMISSION_DENIED"


class Conflict(RunxinError):
    code = "CONFLICT"


class Invalid(RunxinError):
    """Bad input: `field` names the input field (camelCase path), `code` a stable reason."""

    code = "INVALID"

    def __init__(self, field: str, code: str, message: str) -> None:
        super().__init__(message, field=field, code=code)


class InvalidMany(RunxinError):
    """Several input problems found at once, reported together."""

    code = "INVALID"

    def __init__(self, errors: list[Invalid]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


class ScopeMissing(RunxinError):
    """A statement on tenant-owned data ran with no principal bound and no explicit opt-out."""

    code = "SCOPE_MISSING"
