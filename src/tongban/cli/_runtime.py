"""What every command needs: settings, the database, the audit signer, and one way to report errors."""

from __future__ import annotations

import functools
import getpass
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tongban.audit.signing import Signer, load_or_create_signer
from tongban.config import DataDirError, Settings, load_settings
from tongban.db import DatabaseUnavailable, check_connection, make_engine, make_session_factory, migration_state
from tongban.errors import TongbanError
from tongban.i18n import gettext
from tongban.identity.policy import Actor

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class Runtime:
    """Settings plus the engine, session factory and signer built from them."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def signer(self) -> Signer:
        return load_or_create_signer(self.settings.audit_key_path)

    def _(self, msgid: str, **params: Any) -> str:
        return gettext(self.settings.language, msgid, **params)


def open_runtime(*, require_head: bool = True) -> Runtime:
    """Load settings, reach the database and (unless told otherwise) insist it is migrated."""
    settings = load_settings()
    settings.ensure_data_dir()
    engine = make_engine(settings.resolved_database_url)
    check_connection(engine)
    if require_head:
        current, head = migration_state(engine)
        if current != head:
            fail(gettext(settings.language, "The database is not migrated. Run: tongban db upgrade"))
    return Runtime(settings, engine, make_session_factory(engine))


def cli_actor() -> Actor:
    """The actor for commands run on the server: the system, named after the OS user."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return Actor.system(f"cli:{who}")


def fail(message: str, code: int = 1) -> None:
    """Print one red line and exit non-zero."""
    err_console.print(f"[bold red]✗[/] {message}", highlight=False)
    raise typer.Exit(code)


def describe(exc: TongbanError, language: str) -> str:
    """One readable line (plus field lines) for a domain error."""
    lines = [gettext(language, exc.message, **exc.params)]
    for problem in exc.errors:
        where = f"row {problem.row}, " if problem.row is not None else ""
        lines.append(f"  - {where}{problem.field}: {gettext(language, problem.message, **problem.params)}")
    return "\n".join(lines)


def friendly(func: Callable[P, R]) -> Callable[P, R]:
    """Turn known failures into one clear line and a non-zero exit, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except TongbanError as exc:
            fail(describe(exc, load_settings().language), 2 if exc.status in (400, 404, 409, 422) else 1)
        except (DatabaseUnavailable, DataDirError) as exc:
            fail(str(exc))
        raise AssertionError("unreachable")

    return wrapper
