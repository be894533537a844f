"""What search needs of every published resource, held in memory as columns: facet values and sort order.

The term index in the database says which resources match a query; this store counts the facets, applies the filters
and orders the matches without reading them back from the database row by row (at 110,000 resources a common word
matches more than ten thousand). It is a cache of the database, one per engine, kept exact by a version number: every
transaction that changes what search shows bumps ``catalog_search_state.version`` — the row lock orders those
transactions — and stamps the resources it changed with the new version; a search that finds a newer version reloads
just the stamped rows before it answers. Other processes' changes (the CLI, a second server) are seen the same way.
"""

from __future__ import annotations

import bisect
import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Engine, select, text, update
from sqlalchemy.orm import Session

from tongban.catalog.model import Resource, SearchState

FACETS = ("department_id", "class", "sharing_type", "open_type", "update_cycle", "format")
_CATEGORIES = ("department_id", "class_code", "class", "sharing_type", "open_type", "update_cycle", "format")
_COLUMNS = (Resource.id, Resource.status, Resource.department_id, Resource.class_code, Resource.sharing_type,
            Resource.open_type, Resource.update_cycle, Resource.format, Resource.code, Resource.name)


@dataclass(frozen=True, slots=True)
class Entry:
    """One published resource as search sees it."""

    department_id: int
    class_code: str
    sharing_type: str
    open_type: str
    update_cycle: str
    format: str
    code: str
    name: str

    def category(self, name: str) -> object:
        return self.class_code[:3] if name == "class" else getattr(self, name)


def bump(session: Session) -> int:
    """Take the next search version in this transaction (held until it commits, so versions commit in order)."""
    version = session.scalar(update(SearchState).where(SearchState.id == 1)
                             .values(version=SearchState.version + 1).returning(SearchState.version))
    if version is None:  # the row is created by the migration; a truncated database starts again at 1
        session.add(SearchState(id=1, version=1))
        session.flush()
        version = 1
    return version


def stamp(session: Session, resource_ids: Iterable[int]) -> None:
    """Mark these resources as changed for search in this transaction."""
    ids = list(resource_ids)
    if ids:
        session.execute(update(Resource).where(Resource.id.in_(ids)).values(search_version=bump(session)),
                        execution_options={"synchronize_session": False})


class Columns:
    """An immutable snapshot of the published resources, as arrays in resource id order."""

    def __init__(self, entries: dict[int, Entry]) -> None:
        ids = sorted(entries)
        rows = [entries[i] for i in ids]
        self.ids = np.array(ids, dtype=np.int64)
        self.codes = [e.code for e in rows]
        self.names = [e.name for e in rows]
        self.values: dict[str, list[object]] = {}
        self.index: dict[str, np.ndarray] = {}
        for name in _CATEGORIES:
            column = [e.category(name) for e in rows]
            values = sorted(set(column), key=str)
            number = {v: n for n, v in enumerate(values)}
            self.values[name] = values
            self.index[name] = np.array([number[v] for v in column], dtype=np.int32)
        by_code = sorted(range(len(rows)), key=lambda n: self.codes[n])
        by_name = sorted(range(len(rows)), key=lambda n: (self.names[n], self.codes[n]))
        self.sorted_codes = [self.codes[n] for n in by_code]
        self.sorted_names = [(self.names[n], self.codes[n]) for n in by_name]
        self.code_rank = np.empty(len(rows), dtype=np.int64)
        self.code_rank[by_code] = np.arange(len(rows))
        self.name_rank = np.empty(len(rows), dtype=np.int64)
        self.name_rank[by_name] = np.arange(len(rows))

    def __len__(self) -> int:
        return len(self.ids)

    def locate(self, resource_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(positions, found): where each id sits, and which ids are in the store at all."""
        positions = np.searchsorted(self.ids, resource_ids)
        positions = np.minimum(positions, max(len(self.ids) - 1, 0))
        found = (self.ids[positions] == resource_ids) if len(self.ids) else np.zeros(len(resource_ids), dtype=bool)
        return positions, found

    def equals(self, name: str, value: object) -> np.ndarray:
        """A mask over all positions: the category ``name`` has ``value``."""
        values = self.values[name]
        for number, candidate in enumerate(values):
            if candidate == value:
                return self.index[name] == number
        return np.zeros(len(self.ids), dtype=bool)

    def class_prefix(self, prefix: str) -> np.ndarray:
        """A mask over all positions: the classification code starts with ``prefix``."""
        wanted = [n for n, code in enumerate(self.values["class_code"]) if str(code).startswith(prefix)]
        return np.isin(self.index["class_code"], wanted)

    def facet_counts(self, positions: np.ndarray) -> dict[str, dict[str, int]]:
        """Per facet, {value: count} over ``positions``, most frequent first."""
        out: dict[str, dict[str, int]] = {}
        for name in FACETS:
            counts = np.bincount(self.index[name][positions], minlength=len(self.values[name]))
            pairs = [(str(self.values[name][n]), int(c)) for n, c in enumerate(counts) if c]
            out[name] = dict(sorted(pairs, key=lambda kv: (-kv[1], kv[0])))
        return out

    def code_after(self, code: str) -> int:
        """The first code rank that sorts after ``code``."""
        return bisect.bisect_right(self.sorted_codes, code)

    def name_after(self, name: str, code: str) -> int:
        """The first name rank that sorts after (``name``, ``code``)."""
        return bisect.bisect_right(self.sorted_names, (name, code))


class _Holder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.version = -1
        self.entries: dict[int, Entry] = {}
        self.columns = Columns({})


_HOLDERS: weakref.WeakKeyDictionary[Engine, _Holder] = weakref.WeakKeyDictionary()
_HOLDERS_LOCK = threading.Lock()


def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def current(session: Session) -> Columns:
    """The store as of the version this session sees, reloading what changed since it was last read."""
    engine = _engine(session)
    with _HOLDERS_LOCK:
        holder = _HOLDERS.get(engine)
        if holder is None:
            holder = _HOLDERS[engine] = _Holder()
    version = session.execute(text("SELECT version FROM catalog_search_state WHERE id = 1")).scalar() or 0
    if version == holder.version:
        return holder.columns
    with holder.lock:
        if version != holder.version:
            _refresh(session, holder, version)
        return holder.columns


def _refresh(session: Session, holder: _Holder, version: int) -> None:
    if version < holder.version or holder.version < 0:  # first read, or the database was reset under us
        rows = session.execute(select(*_COLUMNS).where(Resource.status == "published")).all()
        entries: dict[int, Entry] = {}
    else:
        rows = session.execute(select(*_COLUMNS).where(Resource.search_version > holder.version)).all()
        entries = dict(holder.entries)
    for rid, status, *fields in rows:
        if status == "published":
            entries[rid] = Entry(*fields)
        else:
            entries.pop(rid, None)
    holder.entries, holder.columns, holder.version = entries, Columns(entries), version
