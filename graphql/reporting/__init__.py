"""GraphQL for the reporting chain: each tenant's report per period with its approval state, history,
frozen snapshot and changes since approval; the approver's worklist and who is late; and the
submit / approve / return / accept / reopen / comment mutations (layer: graphql; imports tenants and
platform only)."""
