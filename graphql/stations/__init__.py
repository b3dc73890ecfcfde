"""GraphQL for sunshine counselling stations and counselling rooms."""
