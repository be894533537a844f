"""Architecture rules that keep the code readable as it grows (see docs/architecture.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi.routing import APIRoute

from tongban.db import Base, alembic_config
from tongban.web.api.exchange import exchange_client
from tongban.web import deps

SRC = Path(__file__).resolve().parent.parent / "src" / "tongban"
MAX_MODULE_LINES = 400
AUTH_DEPENDENCIES = {deps.require_user, deps.current_actor, deps.require_client, deps.client_actor,
                     deps.api_actor, exchange_client}  # the exchange API's own cached client authentication


def _dependency_calls(dependant) -> set:  # type: ignore[no-untyped-def]
    calls = set()
    for sub in dependant.dependencies:
        calls.add(sub.call)
        calls |= _dependency_calls(sub)
    return calls


def _flatten(routes, prefix: str = "") -> list[tuple[str, APIRoute]]:  # type: ignore[no-untyped-def]
    flat = []
    for route in routes:
        if isinstance(route, APIRoute):
            flat.append((prefix + route.path, route))
        elif hasattr(route, "original_router"):  # an included router
            flat += _flatten(route.original_router.routes, prefix + route.include_context.prefix)
    return flat


@pytest.fixture(scope="module")
def routes(tmp_path_factory) -> list[tuple[str, APIRoute]]:  # type: ignore[no-untyped-def]
    from tongban.config import Settings
    from tongban.web.app import create_app

    data = tmp_path_factory.mktemp("arch")
    app = create_app(Settings(data_dir=data, secret_key="x" * 40))
    return _flatten(app.routes)


def test_import_contracts_hold():
    linter = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(linter), "--no-cache", "pyproject.toml"], capture_output=True, text=True,
                            cwd=SRC.parent.parent)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_route_declares_its_authentication_or_is_listed_public(routes):
    undeclared = []
    for path, route in routes:
        for method in route.methods - {"HEAD"}:
            if (method, path) in deps.PUBLIC_ROUTES:
                continue
            if not (_dependency_calls(route.dependant) & AUTH_DEPENDENCIES):
                undeclared.append(f"{method} {path}")
    assert not undeclared, f"routes without authentication and not in PUBLIC_ROUTES: {undeclared}"


_DOCS = {("GET", "/api/docs"), ("GET", "/api/openapi.json")}


def test_public_routes_list_names_only_existing_routes(routes):
    existing = {(m, path) for path, r in routes for m in r.methods} | {("GET", "/static")} | _DOCS
    assert deps.PUBLIC_ROUTES <= existing, deps.PUBLIC_ROUTES - existing


def test_every_page_form_post_checks_csrf(routes):
    missing = [path for path, r in routes if "POST" in r.methods and not path.startswith("/api/")
               and deps.csrf_protect not in _dependency_calls(r.dependant)]
    assert any(path == "/login" for path, _ in routes)
    assert not missing, f"form posts without CSRF protection: {missing}"


def test_no_module_grows_past_the_size_limit():
    too_long = {str(p.relative_to(SRC)): n for p in SRC.rglob("*.py")
                if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert not too_long, f"split these modules: {too_long}"


def test_alembic_has_a_single_head():
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


def test_migrations_match_the_models(engine):
    import tongban.models  # noqa: F401

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == [], diff
