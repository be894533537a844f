"""Writing a synthetic city to a directory: its address library, people and entities in chunks, seven feeds and
their ground truth.

Memory stays bounded by the chunk size (half a million people by default): each chunk is generated, written and
dropped. What must hold across chunks is carried explicitly — the address library (a pure function of the address
index, so it is never held whole), the ID space (so citizen IDs never repeat), the organisation-code bijection and
the entity counter (so credit codes never repeat), and each file's row count (so truth rows name the right feed
row). Randomness is a SeedSequence per chunk and per purpose, so a seed always gives the same files for the same
counts and chunk size.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from tongban.synth import feeds, places
from tongban.synth.address_library import AddressLibrary
from tongban.synth.codes import IdSpace, OrgCodes
from tongban.synth.entities import generate_entities
from tongban.synth.faults import FaultRates
from tongban.synth.output import CsvFile
from tongban.synth.people import FIRST_BIRTH, LAST_BIRTH, People, employ, generate_people

PEOPLE_PER_ENTITY = 7.3  # Shanghai: about 24.9 million residents and 3.4 million market entities
DEFAULT_CHUNK = 500_000  # measured: as fast as 1M per chunk on two cores, with two thirds of the memory
TRUTH_DIR = "truth"

Progress = Callable[[str, int], None]  # ("addresses" | "people" | "entities", how many more are done)


@dataclass(frozen=True)
class CityRequest:
    """What to generate. With ``people_feeds`` False only entity feeds are written; the people generated to be
    legal representatives (one per entity) are not. The standard address library (one address per 6.15 people) is
    written unless ``address_library`` is False; people and entities live at its addresses either way."""

    people: int
    entities: int
    seed: int = 0
    rates: FaultRates = field(default_factory=FaultRates)
    chunk_size: int = DEFAULT_CHUNK
    people_feeds: bool = True
    address_library: bool = True

    def __post_init__(self) -> None:
        if self.people < 0 or self.entities < 0 or self.chunk_size < 1:
            raise ValueError("counts must not be negative and the chunk size must be positive")

    def chunks(self) -> list[tuple[int, int]]:
        """(people, entities) of each chunk; entities are spread over the chunks in proportion."""
        driver = self.people if self.people_feeds else self.entities
        count = max(1, math.ceil(driver / self.chunk_size))

        def share(total: int, k: int) -> int:
            return total * (k + 1) // count - total * k // count

        if self.people_feeds:
            return [(share(self.people, k), share(self.entities, k)) for k in range(count)]
        return [(max(share(self.entities, k), 1), share(self.entities, k)) for k in range(count)]


def entities_for(people: int) -> int:
    """The number of entities a city of ``people`` residents has (about one per 7.3)."""
    return round(people / PEOPLE_PER_ENTITY)


@dataclass(frozen=True)
class WrittenFile:
    """A file of the output directory and its data rows."""

    path: str  # relative to the output directory
    rows: int
    encoding: str


class _Files:
    """The output files, opened on first use with the header of the first table written to them.

    Writes run on one background thread, in the order they were asked for, while the next chunk is generated
    (Arrow's CSV writer releases the GIL). Leaving the context waits for the writer before closing the files.
    """

    def __init__(self, out: Path) -> None:
        self.out = out
        self.open: dict[str, CsvFile] = {}
        self.rows: dict[str, int] = {}
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="synth-writer")
        self.pending: list[Future[None]] = []

    def __enter__(self) -> _Files:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.writer.shutdown(wait=True)
        for sink in self.open.values():
            sink.close()

    def append(self, relative: str, table: pa.Table, encoding: str = "utf-8") -> int:
        """Queue rows for writing; returns the number of data rows the file had before them."""
        if relative not in self.open:
            self.open[relative] = CsvFile(self.out / relative, table.column_names, encoding)
            self.rows[relative] = 0
        before = self.rows[relative]
        self.rows[relative] += table.num_rows
        self.pending.append(self.writer.submit(self.open[relative].append, table))
        return before

    def wait(self) -> None:
        """Block until every queued write is done, raising the first error."""
        pending, self.pending = self.pending, []
        for future in pending:
            future.result()

    def summary(self) -> list[WrittenFile]:
        """Every file written, once the writes are done."""
        self.wait()
        return [WrittenFile(path, sink.rows, sink.encoding) for path, sink in self.open.items()]


def _write_feed(files: _Files, chunk: feeds.FeedChunk) -> None:
    spec = chunk.spec
    before = files.append(spec.filename, chunk.table, spec.encoding)
    rows = chunk.table.num_rows
    files.append(f"{TRUTH_DIR}/{spec.filename}", pa.table({
        "feed": pa.array([spec.name]).take(pa.array(np.zeros(rows, dtype=np.int64))),
        "row": pa.array(np.arange(before + 1, before + rows + 1, dtype=np.int64)),
        spec.key: chunk.keys, "fault": chunk.faults,
    }))


def _people_feeds(files: _Files, rngs: list[np.random.Generator], people: People, rates: FaultRates,
                  library: AddressLibrary) -> None:
    files.append(f"{TRUTH_DIR}/people.csv", people.truth())
    for chunk in (feeds.police(rngs[0], people, rates), feeds.hrss(rngs[1], people, rates),
                  feeds.civil(rngs[2], people, rates), feeds.health(rngs[3], people, rates, library)):
        _write_feed(files, chunk)


def _address_library(files: _Files, request: CityRequest, library: AddressLibrary, progress: Progress | None) -> None:
    """The library feed, ``chunk_size`` addresses at a time."""
    for k, first in enumerate(range(0, library.size, request.chunk_size)):
        files.wait()
        last = min(first + request.chunk_size, library.size)
        rng = np.random.default_rng(np.random.SeedSequence(request.seed, spawn_key=(3, k)))
        _write_feed(files, feeds.address_library(rng, library, first, last, request.rates))
        _report(progress, "addresses", last - first)


def write_city(out: Path, request: CityRequest, progress: Progress | None = None) -> list[WrittenFile]:
    """Generate the city and write its feeds and truth files under ``out`` (created if missing)."""
    (out / TRUTH_DIR).mkdir(parents=True, exist_ok=True)
    root = np.random.SeedSequence(request.seed)
    space = IdSpace(len(places.DISTRICTS), FIRST_BIRTH, LAST_BIRTH - FIRST_BIRTH + 1, int(root.generate_state(1)[0]))
    org = OrgCodes(np.random.default_rng(np.random.SeedSequence(request.seed, spawn_key=(0,))))
    library = AddressLibrary.for_people(request.people, request.seed)
    first_entity = 0
    with _Files(out) as files:
        if request.address_library:
            _address_library(files, request, library, progress)
        for k, (people_count, entity_count) in enumerate(request.chunks()):
            files.wait()  # the previous chunk's writes, so memory holds at most two chunks
            rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(request.seed, spawn_key=(1, k)).spawn(9)]
            people = generate_people(rngs[0], people_count, space, request.rates.death, library)
            entities = generate_entities(rngs[1], entity_count, first_entity, people, org, library)
            first_entity += entity_count
            if request.people_feeds:
                people = employ(rngs[2], people, entities.trading_codes())
                _people_feeds(files, rngs[3:7], people, request.rates, library)
                _report(progress, "people", people_count)
            files.append(f"{TRUTH_DIR}/entities.csv", entities.table)
            _write_feed(files, feeds.samr(rngs[7], entities, people, request.rates))
            _write_feed(files, feeds.tax(rngs[8], entities, request.rates, library))
            _report(progress, "entities", entity_count)
        return files.summary()


def _report(progress: Progress | None, what: str, done: int) -> None:
    if progress is not None:
        progress(what, done)
