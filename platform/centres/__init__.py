"""Youth healthy-growth counselling centres, one per county."""
