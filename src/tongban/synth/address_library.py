"""The synthetic city's standard address library (标准地址库): the finite set of addresses people and entities live at.

Address ``i`` of a library is a pure function of ``i``, the library's size and the seed, computed for whole columns at
once, so the library never has to exist in memory: the planning bureau's feed is written chunk by chunk, and a person's
home is a random index turned into text. District ``d`` owns a block of indexes in proportion to its population. Inside
it, index ``j`` takes the street/town × road pair ``perm[j mod P]`` (the district's P pairs in a seeded order, so a
small library still spreads over the whole district) and is the ``k = j div P``-th address of that pair. The pair of
street ``s`` owns door slots ``s·T … s·T + T − 1`` of its road; slot ``z`` is door number ``2z + 1`` or ``2z + 2`` (odd
or even side, by a hash), so a door number is unique on its road whatever the street. A door holds :data:`PER_DOOR`
addresses: a lane (弄, :data:`LANE_SHARE` of doors) with numbers 1 … 10 inside (``123弄5号``), or a compound that is the
door itself (``124号``) and its buildings 1 … 9 (``124号3幢``). No two addresses of a library are the same.

The address code is 24 digits, ``DDDDDD SSS RRR LLLLL NNNNN BB``: the GB/T 2260 district, the street or town's and the
road's 1-based sequence in the district, the lane (``00000``: none), the number (号) and the building (幢, ``00``: none).
``DDDDDDSSS`` is the street or town code (所属街镇), standing in for the GB/T 10114 one. Coordinates are WGS-84 degrees
scattered around a seeded centre per street or town, inside the district's rough bounding box.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from tongban.synth import places
from tongban.synth._arrow import digits, fixed_width, join, numbered, pick

PEOPLE_PER_ADDRESS = 6.15  # Shanghai: about 3.9 million standard addresses for 24 million residents
PER_DOOR = 10
LANE_SHARE = 55  # per cent of doors that are lanes
_STREETS = np.array([len(d.streets) for d in places.DISTRICTS], dtype=np.int64)
_ROADS = np.array([len(d.roads) for d in places.DISTRICTS], dtype=np.int64)
_STREET_START = np.r_[0, np.cumsum(_STREETS)[:-1]].astype(np.int64)
_BOUNDS = np.array([places.BOUNDS[d.code] for d in places.DISTRICTS])  # (16, 4): lon from, to, lat from, to


def _district_counts(size: int) -> np.ndarray:
    """Addresses per district: in proportion to population, at least one each."""
    weights = np.array([d.population for d in places.DISTRICTS])
    return np.maximum(1, np.round(max(size, 1) * weights / weights.sum())).astype(np.int64)


def library_size(people: int) -> int:
    """How many addresses the library of a city of ``people`` residents has."""
    return int(_district_counts(math.ceil(people / PEOPLE_PER_ADDRESS)).sum())


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64: a well-spread 64-bit hash of each value (wrapping arithmetic is intended)."""
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@dataclass(frozen=True)
class Parts:
    """Addresses as their parts: district, street and road (indexes in the district), lane, number and building."""

    district: np.ndarray
    street: np.ndarray
    road: np.ndarray
    lane: np.ndarray  # 0: not in a lane
    number: np.ndarray
    building: np.ndarray  # 0: the door itself


