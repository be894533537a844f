"""Web fixtures: the seeded demo city, a live uvicorn server and one real Chromium per test session."""

from __future__ import annotations

import os
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tongban.audit.unit_of_work import transaction
from tongban.config import Settings
from tongban.identity.policy import Actor
from tongban.synth.demo import DemoAccount, seed_accounts, seed_departments

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DEFAULT_CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
def demo_accounts(sessions: sessionmaker[Session]) -> dict[str, DemoAccount]:
    """The demo city's departments and one account per role, committed; role → account (with its password)."""
    with transaction(sessions) as session:
        seed_departments(session, Actor.system("test"))
        accounts = seed_accounts(session, Actor.system("test"))
    return {account.role: account for account in accounts}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live_server(settings: Settings, demo_accounts: dict[str, DemoAccount]) -> Iterator[str]:
    """The app served by uvicorn on a free local port, in a background thread; yields the base URL."""
    import uvicorn

    from tongban.web.app import create_app

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="tongban-live-server", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                if response.status == 200:
                    break
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(timeout=10)
            pytest.fail(f"the live server on {base} did not answer /healthz")
        time.sleep(0.05)
    yield base
    server.should_exit = True
    thread.join(timeout=15)
    assert not thread.is_alive(), "the live server did not stop"


def _unavailable(reason: str) -> None:
    """Skip a browser test, or fail it under the official test command (which sets TONGBAN_TEST_REQUIRE_POSTGRES)."""
    if os.environ.get("TONGBAN_TEST_REQUIRE_POSTGRES"):
        pytest.fail(f"{reason} (required: TONGBAN_TEST_REQUIRE_POSTGRES is set)", pytrace=False)
    pytest.skip(reason)


def _chromium() -> str:
    configured = os.environ.get("TONGBAN_TEST_CHROMIUM")
    if configured:
        return configured
    if DEFAULT_CHROMIUM.exists():
        return str(DEFAULT_CHROMIUM)
    _unavailable("no Chromium: set TONGBAN_TEST_CHROMIUM or install Debian's chromium")
    raise AssertionError("unreachable")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole session (tests open their own context)."""
    executable = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed")
        raise
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
