"""``tongban exchange requests|request|sweep|grants|revoke`` on SQLite and PostgreSQL: a request made from the
command line, the cron sweep that flags and escalates once, grants listed and revoked, and clear failures."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.cli.test_cli import assert_clean_failure, cli_env, tongban  # noqa: F401 (fixtures)
from tests.exchange.test_sharing import World, ask, make_world, quick_passwords  # noqa: F401 (fixture)
from tongban.exchange import sharing
from tongban.exchange.model import Grant, RequestEvent, SharingRequest
from tongban.exchange.workdays import today_in_china
from tongban.identity.service import actor_for

TODAY = today_in_china()  # what the service checks periods against, not the machine's date


@pytest.fixture
def world(session) -> World:  # type: ignore[no-untyped-def]
    return make_world(session)


def _request(tongban, world: World, code: str, *extra: str):  # type: ignore[no-untyped-def]  # noqa: F811
    return tongban("exchange", "request", code, "--department", world.consumer.short_name,
                   "--scenario", "居住证积分审核", "--purpose", "核验申请人居住登记", "--item", "id_number",
                   "--item", "name", "--client", world.client.key_id, "--from", TODAY.isoformat(),
                   "--to", (TODAY + dt.timedelta(days=300)).isoformat(), *extra)


def test_a_request_from_the_command_line_waits_for_the_provider_and_is_listed(tongban, world, session):  # noqa: F811
    made = _request(tongban, world, world.conditional.code, "--legal-basis", "《居住证暂行条例》", "--volume", "200")
    assert made.exit_code == 0, made.output
    assert "Request GX" in made.output and "Waiting" in made.output and "The provider answers by" in made.output
    req = session.scalar(select(SharingRequest))
    assert req.submitted_by is None and req.expected_volume == 200
    listed = tongban("exchange", "requests", "--department", world.provider.short_name, "--inbox")
    assert listed.exit_code == 0 and req.number in listed.output and "居住证信息" in listed.output
    assert req.number not in tongban("exchange", "requests", "--department", world.other.short_name).output


def test_an_unconditional_request_is_granted_and_the_grant_revoked_with_a_reason(tongban, world, session):  # noqa: F811
    made = _request(tongban, world, world.unconditional.code)
    assert made.exit_code == 0 and "Granted" in made.output, made.output
    grant_id = session.scalar(select(Grant.id))
    listed = tongban("exchange", "grants", "--department", world.consumer.short_name)
    assert listed.exit_code == 0 and "户籍人口基本信息" in listed.output and "Active" in listed.output
    revoked = tongban("exchange", "revoke", str(grant_id), "--reason", "超范围使用")
    assert revoked.exit_code == 0 and f"Revoked grant {grant_id}" in revoked.output, revoked.output
    assert_clean_failure(tongban("exchange", "revoke", str(grant_id), "--reason", "再次撤销"), 2)
    assert_clean_failure(tongban("exchange", "revoke", str(grant_id), "--reason", " "), 2)
    assert "Revoked" in tongban("exchange", "grants").output


def test_the_sweep_flags_overdue_requests_and_escalates_them_once(tongban, world, session):  # noqa: F811
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=40)
    req = sharing.submit_request(session, actor_for(world.consumer_admin), world.conditional.code,
                                 ask(world, period_from=(long_ago + dt.timedelta(hours=8)).date().isoformat()),
                                 now=long_ago)
    session.commit()
    first = tongban("exchange", "sweep")
    assert first.exit_code == 0, first.output
    assert f"Overdue (1): {req.number}" in first.output
    assert f"Escalated to the operator (1): {req.number}" in first.output
    again = tongban("exchange", "sweep")
    assert again.exit_code == 0 and "Nothing to do" in again.output
    session.expire_all()
    assert list(session.scalars(select(RequestEvent.action).order_by(RequestEvent.id))) == [
        "submit", "overdue", "escalate"]


def test_a_bad_request_exits_2_naming_each_field(tongban, world):  # noqa: F811
    result = _request(tongban, world, world.conditional.code, "--item", "death_date")
    assert_clean_failure(result, 2)
    assert "items: death_date not among the items offered" in result.output
    assert "legal_basis: is required" in result.output


@pytest.mark.parametrize("args,message", [
    (("--department", "没有这个局"), "No department named 没有这个局"),
    (("--client", "nosuchkey"), "has no API client nosuchkey"),
])
def test_an_unknown_department_or_client_exits_2(tongban, world, args, message):  # noqa: F811
    result = tongban("exchange", "request", world.conditional.code, "--department", world.consumer.short_name,
                     "--scenario", "s", "--purpose", "p", "--item", "name", "--client", world.client.key_id,
                     "--from", TODAY.isoformat(), "--to", TODAY.isoformat(), *args)
    assert_clean_failure(result, 2)
    assert message in result.output
