"""GraphQL for a city's disclosure policy: reading the rules in force, and the city changing them."""
