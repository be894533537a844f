"""Fixtures: every database test runs on SQLite and on PostgreSQL (TONGBAN_TEST_POSTGRES_URL)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from tongban.audit.chain import GENESIS
from tongban.config import Settings
from tongban.db import Base, make_engine, make_session_factory, upgrade
from tongban.identity.policy import Actor

from tests.tampering import APPEND_ONLY_TABLES

# Rich tables as a wide terminal prints them, whatever runs the tests (a pytest-xdist worker has no terminal).
os.environ.setdefault("COLUMNS", "200")

PG_URL = os.environ.get("TONGBAN_TEST_POSTGRES_URL")
if os.environ.get("TONGBAN_TEST_REQUIRE_POSTGRES") and not PG_URL:
    raise pytest.UsageError("TONGBAN_TEST_REQUIRE_POSTGRES is set but TONGBAN_TEST_POSTGRES_URL is not")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])

OUTPUT = Path(__file__).resolve().parent.parent / "test-output"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "tongban.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session."""
    assert PG_URL
    name = f"tongban_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate(url: str) -> None:
    engine = make_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        for table in APPEND_ONLY_TABLES:  # a tamper test may have lifted the guard
            conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER ALL"))
        conn.execute(text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, :h)"), {"h": GENESIS})
        conn.execute(text("INSERT INTO catalog_search_state (id, version) VALUES (1, 0)"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty, migrated database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "tongban.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_database")
    _truncate(url)
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session for use-case tests; the test commits when it needs to."""
    with sessions() as s:
        yield s


@pytest.fixture
def system() -> Actor:
    return Actor.system("test")


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    """Settings for an app on the test database, with no login slow-down."""
    return Settings(data_dir=tmp_path / "var", database_url=db_url, secret_key="test-secret-" + uuid.uuid4().hex,
                    login_slowdown_seconds=0, checkpoint_interval_seconds=3600,
                    sweep_interval_seconds=0, webhook_interval_seconds=0)


@pytest.fixture
def app(settings: Settings):  # type: ignore[no-untyped-def]
    from tongban.web.app import create_app

    return create_app(settings)


@pytest.fixture
def client(app) -> Iterator:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="session")
def output_dir() -> Path:
    """Where screenshots and other artefacts of the run go."""
    OUTPUT.mkdir(exist_ok=True)
    return OUTPUT
