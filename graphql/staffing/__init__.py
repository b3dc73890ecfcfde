"""GraphQL for staff (mental-health teachers, hired counsellors, homeroom teachers) and staff counts.

Staff records hold personal data: each Staff object decides once, when built, whether its personal
fields are shown (`runxin.tenants.disclosure`), and says so in `personalDataMasked`.
"""
