"""The web console's server side: its static files at `/`, sign-in (`/auth/*`) and the county map.

Layer: part of the HTTP surface beside the GraphQL endpoint; imports tenants and platform only.
The page itself (console/ at the repository root, built into `dist/` here) calls `/graphql` with a
bearer token like every other client: nothing in this package reads tenant records for it.
"""
