"""Reporting periods, submission and approval up the tree, and frozen snapshots of approved figures.

Layer: platform; imports the platform's models, tree, periods and indicator engine, never
`runxin.tenants`, `runxin.graphql` or `runxin.workers`. `rules.py` holds the chain's rules without a
database; `services.py` the transitions; `states.py` the set-based reads of reports and approval
states; `snapshots.py` the frozen figures and what changed since; `windows.py` entry windows and
late reports; `locks.py` the flush listener that keeps a submitted or approved period's data fixed.
"""
