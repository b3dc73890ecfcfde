"""GraphQL for reporting completeness: Tenant.reportingCompleteness, which required figures each tenant
of a subtree owes for a period, which are missing and which came late, with the rates (layer:
graphql; imports tenants and platform only)."""
