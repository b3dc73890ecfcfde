"""Reporting periods, submission and approval up the tree, and frozen snapshots of approved figures."""
