"""Targets: an indicator, a value to reach by a date, for a subtree of the tenant tree."""
