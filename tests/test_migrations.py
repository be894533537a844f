"""Migrations keep the data they find: a catalog indexed before 0003 is still found after it, and back again."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from tests.conftest import BACKENDS, PG_URL
from tongban.catalog.search import search
from tongban.db import alembic_config, make_engine, make_session_factory

NOW = "2026-11-27 08:00:00.000000"


@pytest.fixture(params=BACKENDS)
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database with no tables at all (a new one on PostgreSQL, dropped afterwards)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield engine
        engine.dispose()
        return
    assert PG_URL
    name = f"tongban_mig_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _migrate(engine: Engine, target: str, *, down: bool = False) -> None:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, target)


def _seed_0002(engine: Engine) -> None:
    """One published resource and its index terms, written as 0002's tables were."""
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO departments (id, name, short_name, credit_code, division_code, created_at) "
                          "VALUES (1, '上海市公安局', '公安局', '11310000002421170X', '310000', :now)"), {"now": NOW})
        conn.execute(text(
            "INSERT INTO catalog_resources (id, code, class_code, name, department_id, abstract, format, sharing_type,"
            " sharing_condition, share_methods, open_type, open_condition, update_cycle, related_codes, legal_basis,"
            " status, version, created_at, updated_at) VALUES (1, '101001/00001', '101001', '户籍人口基本信息', 1,"
            " '', 'database', 'unconditional', '', '[\"api\"]', 'not_open', '', 'daily', '[]', '《条例》',"
            " 'published', 1, :now, :now)"), {"now": NOW})
        conn.execute(text("INSERT INTO catalog_terms (resource_id, term, weight) VALUES "
                          "(1, '户籍', 8), (1, '籍人', 8), (1, '人口', 8), (1, '公安', 2)"))


def _terms(engine: Engine) -> set[tuple[str, int, int]]:
    with engine.connect() as conn:
        return {tuple(r) for r in conn.execute(text("SELECT term, resource_id, weight FROM catalog_terms"))}


def test_the_search_index_survives_its_rebuild_both_ways(empty_engine: Engine) -> None:
    _migrate(empty_engine, "0002")
    _seed_0002(empty_engine)
    before = _terms(empty_engine)

    _migrate(empty_engine, "head")
    assert _terms(empty_engine) == before
    with make_session_factory(empty_engine)() as session:
        page = search(session, "户籍人口")
        assert [r.code for r in page.results] == ["101001/00001"]
        assert page.facets["department_id"] == {"1": 1}

    _migrate(empty_engine, "0002", down=True)
    assert _terms(empty_engine) == before
    _migrate(empty_engine, "head")
    assert _terms(empty_engine) == before
