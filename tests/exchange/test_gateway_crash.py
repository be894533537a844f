"""The server killed during a load of exchange calls: after a restart every call that got a response has its audit
record, and ``tongban audit verify`` passes (a real ``tongban serve``, killed with SIGKILL)."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import select

from tests.exchange.gateway_world import auth, build_world
from tongban.audit.model import AuditRecord

TONGBAN = shutil.which("tongban") or str(Path(sys.executable).parent / "tongban")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen([TONGBAN, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise AssertionError("tongban serve did not answer /healthz")


def _load(port: int, paths: list[tuple[str, dict[str, str]]], answered: list[tuple[str, int]],
          stop: threading.Event) -> None:
    """Call round-robin until the server goes away; keep the request id of every call that got a response."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    n = 0
    while not stop.is_set():
        path, headers = paths[n % len(paths)]
        n += 1
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            return
        answered.append((response.headers["X-Tongban-Request-Id"], response.status))


def test_every_call_answered_before_a_kill_is_in_the_verified_audit_log(session, db_url, tmp_path):
    world = build_world(session, rate_limit=1_000_000)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_") or k.startswith("TONGBAN_TEST_")}
    env.update({"TONGBAN_DATA_DIR": str(tmp_path / "data"), "TONGBAN_DATABASE_URL": db_url, "TONGBAN_PORT": str(port),
                "TONGBAN_LANGUAGE": "en", "TONGBAN_SECRET_KEY": "crash-test-" + "x" * 40})
    base = f"/api/v1/exchange/resources/{world.people}/records/"
    paths = [(base + world.person, auth(world.token)), (base + world.person2, auth(world.token)),
             (base + world.absent, auth(world.token)), (base + world.person, {"Authorization": f"Bearer {world.token}"})]
    server = _serve(env, port)
    answered: list[tuple[str, int]] = []
    stop = threading.Event()
    threads = [threading.Thread(target=_load, args=(port, paths[n:] + paths[:n], answered, stop)) for n in range(4)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 20
    while len(answered) < 150 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(server.pid, signal.SIGKILL)  # mid-load: calls are in flight
    server.wait(10)
    stop.set()
    for thread in threads:
        thread.join(15)
    assert len(answered) >= 150 and {status for _, status in answered} >= {200, 404, 422}

    server = _serve(env, port)  # restarted on the same database
    try:
        after: list[tuple[str, int]] = []
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", base + world.person, headers=auth(world.token))
        response = connection.getresponse()
        response.read()
        after.append((response.headers["X-Tongban-Request-Id"], response.status))
        assert after[0][1] == 200
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)

    session.expire_all()
    logged = {request_id for (request_id,) in session.execute(
        select(AuditRecord.request_id).where(AuditRecord.action == "exchange.call"))}
    missing = [request_id for request_id, _ in answered + after if request_id not in logged]
    assert not missing, f"{len(missing)} answered calls have no audit record"
    verified = subprocess.run([TONGBAN, "audit", "verify"], env=env, capture_output=True, text=True, timeout=120)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "intact" in verified.stdout
