"""GraphQL for delivering a city's approved figures to its platform: the delivery log, endpoints,
replay and the ADX export, for the city bureau only (layer: graphql; imports tenants and platform only)."""
