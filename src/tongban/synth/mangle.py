"""How each fault changes a value: IDs and credit codes as byte matrices, names and dates as columns.

Every function takes the feed's :class:`~tongban.synth.faults.FaultPlan`, marks the rows it changes and returns the
column as the feed shows it. The only per-row Python is the name variants, on the few per cent of rows they hit.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from tongban.synth._arrow import fixed_width, replace, to_pylist_masked
from tongban.synth.codes import USCC_BYTES, USCC_VALUE, old_ids
from tongban.synth.faults import FaultPlan
from tongban.synth.names import homophone, spaced, traditional

CONFLICT_SHIFTS = np.array([-365, -31, -10, -1, 1, 10, 31, 365])  # a wrong year, month or day, or a typo


def fullwidth(matrix: np.ndarray) -> np.ndarray:
    """ASCII bytes (n, w) as the UTF-8 of their full-width forms (n, 3w): ``3`` → ``３`` (U+FF13)."""
    point = 0xFEE0 + matrix.astype(np.int64)
    out = np.empty((matrix.shape[0], matrix.shape[1], 3), dtype=np.uint8)
    out[..., 0] = 0xE0 | (point >> 12)
    out[..., 1] = 0x80 | ((point >> 6) & 0x3F)
    out[..., 2] = 0x80 | (point & 0x3F)
    return out.reshape(matrix.shape[0], -1)


def id_column(plan: FaultPlan, ids: np.ndarray, born_before_2000: np.ndarray, *, missing: float, mistyped: float,
              old: float, wide: float) -> pa.Array:
    """The ID column with at most one ID fault per row: missing, mistyped, 15-digit or full-width."""
    masks = plan.split({"missing_id": missing, "mistyped_id": mistyped, "old_id": old, "fullwidth_id": wide},
                       {"old_id": born_before_2000})
    position, delta = plan.integers(0, 17), plan.integers(1, 10)
    text = fixed_width(ids)
    hit = masks["mistyped_id"]
    if hit.any():
        changed = ids[hit].copy()
        rows = np.arange(len(changed))
        changed[rows, position[hit]] = 48 + (changed[rows, position[hit]] - 48 + delta[hit]) % 10
        text = replace(text, hit, fixed_width(changed))
    if masks["old_id"].any():
        text = replace(text, masks["old_id"], fixed_width(old_ids(ids[masks["old_id"]])))
    if masks["fullwidth_id"].any():
        text = replace(text, masks["fullwidth_id"], fixed_width(fullwidth(ids[masks["fullwidth_id"]])))
    return replace(text, masks["missing_id"], None)


def code_column(plan: FaultPlan, codes: np.ndarray, rate: float) -> pa.Array:
    """The credit-code column with one character changed on ``rate`` of the rows (its check then fails)."""
    position, delta = plan.integers(0, 17), plan.integers(1, 31)
    hit = plan.hit("mistyped_code", rate)
    text = fixed_width(codes)
    if not hit.any():
        return text
    changed = codes[hit].copy()
    rows = np.arange(len(changed))
    changed[rows, position[hit]] = USCC_BYTES[(USCC_VALUE[changed[rows, position[hit]]] + delta[hit]) % 31]
    return replace(text, hit, fixed_width(changed))


def _variant(name: str, choice: float) -> tuple[str, str]:
    """One misspelling of ``name`` and its fault kind; falls back when the chosen table has no entry for it."""
    if choice < 0.35 and (changed := traditional(name)):
        return changed, "name_traditional"
    if choice < 0.7 and (changed := homophone(name)):
        return changed, "name_homophone"
    if choice < 0.7 and (changed := traditional(name)):
        return changed, "name_traditional"
    return spaced(name, ideographic=choice > 0.85), "name_space"


def name_column(plan: FaultPlan, names: pa.Array, rate: float) -> pa.Array:
    """The name column with ``rate`` of the rows misspelt the ways registers misspell names."""
    choice = plan.uniform()
    hit = plan.uniform() < rate
    if not hit.any():
        return names
    variants = [_variant(name, c) for name, c in zip(to_pylist_masked(names, hit), choice[hit], strict=True)]
    kinds = np.array([kind for _, kind in variants])
    rows = np.flatnonzero(hit)
    for kind in ("name_traditional", "name_homophone", "name_space"):
        mask = np.zeros(len(hit), dtype=bool)
        mask[rows[kinds == kind]] = True
        plan.mark(kind, mask)
    return replace(names, hit, pa.array([value for value, _ in variants], type=pa.string()))


def conflicting_days(plan: FaultPlan, days: np.ndarray, rate: float, latest: int) -> np.ndarray:
    """Dates that disagree with another feed on ``rate`` of the rows, never later than ``latest``."""
    shift = CONFLICT_SHIFTS[plan.integers(0, len(CONFLICT_SHIFTS))]
    hit = plan.hit("conflict_birth_date", rate)
    moved = days + np.where(days + shift > latest, -np.abs(shift), shift)
    return np.where(hit, moved, days)
