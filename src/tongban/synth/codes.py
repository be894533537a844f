"""Citizen ID numbers (GB 11643) and credit codes (GB 32100, with GB 11714 inside), whole columns at a time.

The arithmetic is the one in :mod:`tongban.standards` (weights, check tables, character set), done on (n, 17) byte
matrices so a million codes cost milliseconds; the tests check every generated code with the scalar validators.
Uniqueness is built in rather than checked afterwards: :class:`IdSpace` hands out the sequence codes of each
(district, birth date, sex) cell in turn, and an organisation code is an affine bijection of the entity's global
index, so chunks never need to look at each other's output.
"""

from __future__ import annotations

import numpy as np

from tongban.standards import USCC_CHARSET
from tongban.synth._arrow import digits, ymd

ID_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)  # GB 11643: 2^(18-i) mod 11
ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int64)  # GB 32100: 3^(i-1) mod 31
USCC_BYTES = np.frombuffer(USCC_CHARSET.encode(), dtype=np.uint8)
ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)  # GB 11714
SEQUENCES_PER_SEX = 500  # three-digit sequence codes, odd for men and even for women
_STRIDE = 137  # coprime with 500, so stepping by it visits every sequence code of a cell once

_ASCII_VALUE = np.full(256, -1, dtype=np.int64)
_ASCII_VALUE[48:58] = np.arange(10)
_ASCII_VALUE[65:91] = np.arange(10, 36)  # GB 11714 values letters A..Z as 10..35
USCC_VALUE = np.full(256, -1, dtype=np.int64)
USCC_VALUE[USCC_BYTES] = np.arange(len(USCC_CHARSET))


def id_check_bytes(first17: np.ndarray) -> np.ndarray:
    """MOD 11-2 check characters (ASCII) for an (n, 17) matrix of ASCII digits."""
    total = (first17.astype(np.int64) - 48) @ ID_WEIGHTS
    return ID_CHECK[total % 11]


def citizen_ids(division: np.ndarray, born: np.ndarray, sequence: np.ndarray) -> np.ndarray:
    """An (n, 18) ASCII matrix of valid ID numbers from six-digit divisions, birth days and sequence codes."""
    year, month, dom = ymd(born)
    out = np.empty((len(division), 18), dtype=np.uint8)
    out[:, 0:6] = digits(division, 6)
    out[:, 6:14] = digits(year * 10_000 + month * 100 + dom, 8)
    out[:, 14:17] = digits(sequence, 3)
    out[:, 17] = id_check_bytes(out[:, :17])
    return out


def old_ids(ids: np.ndarray) -> np.ndarray:
    """The 15-digit GB 11643-1989 form: no century, no check character (only right for births in the 1900s)."""
    return np.concatenate([ids[:, 0:6], ids[:, 8:17]], axis=1)


def uscc_check_bytes(first17: np.ndarray) -> np.ndarray:
    """GB 32100 check characters (ASCII) for an (n, 17) matrix of credit-code characters."""
    total = USCC_VALUE[first17] @ USCC_WEIGHTS
    return USCC_BYTES[(31 - total % 31) % 31]


def org_check_bytes(body: np.ndarray) -> np.ndarray:
    """GB 11714 check characters (ASCII) for an (n, 8) matrix of organisation-code characters."""
    check = 11 - (_ASCII_VALUE[body] @ ORG_WEIGHTS) % 11
    return np.where(check == 10, ord("X"), np.where(check == 11, ord("0"), 48 + check % 10)).astype(np.uint8)


