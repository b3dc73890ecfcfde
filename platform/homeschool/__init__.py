"""Home-school work (家校共育): home visits and the monthly contact of "four special" students.

Layer: platform. Imports the platform's models only; the records are student-level (SchoolPrivate).
"""
