"""Catalog benchmark: search latency at 11,000 and 110,000 resources and workbook import throughput.

    python bench/catalog.py                       # both sizes (the 110,000 build takes several minutes)
    python bench/catalog.py --sizes 11000 --runs 30

Each figure is printed next to its floor measured in the same run on the same database: for search, the bare
index query (every term joined on catalog_terms' (term, resource) key from the rarest, top 20 by score, in one SQL
statement: no facets, no total, no ORM); over HTTP, the same
search through the API next to GET /healthz on the same server; for import, reading the workbook alone.
Medians and p95 over --runs repetitions of every query (the machine is shared and noisy).
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn
from sqlalchemy import text

from tongban.audit.unit_of_work import transaction
from tongban.catalog.bulk import publish_many
from tongban.catalog.importing import import_catalog
from tongban.catalog.search import search
from tongban.catalog.terms import query_terms
from tongban.catalog.workbook import ExportRow, read_workbook
from tongban.catalog.workbook_write import write_xlsx
from tongban.config import Settings
from tongban.db import make_engine, make_session_factory, upgrade
from tongban.identity import service as identity
from tongban.identity.policy import Actor
from tongban.synth.catalog_scale import SCALE_DEPARTMENTS, generate_catalog
from tongban.synth.demo import seed_departments
from tongban.web.app import create_app

# Every query matches at both sizes (a query that matches nothing is cheap and would flatter the figures): common
# words that match thousands (户籍, 浦东, 许可), multi-word and abbreviation queries that match tens to hundreds.
QUERIES = ["户籍", "社保", "浦东", "企业登记", "婚姻登记信息", "不动产", "公积金", "徐汇区 监测", "食品生产", "养老机构",
           "排污单位", "许可"]
SYSTEM = Actor.system("bench")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def build(url: str, size: int) -> float:
    """A fresh catalog of ``size`` published resources; returns seconds taken."""
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    started = time.perf_counter()
    with transaction(sessions) as session:
        seed_departments(session, SYSTEM, SCALE_DEPARTMENTS)
    with transaction(sessions) as session:
        departments = {d.short_name: d for d in identity.view_departments(session, SYSTEM)}
        publish_many(session, SYSTEM, ((departments[r.department], r.draft) for r in generate_catalog(size)))
    engine.dispose()
    return time.perf_counter() - started


FLOOR_SQL = """
SELECT t0.resource_id, {score} AS score FROM catalog_terms t0 {joins}
WHERE t0.term = :t0 ORDER BY score DESC LIMIT 20
"""


def rarest_first(session, query: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The query's terms, rarest first (worked out before the floor is timed: the floor gets its best order free)."""
    words = query_terms(query)
    count = text("SELECT count(*) FROM catalog_terms WHERE term = :t")
    return sorted(words, key=lambda w: (session.execute(count, {"t": w}).scalar_one(), w))


def floor_query(session, words: list[str]) -> None:  # type: ignore[no-untyped-def]
    """The bare index lookup: every term joined on the (term, resource) key from the rarest, top 20 by score."""
    joins = " ".join(f"JOIN catalog_terms t{i} ON t{i}.term = :t{i} AND t{i}.resource_id = t0.resource_id"
                     for i in range(1, len(words)))
    score = " + ".join(f"t{i}.weight" for i in range(len(words)))
    session.execute(text(FLOOR_SQL.format(score=score, joins=joins)), {f"t{i}": w for i, w in enumerate(words)}).all()


def timed(fn, runs: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_search(url: str, data_dir: Path, runs: int) -> dict[str, list[float]]:
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    results: dict[str, list[float]] = {"in-process": [], "floor": [], "http": [], "http floor": []}
    with sessions() as session:
        started = time.perf_counter()
        search(session, "")
        print(f"search store loaded in {time.perf_counter() - started:.2f} s (once per process)")
        print("matches: " + ", ".join(f"{q} {search(session, q).total:,}" for q in QUERIES))
        for q in QUERIES:
            search(session, q)  # warm the page cache
            results["in-process"] += timed(lambda: search(session, q), runs)
            ordered = rarest_first(session, q)
            results["floor"] += timed(lambda: floor_query(session, ordered), runs)
        dept_id = session.execute(text("SELECT id FROM departments ORDER BY id LIMIT 1")).scalar_one()
    with transaction(sessions) as session:
        _, token = identity.create_api_client(session, SYSTEM, name="bench", department_id=dept_id)
    port = free_port()
    app = create_app(Settings(data_dir=data_dir, database_url=url, secret_key="bench-" + "x" * 40, port=port))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"}) as http:
        for q in QUERIES:
            http.get("/api/v1/catalog/resources", params={"q": q})
            results["http"] += timed(lambda: http.get("/api/v1/catalog/resources", params={"q": q}), runs)
            results["http floor"] += timed(lambda: http.get("/healthz"), runs)
    server.should_exit = True
    thread.join()
    engine.dispose()
    return results


def bench_import(url: str, items_wanted: int) -> tuple[int, float, float]:
    """(items, read seconds, read + validate + apply seconds) for a workbook of about ``items_wanted`` items."""
    rows, items = [], 0
    names = {d.short_name: d.name for d in SCALE_DEPARTMENTS}
    for demo in generate_catalog(items_wanted, seed=7):
        rows.append(ExportRow("", names[demo.department], demo.draft))
        items += len(demo.draft.items)
        if items >= items_wanted:
            break
    data = write_xlsx(rows)
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    with transaction(sessions) as session:
        seed_departments(session, SYSTEM, SCALE_DEPARTMENTS)
    started = time.perf_counter()
    result = read_workbook(data, filename="bench.xlsx")
    read_s = time.perf_counter() - started
    with transaction(sessions) as session:
        report = import_catalog(session, SYSTEM, result, filename="bench.xlsx")
    total_s = time.perf_counter() - started
    assert report.applied, report.problems[:5]
    engine.dispose()
    return result.item_count, read_s, total_s


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="11000,110000")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--import-items", type=int, default=110_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tongban-bench-") as tmp:
        for size in [int(s) for s in args.sizes.split(",")]:
            url = f"sqlite:///{tmp}/catalog-{size}.db"
            built = build(url, size)
            print(f"\n== {size:,} resources on SQLite (built in {built:.1f} s, {size / built:,.0f} resources/s)")
            res = bench_search(url, Path(tmp) / f"data-{size}", args.runs)
            print(f"{'search':<22}{'p50 ms':>10}{'p95 ms':>10}")
            for name, values in res.items():
                print(f"{name:<22}{statistics.median(values):>10.1f}{pct(values, 0.95):>10.1f}")
            ratio = pct(res["in-process"], 0.95) / max(pct(res["floor"], 0.95), 1e-6)
            print(f"in-process p95 / floor p95 = {ratio:.1f}x")
        items, read_s, total_s = bench_import(f"sqlite:///{tmp}/import.db", args.import_items)
        print(f"\n== import of a {items:,}-item workbook")
        print(f"read only (floor)     {items / read_s:>10,.0f} items/s  ({read_s:.1f} s)")
        print(f"read + check + apply  {items / total_s:>10,.0f} items/s  ({total_s:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