class OrgCodes:
    """Unique organisation-code bodies from global entity indexes, in the two styles seen in real registers.

    Before the 2015 reform a code was eight digits; since then the registry issues ``MA`` + six characters of the
    credit-code alphabet. Each style is an affine bijection ``(a * index + b) mod M`` with ``a`` coprime to ``M``,
    so distinct indexes give distinct bodies and the letters ``MA`` keep the two styles apart.
    """

    DIGIT_SPACE = 10**8
    NEW_SPACE = 31**6

    def __init__(self, rng: np.random.Generator) -> None:
        self.old_a = int(rng.integers(10**6, 10**7)) * 10 + int(rng.choice([1, 3, 7, 9]))
        self.old_b = int(rng.integers(0, self.DIGIT_SPACE))
        self.new_a = int(rng.integers(10**6, 10**7)) * 31 + int(rng.integers(1, 31))
        self.new_b = int(rng.integers(0, self.NEW_SPACE))

    def bodies(self, index: np.ndarray, new_style: np.ndarray) -> np.ndarray:
        """An (n, 8) ASCII matrix of organisation-code bodies (without their check character)."""
        index = np.asarray(index, dtype=np.int64)
        if index.size and int(index.max()) >= min(self.DIGIT_SPACE, self.NEW_SPACE):
            raise ValueError("too many entities for the organisation-code space")
        old = (self.old_a * index + self.old_b) % self.DIGIT_SPACE
        new = (self.new_a * index + self.new_b) % self.NEW_SPACE
        out = digits(old, 8)
        positions = np.empty((len(index), 6), dtype=np.int64)
        for column in range(5, -1, -1):
            positions[:, column] = new % 31
            new //= 31
        fresh = np.concatenate([np.tile(np.frombuffer(b"MA", np.uint8), (len(index), 1)), USCC_BYTES[positions]], 1)
        out[new_style] = fresh[new_style]
        return out


def credit_codes(authority: np.ndarray, category: np.ndarray, division: np.ndarray, org_body: np.ndarray) -> np.ndarray:
    """An (n, 18) ASCII matrix of valid credit codes: authority, category, division, organisation code, check."""
    out = np.empty((len(division), 18), dtype=np.uint8)
    out[:, 0] = 48 + np.asarray(authority, dtype=np.uint8)
    out[:, 1] = 48 + np.asarray(category, dtype=np.uint8)
    out[:, 2:8] = digits(division, 6)
    out[:, 8:16] = org_body
    out[:, 16] = org_check_bytes(org_body)
    out[:, 17] = uscc_check_bytes(out[:, :17])
    return out


class IdSpace:
    """Hands out unused sequence codes per (district, birth day, sex) across every chunk of one run.

    A cell's k-th person gets sequence ``2 * ((offset + 137 k) mod 500) + male``: odd for men, even for women, no
    repeats for the first 500, and not simply 001, 003, … A cell that is full moves the newcomer's birth to the next
    day (wrapping round inside the range); the counters are a few megabytes for the whole city.
    """

    def __init__(self, districts: int, first_day: int, days: int, salt: int) -> None:
        self.first_day, self.days, self.salt = first_day, days, salt
        self.used = np.zeros(districts * days * 2, dtype=np.int32)

    def assign(self, district: np.ndarray, born: np.ndarray, male: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sequence codes for new people; returns (sequence, born) since a full cell moves a birth by a day."""
        born = np.asarray(born, dtype=np.int64).copy()
        sequence = np.zeros(len(born), dtype=np.int64)
        pending = np.arange(len(born))
        while pending.size:
            cell = (district[pending] * self.days + (born[pending] - self.first_day) % self.days) * 2 + male[pending]
            rank = self._rank(cell)
            full = rank >= SEQUENCES_PER_SEX
            ok = pending[~full]
            offset = (cell[~full] * 2_654_435_761 + self.salt) % SEQUENCES_PER_SEX
            sequence[ok] = 2 * ((offset + _STRIDE * rank[~full]) % SEQUENCES_PER_SEX) + male[ok]
            self.used += np.bincount(cell[~full], minlength=len(self.used)).astype(np.int32)
            pending = pending[full]
            born[pending] = self.first_day + (born[pending] + 1 - self.first_day) % self.days
        return sequence, born

    def _rank(self, cell: np.ndarray) -> np.ndarray:
        """How many people the cell already holds plus those before each row in this batch."""
        order = np.argsort(cell, kind="stable")
        ordered = cell[order]
        starts = np.r_[0, np.flatnonzero(ordered[1:] != ordered[:-1]) + 1]
        within = np.arange(len(cell)) - np.repeat(starts, np.diff(np.r_[starts, len(cell)]))
        rank = np.empty(len(cell), dtype=np.int64)
        rank[order] = within
        return rank + self.used[cell]
