"""Psychological-aid hotlines: one per county and per school of central rank and above."""
