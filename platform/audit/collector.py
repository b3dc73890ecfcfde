"""What one operation did, collected while it runs and written as one `AuditEvent` after it.

The API creates one collector per request; types that disclose personal data and the mutation
runner report to it. It holds ids and field names only, never values.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any


class AuditCollector:
    __slots__ = ("_masked", "_personal", "_writes", "mentioned", "operation_name", "operation_type", "outcome", "user_errors")

    def __init__(self) -> None:
        # (type name, field names) -> record ids, in first-seen order without repeats
        self._personal: dict[tuple[str, tuple[str, ...]], dict[uuid.UUID, None]] = {}
        self._masked: set[tuple[str, uuid.UUID]] = set()
        self._writes: list[dict[str, Any]] = []
        self.user_errors = False
        self.operation_type: str | None = None
        self.operation_name: str | None = None
        # Field names the document mentions (set after execution when personal data was read).
        self.mentioned: set[str] | None = None
        # ok, user_errors, error or refused; None until the operation has a result.
        self.outcome: str | None = None

    def replay(self) -> AuditCollector:
        """A new collector with this one's reads, for an answer given again from the response cache."""
        again = AuditCollector()
        again._personal = {key: dict(ids) for key, ids in self._personal.items()}
        again._masked = set(self._masked)
        again.mentioned = self.mentioned
        again.operation_type, again.operation_name = self.operation_type, self.operation_name
        return again

    def note_personal_read(self, type_name: str, record_id: uuid.UUID, fields: Iterable[str]) -> None:
        """`fields` of record `record_id` of `type_name` were disclosed unmasked."""
        self._personal.setdefault((type_name, tuple(fields)), {})[record_id] = None

    def note_masked_read(self, type_name: str, record_id: uuid.UUID) -> None:
        """A record was read with its personal fields masked (counted, not a personal read)."""
        self._masked.add((type_name, record_id))

    def note_write(self, field: str, type_name: str | None, record_ids: Iterable[uuid.UUID]) -> None:
        """Mutation `field` wrote the records `record_ids` (of `type_name`)."""
        self._writes.append({"field": field, "type": type_name, "ids": [str(i) for i in record_ids]})

    @property
    def reads_personal_data(self) -> bool:
        return bool(self._personal)

    def personal_fields_read(self) -> list[dict[str, Any]]:
        """The disclosures as stored: one entry per type and field set.

        An object is built with every field the policy disclosed; a field that the document never
        names cannot have been sent, so when `mentioned` is known such fields are left out (a sound
        narrowing: the log may over-report a field, never miss one).
        """
        mentioned = self.mentioned
        entries = []
        for (type_name, fields), ids in self._personal.items():
            kept = [f for f in fields if mentioned is None or f in mentioned]
            if kept:
                entries.append({"type": type_name, "fields": kept, "ids": [str(i) for i in ids]})
        return entries

    @property
    def masked_reads(self) -> int:
        return len(self._masked)

    @property
    def writes(self) -> list[dict[str, Any]]:
        return list(self._writes)
