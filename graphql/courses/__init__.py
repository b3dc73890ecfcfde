"""GraphQL for classes, their per-term class hours, and school activities (layer: graphql; imports
tenants and platform only)."""
