"""The audit log over the API: recording one event per operation (recording.py) and the
`auditEvents` root field for auditors (types.py, queries.py). GraphQL layer: imports tenants and
platform only."""
