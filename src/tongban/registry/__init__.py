"""The base databases (基础库): department feeds delivered, checked, matched and kept as golden records."""
