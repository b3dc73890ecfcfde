"""GraphQL for student files, screening, the warning network's follow-ups, referrals and the
school's crisis plan.

Student-level objects are answered to their own school only (tenants.disclosure.require_own_school
refuses anyone else, the scoping hook returns nothing to them); every such object read is a
personal-data read in the audit log. Rounds and crisis plans are institutional records.
"""
