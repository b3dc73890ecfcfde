"""GraphQL for training programmes, sessions, attendance and continuing-education credits
(layer: graphql; imports tenants and platform only)."""
