"""Imports every context's tables so that the metadata is complete (for Alembic and tests)."""

from tongban.audit import model as _audit_model  # noqa: F401
from tongban.catalog import model as _catalog_model  # noqa: F401
from tongban.exchange import model as _exchange_model  # noqa: F401
from tongban.identity import model as _identity_model  # noqa: F401
from tongban.registry import model as _registry_model  # noqa: F401
