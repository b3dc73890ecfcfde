"""Doorbells: tell the workers that a committed transaction made work due.

The database is the truth and the broker is only a doorbell. Code that writes an outbox row (a dirty
tenant, a delivery) calls `ring_after_commit(session, kind, key)` in the same transaction; once that
transaction commits, every key rung is handed to the sender installed for its kind (the workers
layer installs one that enqueues a job). A rollback drops the rings with the rows. A ring that is
lost (no sender installed, the broker down, the process killed after the commit) only delays the
work: the sweeper finds the rows the database still says are due.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

# kind -> sender(keys). Kinds in use: "rollup" (tenant ids), "delivery" (delivery ids).
Sender = Callable[[list[str]], None]
_senders: dict[str, Sender] = {}
_PENDING = "doorbell_pending"


def install(kind: str, sender: Sender) -> None:
    """Send the keys rung for `kind` to `sender` after each commit (replacing any earlier sender)."""
    _senders[kind] = sender


def uninstall(kind: str | None = None) -> None:
    """Stop sending `kind` (every kind when None): rings are then dropped and the sweeper finds the work."""
    if kind is None:
        _senders.clear()
    else:
        _senders.pop(kind, None)


def ring_after_commit(session: Any, kind: str, keys: Iterable[Any]) -> None:
    """Ring `kind` for `keys` once the session's current transaction commits (async or sync session)."""
    sync: Session = getattr(session, "sync_session", session)
    pending: dict[str, dict[str, None]] = sync.info.setdefault(_PENDING, {})
    pending.setdefault(kind, {}).update(dict.fromkeys(str(key) for key in keys))


@event.listens_for(Session, "after_commit")
def _ring(session: Session) -> None:
    pending: dict[str, dict[str, None]] = session.info.pop(_PENDING, {})
    for kind, keys in pending.items():
        sender = _senders.get(kind)
        if sender is None or not keys:
            continue
        try:
            sender(list(keys))
        except Exception as exc:  # the commit stands; the sweeper delivers what the ring did not
            log.warning("could not ring %s for %d key(s) (%s); the sweeper will pick them up", kind, len(keys), exc)


@event.listens_for(Session, "after_rollback")
def _drop(session: Session) -> None:
    session.info.pop(_PENDING, None)
