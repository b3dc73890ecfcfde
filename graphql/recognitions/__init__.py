"""GraphQL for model-school recognitions (心理健康特色学校)."""
