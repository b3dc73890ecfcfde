"""GraphQL for county youth healthy-growth counselling centres and their per-period activity."""
