"""Column building blocks for the synthetic feeds: numpy draws in, Arrow string and date columns out.

Everything here works on whole columns. Strings are assembled by Arrow compute kernels (``take`` from a small word
list, element-wise joins) because a Python loop over a million rows is the one thing the generator cannot afford.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

Part = pa.Array | str | None


def words(values: Sequence[str]) -> pa.StringArray:
    """A word list as an Arrow array, ready for :func:`pick`."""
    return pa.array(list(values), type=pa.string())


def pick(vocabulary: pa.Array, index: np.ndarray) -> pa.Array:
    """``vocabulary[index]`` for every row."""
    return vocabulary.take(pa.array(np.asarray(index, dtype=np.int64)))


def cumulative(weights: Sequence[float]) -> np.ndarray:
    """Cumulative weights for :func:`weighted` (compute once per table, not per draw)."""
    return np.cumsum(np.asarray(weights, dtype=np.float64))


def weighted(rng: np.random.Generator, cdf: np.ndarray, size: int) -> np.ndarray:
    """Indexes drawn with the weights behind ``cdf``: a binary search per draw, far cheaper than rng.choice(p=...)."""
    return np.searchsorted(cdf, rng.random(size) * cdf[-1], side="right").astype(np.int64)


def join(*parts: Part) -> pa.StringArray:
    """Concatenate columns and literals row by row; a null part is left out (an optional room number, say)."""
    kept = [pa.scalar(p, pa.string()) if isinstance(p, str) else p for p in parts if p is not None]
    return pc.binary_join_element_wise(*kept, "", null_handling="skip")


def numbered(values: np.ndarray, suffix: str = "", present: np.ndarray | None = None) -> pa.Array:
    """Numbers as text with a suffix (``12`` → ``12号``), null where ``present`` is False.

    Small numbers are picked from a cached list of their spellings, which is several times faster than casting
    a million integers to text and joining the suffix on.
    """
    values = np.asarray(values, dtype=np.int64)
    top = int(values.max()) + 1 if values.size else 1
    if top > _SPELLED_LIMIT or (values.size and int(values.min()) < 0):
        text = pc.cast(pa.array(values), pa.string())
        joined = join(text, suffix) if suffix else text
        return joined if present is None else optional(joined, present)
    spelled = _spelled(suffix, 1 << (top - 1).bit_length())
    index = pa.array(values, mask=None if present is None else ~np.asarray(present, dtype=bool))
    return spelled.take(index)


_SPELLED_LIMIT = 1 << 16


@functools.cache
def _spelled(suffix: str, size: int) -> pa.StringArray:
    return words([f"{i}{suffix}" for i in range(size)])


def optional(values: pa.Array, present: np.ndarray) -> pa.Array:
    """Null out the rows where ``present`` is False."""
    return pc.if_else(pa.array(present, type=pa.bool_()), values, pa.scalar(None, values.type))


def replace(values: pa.Array, mask: np.ndarray, replacements: pa.Array | None) -> pa.Array:
    """``values`` with the masked rows replaced, in order, by ``replacements`` (None: by nulls)."""
    if not mask.any():
        return values
    if replacements is None:
        return optional(values, ~mask)
    return pc.replace_with_mask(values, pa.array(mask, type=pa.bool_()), replacements.cast(values.type))


def fixed_width(matrix: np.ndarray) -> pa.StringArray:
    """An (n, width) matrix of ASCII/UTF-8 bytes as n strings, without copying row by row."""
    rows, width = matrix.shape
    offsets = np.arange(0, width * (rows + 1), width, dtype=np.int32)
    data = np.ascontiguousarray(matrix, dtype=np.uint8)
    return pa.StringArray.from_buffers(rows, pa.py_buffer(offsets), pa.py_buffer(data))


def digits(values: np.ndarray, width: int) -> np.ndarray:
    """Non-negative integers as an (n, width) matrix of zero-padded ASCII digits."""
    out = np.empty((len(values), width), dtype=np.uint8)
    rest = np.asarray(values, dtype=np.int64).copy()
    for column in range(width - 1, -1, -1):
        out[:, column] = 48 + rest % 10
        rest //= 10
    return out


def dates(days: np.ndarray, present: np.ndarray | None = None) -> pa.Array:
    """Days since 1970-01-01 as an Arrow date column (written ``YYYY-MM-DD``), null where not present."""
    column = pa.array(np.asarray(days, dtype=np.int64).astype("datetime64[D]"), type=pa.date32())
    return column if present is None else optional(column, present)


def day(iso: str) -> int:
    """An ISO date as days since 1970-01-01."""
    return int(np.datetime64(iso, "D").astype(np.int64))


def ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day of each date given as days since 1970-01-01.

    Integer arithmetic (H. Hinnant's ``civil_from_days``): numpy's datetime64 calendar casts are ten times slower.
    """
    z = np.asarray(days, dtype=np.int64) + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    month = np.where(mp < 10, mp + 3, mp - 9)
    return yoe + era * 400 + (month <= 2), month, doy - (153 * mp + 2) // 5 + 1


def to_pylist_masked(values: pa.Array, mask: np.ndarray) -> list[str]:
    """The masked rows as Python strings, for the few per-row edits a vector kernel cannot express."""
    return values.filter(pa.array(mask, type=pa.bool_())).to_pylist()
