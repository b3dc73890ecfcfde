"""Rollups: the live figures of every tenant, kept fresh from an outbox of dirty tenants."""
