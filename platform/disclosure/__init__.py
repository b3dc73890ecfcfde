"""A city's disclosure policy, as data: what its bureaus see of the tenants under them."""
