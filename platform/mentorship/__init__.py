"""All-staff mentorship (全员导师制): a mentor per student per school year, and mentor teams for
the students of serious concern.

Layer: platform. Imports the platform's models only; the records are student-level (SchoolPrivate).
"""
