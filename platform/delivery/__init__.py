"""Delivering approved figures to the city platform: signed webhooks retried from the database, and ADX."""
