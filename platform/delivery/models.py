"""Delivery of approved figures to the city's platform: endpoints, deliveries (the outbox) and attempts.

A `Delivery` row is written in the transaction that makes figures deliverable; everything about
retrying lives in its columns (attempts, next attempt, lease), not in the broker. `webhook_id` is
stable for (endpoint, period, version): the receiver deduplicates by it.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from runxin.platform.db.base import Base, TenantOwned, utcnow


class DeliveryEndpoint(TenantOwned, Base):
    """`tenant_id` is the city whose figures go to `url`."""

    __tablename__ = "delivery_endpoint"

    url: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    # JSON list of {"secret": "whsec_...", "created_at": iso, "expires_at": iso | null}; every
    # unexpired secret signs, so a receiver can switch secrets without missing a message.
    secrets: Mapped[str] = mapped_column(Text, default="[]")
    timeout_seconds: Mapped[float] = mapped_column(Float, default=10.0)
    # The circuit breaker: consecutive failed attempts, and until when no attempt is made.
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    circuit_open_until: Mapped[dt.datetime | None] = mapped_column()


class Delivery(TenantOwned, Base):
    __tablename__ = "delivery"

    endpoint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("delivery_endpoint.id", ondelete="RESTRICT"), index=True)
    webhook_id: Mapped[str] = mapped_column(String(64), unique=True)
    event_type: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(8))
    version: Mapped[int] = mapped_column(Integer)
    payload: Mapped[str] = mapped_column(Text)
    payload_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="PENDING")  # PENDING, DELIVERED, PARTIAL, DEAD
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Attempts made before the last replay: the retry schedule restarts from here, while `attempts`
    # only ever grows (each attempt keeps its number, and a sender tells its claim by it).
    attempts_before_replay: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Set while one sender has claimed the delivery; no database lock is held across the HTTP call.
    leased_until: Mapped[dt.datetime | None] = mapped_column()
    first_attempt_at: Mapped[dt.datetime | None] = mapped_column()
    delivered_at: Mapped[dt.datetime | None] = mapped_column()
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    rejected: Mapped[str] = mapped_column(Text, default="[]")  # JSON: items the receiver refused
    traceparent: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_delivery_due", "status", "next_attempt_at"),)


class DeliveryAttempt(TenantOwned, Base):
    __tablename__ = "delivery_attempt"

    delivery_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("delivery.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    status_code: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))  # DELIVERED, PARTIAL, RETRY, THROTTLED, FAILED, DEAD
    error: Mapped[str] = mapped_column(String(500), default="")
    response_excerpt: Mapped[str] = mapped_column(String(500), default="")
