"""Pure rules of the hash chain: canonical content, record hashes, and locating the first break."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

GENESIS = "0" * 64

CONTENT_FIELDS = (
    "occurred_at", "actor_kind", "actor_id", "actor_name", "department_id", "action", "target_type",
    "target_id", "purpose", "case_ref", "outcome", "request_id", "details",
)


def _canonical_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_content(fields: Mapping[str, Any]) -> bytes:
    """The bytes a record's hash covers: its content fields as sorted, compact JSON."""
    body = {name: fields[name] for name in CONTENT_FIELDS}
    body["occurred_at"] = _canonical_time(body["occurred_at"])
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def record_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    """SHA-256 over the previous hash and the canonical content."""
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical_content(fields)).hexdigest()


def checkpoint_message(seq: int, head_hash: str, signed_at: dt.datetime) -> bytes:
    """The bytes a checkpoint signature covers."""
    return f"tongban-audit-checkpoint\n{seq}\n{head_hash}\n{_canonical_time(signed_at)}".encode()


@dataclass(frozen=True)
class LinkView:
    """What the break finder needs of one record, in stored order."""

    seq: int
    prev_hash: str
    hash: str
    intact: bool  # its content still hashes to its stored hash


@dataclass(frozen=True)
class Break:
    """The first place the chain stops being what was written; ``template`` is an English msgid."""

    kind: str  # altered | deleted | inserted | reordered
    seq: int  # the record named
    template: str
    params: dict[str, int] = field(default_factory=dict)

    @property
    def detail(self) -> str:
        """The explanation in English."""
        return self.template.format(**self.params)


def find_break(records: Sequence[LinkView]) -> Break | None:
    """Walk records in sequence order and name the first altered, deleted, inserted or reordered one."""
    later_hashes = {r.hash: i for i, r in enumerate(records)}
    prev_hash, prev_seq, before_prev = GENESIS, 0, None
    for i, rec in enumerate(records):
        if not rec.intact:
            return Break("altered", rec.seq, "content no longer matches its hash")
        if rec.prev_hash != prev_hash:
            nxt = records[i + 1] if i + 1 < len(records) else None
            if nxt is not None and nxt.prev_hash == prev_hash:
                return Break("inserted", rec.seq, "not part of the chain between records {before} and {after}",
                             {"before": prev_seq, "after": nxt.seq})
            if before_prev is not None and rec.prev_hash == before_prev:
                return Break("inserted", prev_seq, "not part of the chain: record {after} follows the one before it",
                             {"after": rec.seq})
            if later_hashes.get(rec.prev_hash, -1) > i:
                return Break("reordered", rec.seq, "follows a record that comes after it in the log")
            return Break("deleted", rec.seq, "the record(s) between {before} and {after} are missing",
                         {"before": prev_seq, "after": rec.seq})
        if rec.seq != prev_seq + 1:
            return Break("altered", rec.seq, "sequence number changed (expected {expected})",
                         {"expected": prev_seq + 1})
        before_prev, prev_hash, prev_seq = prev_hash, rec.hash, rec.seq
    return None
