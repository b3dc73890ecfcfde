"""The bureaus' Excel workbooks: import templates, reading and checking their cells, writing lists.

Layer: platform. It imports the platform's models and domain services only, never
`runxin.tenants`, `runxin.graphql` or `runxin.workers`. Who may import into or export which tenant
is decided above it (the API and the CLI bind a principal to the session they pass in).
"""
