"""GraphQL for psychological-aid hotlines and their per-period call counts."""
