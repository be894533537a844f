"""Reading a base's change log: changes after a cursor in seq order, each with the record's current values and their
sources, or the note that it is retired; filters skip changes yet move the cursor; a cursor honoured loses and
repeats nothing, whatever the interleaving of publishes and reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete
from sqlalchemy.orm import Session

from tests.exchange.factories import make_build, make_person
from tests.factories import citizen_id, make_department
from tests.registry.conftest import make_city
from tongban.registry import change_feed
from tongban.registry.model import Build, Change


def log(session: Session, key: str, change: str = "changed", fields: list[str] | None = None, *,
        base: str = "population", build: Build | None = None) -> Change:
    """One entry of the change log, as a publish writes it."""
    build = build or make_build(session, base)
    row = Change(base=base, key=key, change=change, fields=fields or [], build_id=build.id,
                 at=dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC))
    session.add(row)
    session.flush()
    return row


def seqs(page: change_feed.ChangePage) -> list[int]:
    return [e.seq for e in page.events]


def test_changes_after_the_cursor_come_in_seq_order_with_current_values_and_their_sources(session):
    police = make_department(session, name="市公安局")
    person = make_person(session, department_id=police.id, death_date=dt.date(2026, 11, 20))
    first = log(session, person.id_number, "created", ["name", "death_date"])
    second = log(session, person.id_number, "changed", ["death_date"])

    page = change_feed.changes_after(session, "population", 0, columns=["name", "death_date"])

    assert seqs(page) == [first.seq, second.seq] and page.last_seq == second.seq and not page.more
    event = page.events[1]
    assert (event.key, event.change, event.fields, event.retired) == (person.id_number, "changed", ("death_date",),
                                                                      False)
    assert event.values["death_date"].value == dt.date(2026, 11, 20)
    assert event.values["death_date"].source == change_feed.Source(police.id, "市公安局", "2026-11-01")
    assert change_feed.changes_after(session, "population", second.seq).events == []


def test_a_retired_record_carries_no_values_only_the_note_that_it_is_retired(session):
    person = make_person(session, retired_at=dt.datetime(2026, 11, 27, tzinfo=dt.UTC))
    log(session, person.id_number, "retired")
    log(session, citizen_id(), "changed", ["name"])  # a key the serving table does not have

    page = change_feed.changes_after(session, "population", 0, columns=["name"])

    assert [(e.change, e.retired, dict(e.values)) for e in page.events] == [("retired", True, {}),
                                                                          ("changed", True, {})]


def test_only_the_named_bases_changes_are_read(session):
    log(session, "91350200776049653A", "created", base="entity")
    mine = log(session, citizen_id(), "created")
    log(session, "310115001", "created", base="address")

    assert seqs(change_feed.changes_after(session, "population", 0)) == [mine.seq]
    assert change_feed.head(session, "population") == mine.seq
    assert change_feed.head(session, "entity") < mine.seq < change_feed.head(session, "address")


def test_the_limit_ends_the_page_at_the_last_change_returned_and_says_there_is_more(session):
    entries = [log(session, citizen_id(), "created") for _ in range(5)]

    page = change_feed.changes_after(session, "population", 0, limit=2)
    rest = change_feed.changes_after(session, "population", page.last_seq, limit=10)

    assert seqs(page) == [e.seq for e in entries[:2]] and page.last_seq == entries[1].seq and page.more
    assert seqs(rest) == [e.seq for e in entries[2:]] and not rest.more


def test_changes_a_filter_rejects_are_skipped_but_the_cursor_moves_past_them(session):
    wanted = log(session, citizen_id(), "changed", ["death_date"])
    log(session, citizen_id(), "changed", ["phone"])
    log(session, citizen_id(), "changed", ["phone"])

    page = change_feed.changes_after(session, "population", 0, match=lambda change, fields: "death_date" in fields)

    assert seqs(page) == [wanted.seq] and page.last_seq == wanted.seq + 2 and not page.more


def test_keep_sees_the_current_values_before_a_change_is_returned(session):
    married = make_person(session, marital_status="20")
    single = make_person(session, marital_status="10")
    for person in (married, single):
        log(session, person.id_number, "changed", ["marital_status"])

    page = change_feed.changes_after(session, "population", 0, columns=["marital_status"],
                                     keep=lambda e: e.values["marital_status"].value == "20")

    assert [e.key for e in page.events] == [married.id_number]


def test_until_bounds_the_range_read(session):
    entries = [log(session, citizen_id(), "created") for _ in range(4)]

    page = change_feed.changes_after(session, "population", entries[0].seq, until=entries[2].seq)

    assert seqs(page) == [entries[1].seq, entries[2].seq] and page.last_seq == entries[2].seq and not page.more


def test_a_read_stops_after_scanning_its_bound_and_hands_back_a_cursor(session, monkeypatch):
    monkeypatch.setattr(change_feed, "CHUNK", 2)
    entries = [log(session, citizen_id(), "changed", ["phone"]) for _ in range(5)]

    page = change_feed.changes_after(session, "population", 0, match=lambda *_: False, scan=3)

    assert page.events == [] and page.last_seq == entries[2].seq and page.more


@pytest.mark.parametrize(("kwargs", "message"), [({"columns": ["company_name"]}, "not fields"),
                                                 ({"limit": 0}, "limit")])
def test_a_read_asking_for_what_the_base_has_not_is_refused(session, kwargs: dict[str, Any], message: str):
    with pytest.raises(ValueError, match=message):
        change_feed.changes_after(session, "population", 0, **kwargs)


# Publishes (a batch of log entries, some of another base) interleaved with reads of random limits.
_steps = st.lists(st.one_of(st.tuples(st.just("publish"), st.lists(st.sampled_from(["population", "entity"]),
                                                                  min_size=1, max_size=6)),
                            st.tuples(st.just("read"), st.integers(min_value=1, max_value=4))), max_size=14)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=_steps, wanted=st.sets(st.sampled_from(["phone", "name", "death_date"]), min_size=1))
def test_a_reader_honouring_the_cursor_gets_every_change_of_its_base_once_in_order(session, steps, wanted):
    session.execute(delete(Change))
    build = make_build(session)
    keys = [citizen_id(n) for n in range(3)]
    fields = ["phone", "name", "death_date"]
    cursor, got, written = 0, [], 0

    def match(change: str, changed: tuple[str, ...]) -> bool:
        return bool(set(changed) & wanted)

    for kind, arg in steps + [("read", 1000)]:
        if kind == "publish":
            for base in arg:
                written += 1
                log(session, keys[written % 3], "changed", [fields[written % 3]], base=base, build=build)
            session.commit()
            continue
        page = change_feed.changes_after(session, "population", cursor, limit=arg, match=match)
        assert page.last_seq >= cursor
        got += seqs(page)
        cursor = page.last_seq

    expected = [c.seq for c in session.query(Change).filter(Change.base == "population").order_by(Change.seq)
                if set(c.fields) & wanted]
    assert got == expected


def test_every_change_of_a_record_carries_its_values_as_they_are_now(session):
    person = make_person(session)
    created = log(session, person.id_number, "created", ["name", "phone"])
    person.phone = "13900001111"
    changed = log(session, person.id_number, "changed", ["phone"])

    page = change_feed.changes_after(session, "population", created.seq - 1, columns=["phone"])

    assert seqs(page) == [created.seq, changed.seq]
    assert {e.values["phone"].value for e in page.events} == {"13900001111"}


def test_a_real_build_publishes_changes_the_feed_reads_back_with_their_sources(sessions, tmp_path):
    city = make_city(sessions, tmp_path, people=20)
    report = city.build()

    with sessions() as session:
        page = change_feed.changes_after(session, "population", 0, limit=1000, columns=["name", "birth_date"])
    assert len(page.events) == report.published.created > 0 and not page.more
    assert {e.change for e in page.events} == {"created"} and not any(e.retired for e in page.events)
    assert all(e.values["name"].value and e.values["name"].source and e.values["name"].source.department
               for e in page.events)
