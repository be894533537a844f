"""Synthetic demo city: departments, accounts and (later) people, entities and data for demos and tests."""
