"""Model-school recognitions (心理健康特色学校): platform layer, imports only platform modules."""
