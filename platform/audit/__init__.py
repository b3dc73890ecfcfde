"""The audit log: who read or wrote what, when, from where. Platform layer: imports only platform.

Append-only by construction: the database refuses UPDATE and DELETE on `audit_event` (a trigger on
both backends, and on PostgreSQL the application role is granted only INSERT and SELECT); the only
deletion is retention pruning by the table's owner (`retention.prune`, `runxin audit prune`).
"""
