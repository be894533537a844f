"""The faults injected into synthetic feeds, at configurable rates, and the plan that records them per row.

A :class:`FaultPlan` draws every decision once per *original* row and copies it to that row's duplicates, so a
duplicate is an exact copy even of the faults (as when a department exports the same record twice). Each fault sets
a bit; the bits become the ``fault`` column of the truth files (``"mistyped_id;name_space"``; ``""`` when clean).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

FAULT_KINDS: tuple[str, ...] = (
    "missing_id", "mistyped_id", "old_id", "fullwidth_id", "mistyped_code", "name_traditional", "name_homophone",
    "name_space", "stale_address", "conflict_birth_date", "conflict_status", "death", "duplicate",
    "missing_coordinate", "swapped_coordinate", "old_district_code", "bad_address_code",
)  # fmt: skip
_BIT = {kind: 1 << i for i, kind in enumerate(FAULT_KINDS)}


@dataclass(frozen=True)
class FaultRates:
    """Share of feed rows each fault hits (defaults below); see docs/feeds.md for where each one applies.

    The four ID faults are exclusive (one draw per row decides which, if any). ``old_id`` is a share of the rows of
    people born before 2000, since only they can have held a 15-digit number. ``death`` is not an error in any one
    row but a share of the population that has died: the health feed says so, the other feeds do not know yet.
    """

    missing_id: float = 0.002  # ID column empty (police, social insurance, marriage, registry's representative)
    missing_id_health: float = 0.15  # health archives are often kept by name and birth date alone
    mistyped_id: float = 0.005  # one of the first 17 digits changed, so the check character fails
    mistyped_id_health: float = 0.03
    old_id: float = 0.03  # the 15-digit GB 11643-1989 form: no century, no check character
    fullwidth_id: float = 0.005  # typed with full-width digits (３１０１…)
    mistyped_code: float = 0.005  # one character of a credit code changed (registry and tax feeds)
    name_variant: float = 0.02  # traditional characters, a homophone, or a space inside the name
    stale_address: float = 0.08  # health residence / tax business address is an old one
    conflict_birth_date: float = 0.02  # health birth date differs from the police record
    conflict_status: float = 0.03  # tax registration status disagrees with the registry
    duplicate: float = 0.01  # exact duplicate rows, in every feed
    death: float = 0.007  # share of people who died in the last ten years
    missing_coordinate: float = 0.005  # address library: 经度 and 纬度 empty
    swapped_coordinate: float = 0.002  # address library: 经度 and 纬度 exchanged, so the point is not in Shanghai
    old_district_code: float = 0.02  # address library, districts with a retired code: 所属区 is the retired code
    bad_address_code: float = 0.001  # address library: the code lost its last digit (quarantined downstream)

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"fault rate {field.name} must be between 0 and 1, not {value}")
        for suffix in ("", "_health"):
            ids = (getattr(self, "missing_id" + suffix) + getattr(self, "mistyped_id" + suffix) + self.old_id
                   + self.fullwidth_id)
            if ids > 1.0:
                raise ValueError(f"the ID fault rates{suffix.replace('_', ' of ')} add up to more than 1")

    @classmethod
    def clean(cls) -> FaultRates:
        """No injected errors at all (people still die at the default rate)."""
        return cls(**{f.name: 0.0 for f in dataclasses.fields(cls) if f.name != "death"})

    def replace(self, **rates: float) -> FaultRates:
        """A copy with some rates changed; unknown names raise ValueError."""
        unknown = set(rates) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise ValueError(f"unknown fault rate(s): {', '.join(sorted(unknown))}")
        return dataclasses.replace(self, **rates)


class FaultPlan:
    """The rows of one feed chunk: which original row each is, which are duplicates, and the faults of each."""

    def __init__(self, rng: np.random.Generator, rows: int, duplicate_rate: float) -> None:
        self.rng, self.rows = rng, rows
        copied = np.flatnonzero(rng.random(rows) < duplicate_rate)
        at = np.sort(rng.integers(0, rows + 1, len(copied)))
        self.order = np.insert(np.arange(rows), at, copied)  # feed row → original row
        self.bits = np.zeros(len(self.order), dtype=np.int64)
        self.bits[at + np.arange(len(copied))] |= _BIT["duplicate"]

    def expand(self, per_original: np.ndarray) -> np.ndarray:
        """Values drawn per original row, laid out per feed row (duplicates repeat their original's value)."""
        return per_original[self.order]

    def uniform(self) -> np.ndarray:
        """One uniform draw per original row, laid out per feed row."""
        return self.expand(self.rng.random(self.rows))

    def integers(self, low: int, high: int) -> np.ndarray:
        """One integer in [low, high) per original row, laid out per feed row."""
        return self.expand(self.rng.integers(low, high, self.rows))

    def mark(self, kind: str, mask: np.ndarray) -> np.ndarray:
        """Record ``kind`` on the masked feed rows; returns the mask."""
        self.bits[mask] |= _BIT[kind]
        return mask

    def hit(self, kind: str, rate: float, eligible: np.ndarray | None = None) -> np.ndarray:
        """Feed rows that ``kind`` hits with probability ``rate`` (only among ``eligible`` ones, if given)."""
        mask = self.uniform() < rate
        return self.mark(kind, mask if eligible is None else mask & eligible)

    def split(self, rates: dict[str, float], eligible: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Mutually exclusive faults from one draw per row; a row not eligible for its drawn kind stays clean."""
        draw, low, masks = self.uniform(), 0.0, {}
        for kind, rate in rates.items():
            mask = (draw >= low) & (draw < low + rate)
            masks[kind] = self.mark(kind, mask & eligible[kind] if kind in eligible else mask)
            low += rate
        return masks

    def per_original(self, mask: np.ndarray, make: Callable[[np.ndarray], pa.Array]) -> pa.Array:
        """Values for the masked feed rows made once per original row (``make`` gets original row numbers)."""
        originals, inverse = np.unique(self.order[mask], return_inverse=True)
        return make(originals).take(pa.array(inverse.astype(np.int64)))

    def labels(self) -> pa.Array:
        """The ``fault`` column: the kinds of each row joined by ``;`` in FAULT_KINDS order."""
        values, inverse = np.unique(self.bits, return_inverse=True)
        names = [";".join(k for k in FAULT_KINDS if int(v) & _BIT[k]) for v in values]
        return pa.array(names, type=pa.string()).take(pa.array(inverse.astype(np.int64)))
