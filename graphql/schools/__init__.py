"""GraphQL for school profiles and enrolment (layer: graphql; imports tenants and platform only)."""
