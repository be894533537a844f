"""Exchange API benchmark: single look-ups and 1,000-key batches over HTTP against a population base.

    python bench/exchange.py                                  # 1,000,000 people (the issue's size)
    python bench/exchange.py --people 100000 --seconds 5      # while developing
    python bench/exchange.py --people 24000000 --data-dir /big/disk   # the city's 24 M (about 8 GB of SQLite)

The population base is written straight into a fresh SQLite data directory with SQL (golden records with
per-field provenance in the compact form a build publishes) rather than by running the registry pipeline — its own
benchmark is bench/registry.py; here only the serving side counts. The demo catalog gives the resource
户籍人口基本信息 (id_number, name, sex, birth_date, ethnicity, household_address); a consumer department's API
client holds a grant for its six items (sex and ethnicity clear, the rest masked by the default rules).

The server is ``uvicorn`` in a subprocess (one process, as ``tongban serve`` runs, without access logging) with
``TONGBAN_BENCH_FLOOR=1``, which adds the floor endpoint: the same look-up alone on the same server and database —
no authentication, grant, masking, provenance naming or audit. A client process drives it with ``--concurrency``
threads on keep-alive connections for ``--seconds`` per round, floor and exchange alternating (two rounds each),
random keys. Printed: calls/s, p50/p99 latency and the server's CPU time per call (user + system from /proc: a
figure the machine's other load hardly moves) of each, their ratios, and the latency of 1,000-key batches; at the
end every exchange call that got a response is counted in the audit log.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import select, text

from tongban.audit.unit_of_work import transaction
from tongban.catalog.model import Resource
from tongban.db import make_engine, make_session_factory, upgrade
from tongban.exchange.masking_rules import seed_masking_rules
from tongban.exchange.model import Grant, GrantClient
from tongban.identity import service as identity
from tongban.identity.policy import Actor
from tongban.registry.model import Build
from tongban.standards import id_check_char
from tongban.synth.catalog_real import DEMO_CATALOG
from tongban.synth.demo import seed_catalog, seed_departments

SYSTEM = Actor.system("bench")
RESOURCE = "户籍人口基本信息"
ITEMS = ["id_number", "name", "sex", "birth_date", "ethnicity", "household_address"]
DISTRICTS = ["310101", "310104", "310105", "310106", "310107", "310109", "310110", "310112", "310113", "310114",
             "310115", "310116", "310117", "310118", "310120", "310151"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高欧阳"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华慧巧美"
ROADS = ["张杨路", "世纪大道", "南京东路", "淮海中路", "四平路", "漕溪北路", "长寿路", "延安西路"]
HEADERS = {"X-Tongban-Official": "bench-official", "X-Tongban-Purpose": "%E8%BA%AB%E4%BB%BD%E6%A0%B8%E9%AA%8C",
           "X-Tongban-Case": "BENCH-0001"}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def person_id(n: int) -> str:
    """The n-th synthetic citizen ID: district, a birth date (one per 1,000 people), a sequence, the check."""
    born = dt.date(1940, 1, 1) + dt.timedelta(days=(n // 1000) % 29_000)
    first17 = f"{DISTRICTS[(n // 29_000_000) % 16]}{born:%Y%m%d}{n % 1000:03d}"
    return first17 + id_check_char(first17)


def write_people(db: Path, people: int, build_id: int, department_id: int) -> float:
    """Golden records of ``people`` people straight into registry_people (chunks of 20,000); returns seconds."""
    started = time.perf_counter()
    rng = random.Random(7)
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    sql = ("INSERT INTO registry_people (id_number, name, former_names, sex, birth_date, ethnicity, household_address,"
           " phone, marital_status, provenance, build_id) VALUES (?, ?, '[]', ?, ?, ?, ?, ?, ?, ?, ?)")
    at = "2026-11-01"
    for start in range(0, people, 20_000):
        rows = []
        for n in range(start, min(people, start + 20_000)):
            number = person_id(n)
            name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
            address = f"上海市{rng.choice(ROADS)}{rng.randint(1, 2000)}弄{rng.randint(1, 60)}号"
            fields = ("name", "sex", "birth_date", "ethnicity", "household_address", "phone", "marital_status")
            provenance = {"@": [[department_id, 1, n + 1, at]], **dict.fromkeys(fields, 0)}  # registry.provenance
            rows.append((number, name, "1" if int(number[16]) % 2 else "2",
                         f"{number[6:10]}-{number[10:12]}-{number[12:14]}", "01", address,
                         f"13{rng.randint(100000000, 999999999)}", "20", json.dumps(provenance), build_id))
        con.executemany(sql, rows)
        con.commit()
    con.close()
    return time.perf_counter() - started


def prepare(data_dir: Path, people: int) -> tuple[str, str]:
    """A migrated database with the demo catalog, the population base, a grant and its client: (resource code,
    token)."""
    url = f"sqlite:///{data_dir / 'tongban.db'}"
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    with transaction(sessions) as session:
        seed_departments(session, SYSTEM)
        seed_catalog(session, SYSTEM, DEMO_CATALOG)
        seed_masking_rules(session, SYSTEM)
        resource = session.scalar(select(Resource).where(Resource.name == RESOURCE))
        consumer = next(d for d in identity.view_departments(session, SYSTEM) if d.id != resource.department_id)
        client, token = identity.create_api_client(session, SYSTEM, name="bench", department_id=consumer.id)
        today = dt.date.today()
        grant = Grant(consumer_department_id=consumer.id, resource_id=resource.id, items=ITEMS,
                      clear_items=["sex", "ethnicity"], purpose="身份核验", scenario="基准测试",
                      valid_from=today - dt.timedelta(days=1), valid_to=today + dt.timedelta(days=30),
                      rate_limit=100_000_000)
        session.add(grant)
        session.flush()
        session.add(GrantClient(grant_id=grant.id, client_id=client.id))
        build = Build(base="population", status="published", finished_at=dt.datetime.now(dt.UTC))
        session.add(build)
        session.flush()
        code, build_id, provider = resource.code, build.id, resource.department_id
    engine.dispose()
    seconds = write_people(data_dir / "tongban.db", people, build_id, provider)
    print(f"population base: {people:,} golden records written in {seconds:.1f} s "
          f"({(data_dir / 'tongban.db').stat().st_size / 1e9:.2f} GB)")
    return code, token


SERVER = """
import uvicorn
from tongban.config import load_settings
from tongban.web.app import create_app, settle_heap
s = load_settings()
app = create_app(s)
settle_heap()  # as tongban serve does
uvicorn.run(app, host="127.0.0.1", port=s.port, log_level="warning", access_log=False)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TONGBAN_DATA_DIR": str(data_dir), "TONGBAN_PORT": str(port), "TONGBAN_BENCH_FLOOR": "1",
           "TONGBAN_SECRET_KEY": "bench-" + "x" * 40, "TONGBAN_CHECKPOINT_INTERVAL_SECONDS": "3600"}
    env.pop("TONGBAN_DATABASE_URL", None)
    server = subprocess.Popen([sys.executable, "-c", SERVER], env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the process has used: per call, a figure the machine's other load hardly moves."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def drive(port: int, paths: list[str], headers: dict[str, str], concurrency: int, seconds: float,
          pid: int) -> tuple[int, float, list[float], int, float]:
    """``concurrency`` threads calling GET paths at random for ``seconds``: (calls, elapsed, latencies ms, errors,
    server CPU seconds)."""
    stop = threading.Event()
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors = [0] * concurrency

    def worker(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        rng = random.Random(n)
        mine = latencies[n]
        while not stop.is_set():
            path = paths[rng.randrange(len(paths))]
            started = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                errors[n] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    cpu = cpu_seconds(pid)
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    flat = [v for part in latencies for v in part]
    return len(flat), elapsed, flat, sum(errors), cpu_seconds(pid) - cpu


def batches(port: int, code: str, token: str, people: int, runs: int) -> list[float]:
    """Latency (ms) of ``runs`` 1,000-key batch look-ups, one after the other."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    rng = random.Random(11)
    out = []
    for _ in range(runs):
        body = json.dumps({"keys": [person_id(rng.randrange(people)) for _ in range(1000)]})
        started = time.perf_counter()
        conn.request("POST", f"/api/v1/exchange/resources/{code}/records/batch", body=body,
                     headers={**HEADERS, "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        response = conn.getresponse()
        payload = response.read()
        out.append((time.perf_counter() - started) * 1000)
        assert response.status == 200, payload[:300]
    conn.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=15.0, help="per round (two rounds of each endpoint)")
    parser.add_argument("--batches", type=int, default=30)
    parser.add_argument("--data-dir", type=Path, default=None, help="default: a temporary directory, removed after")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tongban-bench-exchange-") as tmp:
        data_dir = args.data_dir or Path(tmp)
        data_dir.mkdir(parents=True, exist_ok=True)
        code, token = prepare(data_dir, args.people)
        port = free_port()
        server = start_server(data_dir, port)
        try:
            rng = random.Random(3)
            keys = [person_id(rng.randrange(args.people)) for _ in range(20_000)]
            floor_paths = [f"/api/v1/exchange/bench-floor/{code}/records/{k}?items={','.join(ITEMS)}" for k in keys]
            paths = [f"/api/v1/exchange/resources/{code}/records/{k}" for k in keys]
            auth = {**HEADERS, "Authorization": f"Bearer {token}"}
            pid = server.pid
            drive(port, floor_paths, {}, args.concurrency, 2.0, pid)  # warm-up: page cache, caches, connections
            drive(port, paths, auth, args.concurrency, 2.0, pid)
            results: dict[str, list[tuple[int, float, list[float], int, float]]] = {"floor": [], "exchange": []}
            for _ in range(2):
                results["floor"].append(drive(port, floor_paths, {}, args.concurrency, args.seconds, pid))
                results["exchange"].append(drive(port, paths, auth, args.concurrency, args.seconds, pid))
            batch = batches(port, code, token, args.people, args.batches)
        finally:
            server.terminate()
            server.wait(30)
        print(f"\n== {args.people:,} people, SQLite, one uvicorn process, {args.concurrency} concurrent clients, "
              f"2 × {args.seconds:.0f} s each")
        print(f"{'endpoint':<44}{'calls/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'CPU ms/call':>13}{'errors':>8}")
        rates, costs = {}, {}
        for name, rounds in results.items():
            calls = sum(r[0] for r in rounds)
            elapsed = sum(r[1] for r in rounds)
            flat = [v for r in rounds for v in r[2]]
            rates[name] = calls / elapsed
            costs[name] = sum(r[4] for r in rounds) * 1000 / calls
            label = ("floor: the look-up alone" if name == "floor" else
                     "exchange: auth, grant, mask, provenance, audit")
            print(f"{label:<44}{rates[name]:>10,.0f}{statistics.median(flat):>9.1f}{pct(flat, 0.99):>9.1f}"
                  f"{costs[name]:>13.2f}{sum(r[3] for r in rounds):>8}")
            for n, r in enumerate(rounds, 1):
                print(f"  round {n}: {r[0] / r[1]:,.0f} calls/s, p50 {statistics.median(r[2]):.1f}, "
                      f"p99 {pct(r[2], 0.99):.1f}")
        print(f"exchange / floor throughput: {rates['exchange'] / rates['floor']:.0%} "
              f"(server CPU per call: floor / exchange = {costs['floor'] / costs['exchange']:.0%})")
        print(f"1,000-key batch ({len(batch)} runs): p50 {statistics.median(batch):.1f} ms, "
              f"p99 {pct(batch, 0.99):.1f} ms, max {max(batch):.1f} ms")
        engine = make_engine(f"sqlite:///{data_dir / 'tongban.db'}")
        with engine.connect() as conn:
            logged = conn.execute(text("SELECT count(*) FROM audit_records WHERE action = 'exchange.call'")).scalar()
        engine.dispose()
        answered = sum(r[0] for r in results["exchange"]) + len(batch)
        print(f"audit: {logged:,} exchange.call records for {answered:,} timed calls (+ warm-up)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
