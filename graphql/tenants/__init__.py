"""GraphQL for the tenant tree: the Tenant type, viewer, tenant(code:), tenants(...)."""