class AddressLibrary:
    """A library of about ``size`` addresses for a seed; every method works on arrays of global address indexes."""

    def __init__(self, size: int, seed: int) -> None:
        self.count = _district_counts(size)
        self.start = np.r_[0, np.cumsum(self.count)[:-1]].astype(np.int64)
        self.size = int(self.count.sum())
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2,)))
        self.salt = np.uint64(rng.integers(0, 1 << 62))
        pairs = _STREETS * _ROADS
        self.pair_count = pairs
        self.pair_start = np.r_[0, np.cumsum(pairs)[:-1]].astype(np.int64)
        self.pairs = np.concatenate([rng.permutation(n) for n in pairs]).astype(np.int64)
        per_pair = -(-self.count // pairs)  # ceilings
        self.doors = -(-per_pair // PER_DOOR)  # door slots per street on each road
        span = _BOUNDS[:, [1, 3]] - _BOUNDS[:, [0, 2]]
        district = np.repeat(np.arange(len(places.DISTRICTS)), _STREETS)
        self.centre = _BOUNDS[district][:, [0, 2]] + span[district] * (0.1 + 0.8 * rng.random((len(district), 2)))
        self.spread = span[district] / (2 * np.sqrt(_STREETS[district]))[:, None]

    @classmethod
    def for_people(cls, people: int, seed: int) -> AddressLibrary:
        """The library of a city of ``people`` residents (one address per :data:`PEOPLE_PER_ADDRESS`)."""
        return cls(math.ceil(people / PEOPLE_PER_ADDRESS), seed)

    def district_of(self, index: np.ndarray) -> np.ndarray:
        """The district (index into places.DISTRICTS) of each address."""
        return np.searchsorted(self.start, index, side="right") - 1

    def draw(self, rng: np.random.Generator, district: np.ndarray) -> np.ndarray:
        """One address of each given district, uniformly."""
        return self.start[district] + (rng.random(len(district)) * self.count[district]).astype(np.int64)

    def other(self, rng: np.random.Generator, index: np.ndarray) -> np.ndarray:
        """Another address of the same district for each (the same one only where the district has no other)."""
        district = self.district_of(index)
        size = self.count[district]
        shift = 1 + (rng.random(len(index)) * (size - 1)).astype(np.int64)
        return self.start[district] + (index - self.start[district] + shift) % size

    def parts(self, index: np.ndarray) -> Parts:
        """The parts of each address (see the module docstring for the layout)."""
        index = np.asarray(index, dtype=np.int64)
        d = self.district_of(index)
        j = index - self.start[d]
        pair = self.pairs[self.pair_start[d] + j % self.pair_count[d]]
        street, road = pair // _ROADS[d], pair % _ROADS[d]
        door, unit = np.divmod(j // self.pair_count[d], PER_DOOR)
        slot = street * self.doors[d] + door
        key = (d.astype(np.uint64) << np.uint64(40)) | (road.astype(np.uint64) << np.uint64(32))
        hashed = _mix((key | slot.astype(np.uint64)) ^ self.salt)
        number = 2 * slot + 1 + (hashed >> np.uint64(32) & np.uint64(1)).astype(np.int64)
        lane = (hashed % np.uint64(100)).astype(np.int64) < LANE_SHARE
        return Parts(d, street, road, np.where(lane, number, 0), np.where(lane, unit + 1, number),
                     np.where(lane, 0, unit))

    def codes(self, parts: Parts) -> pa.StringArray:
        """The 24-digit address codes."""
        return fixed_width(np.hstack([
            digits(places.DISTRICT_CODES[parts.district], 6), digits(parts.street + 1, 3), digits(parts.road + 1, 3),
            digits(parts.lane, 5), digits(parts.number, 5), digits(parts.building, 2)]))

    def street_codes(self, parts: Parts) -> pa.StringArray:
        """The nine-digit street or town codes (所属街镇)."""
        return fixed_width(np.hstack([digits(places.DISTRICT_CODES[parts.district], 6),
                                      digits(parts.street + 1, 3)]))

    @staticmethod
    def roads(parts: Parts) -> pa.Array:
        """The road names."""
        return pick(places.ROADS, places.ROAD_START[parts.district] + parts.road)

    @staticmethod
    def house_numbers(parts: Parts) -> pa.StringArray:
        """门牌号: ``123弄5号`` in a lane, else ``124号``."""
        return join(numbered(parts.lane, "弄", parts.lane > 0), numbered(parts.number, "号"))

    @staticmethod
    def building_numbers(parts: Parts) -> pa.Array:
        """楼号: ``3幢``, or null for the door itself."""
        return numbered(parts.building, "幢", parts.building > 0)

    def text(self, parts: Parts) -> pa.StringArray:
        """The standard address: 上海市 + district + street/town + road + house number + building."""
        prefix = places.PREFIX_START[parts.district] + parts.street * _ROADS[parts.district] + parts.road
        return join(pick(places.PREFIXES, prefix), self.house_numbers(parts), self.building_numbers(parts))

    def coordinates(self, rng: np.random.Generator, parts: Parts) -> tuple[np.ndarray, np.ndarray]:
        """Longitude and latitude in micro-degrees: around the street or town's centre, inside its district's box."""
        street = _STREET_START[parts.district] + parts.street
        point = self.centre[street] + rng.normal(0.0, 1.0, (len(street), 2)) * self.spread[street]
        box = _BOUNDS[parts.district]
        lon = np.clip(point[:, 0], box[:, 0], box[:, 1])
        lat = np.clip(point[:, 1], box[:, 2], box[:, 3])
        return np.round(lon * 1e6).astype(np.int64), np.round(lat * 1e6).astype(np.int64)

    def homes(self, rng: np.random.Generator, index: np.ndarray) -> pa.StringArray:
        """Residential addresses: the standard address and, for most, a room (``1203室``)."""
        n = len(index)
        room = numbered(rng.integers(1, 25, n) * 100 + rng.integers(1, 7, n), "室", rng.random(n) < 0.85)
        return join(self.text(self.parts(index)), room)

    def premises(self, rng: np.random.Generator, index: np.ndarray) -> pa.StringArray:
        """Business addresses: the standard address, often a floor (``5层``) and sometimes a room."""
        n = len(index)
        on_floor = rng.random(n) < 0.7
        floor = rng.integers(1, 30, n)
        return join(self.text(self.parts(index)), numbered(floor, "层", on_floor),
                    numbered(floor * 100 + rng.integers(1, 20, n), "室", on_floor & (rng.random(n) < 0.5)))


def degrees(micro: np.ndarray) -> pa.StringArray:
    """Micro-degrees as decimal degrees with six decimals (``121473701`` → ``121.473701``)."""
    whole, fraction = np.divmod(np.asarray(micro, dtype=np.int64), 1_000_000)
    return join(numbered(whole), ".", fixed_width(digits(fraction, 6)))
