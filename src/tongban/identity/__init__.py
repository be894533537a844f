"""Identity: departments, users and roles, login sessions, API clients and the permission policy."""
