"""Courses and activities: a school's classes with their mental-health class hours per term and
their health committee members, and the school's theme months, adaptation and parent activities.

Layer: platform. Imports the platform's models, periods, records and standards only.
"""
