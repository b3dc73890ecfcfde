"""Sunshine counselling stations and school counselling rooms."""
