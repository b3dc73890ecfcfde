"""GraphQL for targets and the indicators they are measured by: definitions, values per tenant,
a school's gaps, and target progress (layer: graphql; imports tenants and platform only)."""
