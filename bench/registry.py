"""Population base benchmark: a synthetic city's feeds to published golden records.

    python bench/registry.py --people 1000000            # about ten minutes with the peer
    python bench/registry.py --people 100000 --no-peer
    python bench/registry.py --people 1000000 --no-peer --database-url postgresql+psycopg://…/empty_db

Prints wall time, rows/s and peak memory (RSS, sampled) per stage of ``tongban registry build``, next to, in the
same run: the floor — loading the same feed files into DuckDB with no processing at all — and the peer — splink
alone deduplicating the same rows with its documented default workflow (when available). Match quality is measured
against the generator's ground truth as pairwise precision, recall and F1 (two rows "match" when they are linked
to the same person), for us and for the peer on the same rows. Last, a golden-record look-up by ID, p50/p99
in-process, next to the bare primary-key SELECT.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import duckdb
import pyarrow as pa
from sqlalchemy import select, text

from tongban.audit.unit_of_work import transaction
from tongban.db import make_engine, make_session_factory, upgrade
from tongban.identity.policy import Actor
from tongban.registry.build import build_base
from tongban.registry.model import Feed, Person
from tongban.registry.service import deliver_feed
from tongban.synth.catalog_real import DEMO_CATALOG
from tongban.synth.demo import seed_catalog, seed_departments
from tongban.synth.generate import CityRequest, write_city

SYSTEM = Actor.system("bench")
FEEDS = {"population_police.csv": "户籍人口基本信息", "population_hrss.csv": "社会保险参保信息",
         "population_civil.csv": "婚姻登记信息", "population_health.csv": "居民健康档案"}


class Memory:
    """Peak resident memory, sampled every 0.1 s, per stage."""

    def __init__(self) -> None:
        self.stage, self.peaks = "start", {}  # type: ignore[var-annotated]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @staticmethod
    def rss() -> int:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self.peaks[self.stage] = max(self.peaks.get(self.stage, 0), self.rss())

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def cpu() -> float:
    """CPU seconds used so far by this process and its finished children (the build's loader processes)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def floor(feeds: Path) -> float:
    """Seconds to load the four feed files into DuckDB with no processing (the floor)."""
    started = time.perf_counter()
    with duckdb.connect() as con:
        for n, name in enumerate(FEEDS):
            encoding = "gb18030" if "civil" in name else "utf-8"
            if encoding != "utf-8":  # DuckDB reads UTF-8 only: transcode outside the timed load
                continue
            con.execute(f"CREATE TABLE f{n} AS SELECT * FROM read_csv('{feeds / name}', all_varchar = true)")
    return time.perf_counter() - started


def pairwise(con: duckdb.DuckDBPyConnection, table: str) -> tuple[float, float, float]:
    """Pairwise precision, recall, F1 of ``table(uid, predicted, truth)`` (predicted NULL: a row on its own)."""
    tp, pred, true = con.execute(f"""
        WITH t AS (SELECT uid, coalesce(predicted, 'row:' || uid) AS p, truth FROM {table}),
             a AS (SELECT count(*) AS n FROM t GROUP BY p, truth),
             b AS (SELECT count(*) AS n FROM t GROUP BY p),
             c AS (SELECT count(*) AS n FROM t GROUP BY truth)
        SELECT (SELECT sum(n * (n - 1) / 2) FROM a), (SELECT sum(n * (n - 1) / 2) FROM b),
               (SELECT sum(n * (n - 1) / 2) FROM c)""").fetchall()[0]
    precision, recall = tp / max(pred, 1), tp / max(true, 1)
    return precision, recall, 2 * precision * recall / max(precision + recall, 1e-12)


def ours(con: duckdb.DuckDBPyConnection, work: Path, names: dict[int, str], feeds: Path) -> tuple[float, ...]:
    """Pairwise quality of the build's lineage — its ``outcomes`` table, read in DuckDB: at 24 M people the
    lineage is 77 M rows, too many to pass through Python."""
    files = pa.table({"feed_id": pa.array(list(names), pa.int64()), "feed": pa.array(list(names.values()))})
    con.execute(f"ATTACH '{work}' AS work (READ_ONLY)")
    con.execute("""CREATE OR REPLACE TABLE lineage AS SELECT f.feed, o."row", o.outcome, o.key
                   FROM work.outcomes o JOIN files f USING (feed_id)""")
    con.execute("DETACH work")
    con.execute(f"""CREATE OR REPLACE TABLE truth AS SELECT feed || '.csv' AS feed, "row", person_id
                    FROM read_csv('{feeds}/truth/population_*.csv', all_varchar = true, union_by_name = true)""")
    con.execute("""CREATE OR REPLACE TABLE scored AS
        SELECT l.feed || ':' || l.row AS uid, CASE WHEN l.outcome IN ('linked', 'duplicate') THEN l.key END AS predicted,
               t.person_id AS truth
        FROM lineage l JOIN truth t ON t.feed = l.feed AND CAST(t.row AS BIGINT) = l.row""")
    return pairwise(con, "scored")


def lookups(sessions, keys: list[str]) -> tuple[list[float], list[float]]:  # type: ignore[no-untyped-def]
    """Each key looked up once untimed first: just after a build the serving file (21 GB at 24 M) is not in the page
    cache, and whichever of the two loops ran first paid for reading it (p99 20.8 ms against the bare SELECT's 0.55
    at 24 M people)."""
    ours_, bare = [], []
    with sessions() as session:
        for key in keys:
            session.get(Person, key)
        session.expunge_all()
        for key in keys:
            started = time.perf_counter()
            session.get(Person, key)
            ours_.append((time.perf_counter() - started) * 1000)
            session.expunge_all()
        conn = session.connection()
        for key in keys:
            started = time.perf_counter()
            conn.execute(text("SELECT * FROM registry_people WHERE id_number = :k"), {"k": key}).fetchall()
            bare.append((time.perf_counter() - started) * 1000)
    return ours_, bare


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--memory", default="8GB", help="DuckDB memory limit for the build")
    parser.add_argument("--no-peer", action="store_true", help="skip splink's default workflow")
    parser.add_argument("--dir", type=Path, help="work here instead of a temporary directory")
    parser.add_argument("--database-url", help="serve from this empty database (e.g. PostgreSQL: "
                                               "postgresql+psycopg://…) instead of SQLite in the work directory")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tongban-registry-bench-") as tmp:
        root = args.dir or Path(tmp)
        feeds = root / "feeds"
        started = time.perf_counter()
        write_city(feeds, CityRequest(people=args.people, entities=max(1, args.people // 7), seed=args.seed))
        for unused in ("entity_*.csv", "address_library.csv", "truth/entit*.csv", "truth/address_library.csv",
                       "truth/people.csv"):  # the population base's build reads none of these: 9.8 GB at 24 M
            for path in feeds.glob(unused):
                path.unlink()
        rows = sum(sum(1 for _ in (feeds / name).open("rb")) - 1 for name in FEEDS)
        print(f"generated {args.people:,} people, {rows:,} population feed rows in {time.perf_counter() - started:.1f} s")

        engine = make_engine(args.database_url or f"sqlite:///{root / 'tongban.db'}")
        serving = "PostgreSQL" if engine.dialect.name == "postgresql" else "SQLite"
        upgrade(engine)
        sessions = make_session_factory(engine)
        with transaction(sessions) as session:
            seed_departments(session, SYSTEM)
            seed_catalog(session, SYSTEM, DEMO_CATALOG)
        memory = Memory()
        times: dict[str, float] = {}
        memory.stage, started = "deliver", time.perf_counter()
        for name, resource in FEEDS.items():
            with transaction(sessions) as session, (feeds / name).open("rb") as source:
                deliver_feed(session, SYSTEM, resource, name, source, store=root / "store")
        times["deliver"] = time.perf_counter() - started
        marks: dict[str, float] = {}

        def tick(stage: str, done: int, total: int | None) -> None:
            if stage not in marks:
                marks[stage] = time.perf_counter()
                memory.stage = stage

        started, cpu_started = time.perf_counter(), cpu()
        report = build_base(sessions, SYSTEM, "population", store=root / "store", registry_dir=root / "registry",
                            progress=tick, memory_limit=args.memory)
        total, cpu_used = time.perf_counter() - started, cpu() - cpu_started
        memory.stop()
        times.update({k: v for k, v in report.seconds.items()})
        times["start"] = total - sum(report.seconds.values())
        floor_s = floor(feeds)
        print(f"\n== {args.people:,} people, {rows:,} feed rows ({serving} serving database)")
        print(f"{'stage':<14}{'seconds':>10}{'rows/s':>14}{'peak RSS GB':>14}")
        for stage in ("deliver", "ingest", "standardize", "match", "publish"):
            seconds = times.get(stage, 0.0)
            peak = memory.peaks.get(stage, 0) / 2**30
            print(f"{stage:<14}{seconds:>10.1f}{rows / max(seconds, 1e-9):>14,.0f}{peak:>14.2f}")
        print(f"{'build total':<14}{total:>10.1f}{rows / total:>14,.0f}{max(memory.peaks.values()) / 2**30:>14.2f}")
        print(f"{'floor (load)':<14}{floor_s:>10.1f}{rows / floor_s:>14,.0f}   (3 UTF-8 feeds into DuckDB, no work)")
        print(f"build / floor = {total / floor_s:.1f}x")
        print(f"build CPU {cpu_used:.1f} s (this process and its loaders): {cpu_used / total:.2f} of "
              f"{os.cpu_count()} cores busy on average")
        print("steps: " + ", ".join(f"{k} {v}" for k, v in report.seconds.items() if "." in k))

        with sessions() as session:
            names = {f.id: f.filename for f in session.scalars(select(Feed))}
        work = root / "registry" / "population" / "work.duckdb"
        with duckdb.connect() as con:
            con.execute(f"SET memory_limit = '{args.memory}'")
            con.execute(f"SET temp_directory = '{root / 'bench-spill'}'")
            p, r, f1 = ours(con, work, names, feeds)
            print(f"\nmatch quality (pairwise, against the generator's truth): precision {p:.5f} recall {r:.5f} "
                  f"F1 {f1:.5f}")
            if not args.no_peer:  # under the same DuckDB memory limit as our build, spilling to disk like it
                peer(con, work, names, rows, total)
            keys = [k for (k,) in con.execute("SELECT DISTINCT key FROM lineage WHERE key IS NOT NULL "
                                              "ORDER BY hash(key) LIMIT 10000").fetchall()]
        random.Random(1).shuffle(keys)
        ours_ms, bare_ms = lookups(sessions, keys)
        print(f"\nlook-up by ID: p50 {statistics.median(ours_ms):.3f} ms, p99 {pct(ours_ms, 0.99):.3f} ms "
              f"(bare SELECT p50 {statistics.median(bare_ms):.3f}, p99 {pct(bare_ms, 0.99):.3f})")
    return 0


def peer(con: duckdb.DuckDBPyConnection, work: Path, names: dict[int, str], rows: int, ours_seconds: float) -> None:
    """splink's documented default deduplication over the same standardised rows, the ID number as delivered among
    its columns; its quality on the same truth."""
    try:
        from tongban.registry.linkage_peer import splink_default_dedupe
    except ImportError:
        print("peer: splink is not available")
        return
    con.execute(f"ATTACH '{work}' AS work (READ_ONLY)")
    union = " UNION ALL BY NAME ".join(  # each feed's standardised rows have the columns of its own items
        f"""SELECT '{name}:' || "row" AS unique_id, * FROM work.std_{feed_id}""" for feed_id, name in names.items())
    con.execute(f"""CREATE OR REPLACE TABLE peer_rows AS
                    SELECT unique_id, name, sex, birth_date, phone,
                           coalesce(residence_address_district, household_address_district) AS district,
                           coalesce(id_number, id_input) AS id  -- the ID as delivered, checked or not
                    FROM ({union})""")
    con.execute("DETACH work")
    started = time.perf_counter()
    table = splink_default_dedupe(con, "peer_rows", predict_threshold=0.5)  # pairs below cannot cluster at 0.95
    seconds = time.perf_counter() - started
    con.execute(f"""CREATE OR REPLACE TABLE peer_scored AS SELECT s.uid, CAST(c.cluster_id AS VARCHAR) AS predicted,
                    s.truth FROM scored s LEFT JOIN {table} c ON c.unique_id = s.uid""")
    p, r, f1 = pairwise(con, "peer_scored")
    print(f"peer (splink default workflow): {seconds:.1f} s, {rows / seconds:,.0f} rows/s; precision {p:.5f} "
          f"recall {r:.5f} F1 {f1:.5f}; our build's throughput is {seconds / ours_seconds:.1f}x the peer's")


if __name__ == "__main__":
    sys.exit(main())
