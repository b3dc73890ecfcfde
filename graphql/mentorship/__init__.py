"""GraphQL of all-staff mentorship: MentorAssignment, MentorTeam, their Tenant lists and mutations."""
