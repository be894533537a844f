"""Webhook delivery: batches POSTed as JSON, signed so that a receiver can verify them (timestamp and body), retried
after 1, 2, 4 … minutes on a fake clock against a fake receiver, given up after the last attempt; the cursor moves
only when a batch is acknowledged with a 2xx; every batch that leaves is audited first."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from tests.cli.test_cli import cli_env  # noqa: F401 (a fixture)
from tests.exchange.factories import make_person
from tests.exchange.test_subscriptions import CONTEXT, KEY, World, make_world
from tests.factories import make_user
from tests.registry.test_change_feed import log
from tongban.audit.model import AuditRecord
from tongban.audit.unit_of_work import transaction
from tongban.errors import Conflict
from tongban.exchange import deliveries, webhooks
from tongban.exchange import subscriptions as subs
from tongban.exchange.model import Grant, Subscription, WebhookDelivery
from tongban.identity.policy import Role
from tongban.identity.service import actor_for

URL = "https://mz.example.gov.cn/hooks/changes"
T0 = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)


@dataclass
class Receiver:
    """The outside world: answers each POST with the next status (or raises the next exception), keeps what it
    got."""

    answers: list[int | Exception] = field(default_factory=list)
    got: list[tuple[str, bytes, dict[str, str]]] = field(default_factory=list)

    def __call__(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        self.got.append((url, body, dict(headers)))
        answer = self.answers.pop(0) if self.answers else 200
        if isinstance(answer, Exception):
            raise answer
        return answer

    def events(self, n: int = -1) -> list[dict]:
        return json.loads(self.got[n][1])["events"]


@dataclass
class Clock:
    now: dt.datetime = T0

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@dataclass
class Hooked:
    world: World
    sub_id: int
    secret: str
    keys: list[str]


def hooked(sessions, deaths: int = 1, url: str = URL) -> Hooked:  # type: ignore[no-untyped-def]
    """A subscription to deaths with a webhook, and ``deaths`` deaths logged after it."""
    with transaction(sessions) as session:
        made = make_world(session)
        sub = subs.subscribe(session, made.actor, grant_id=made.grant.id, events=["death"], platform_key=KEY,
                             webhook_url=url, context=CONTEXT)
        keys = []
        for _ in range(deaths):
            person = make_person(session, death_date=dt.date(2026, 11, 20))
            log(session, person.id_number, "changed", ["death_date"])
            keys.append(person.id_number)
        assert sub.secret is not None
        return Hooked(made, sub.subscription.id, sub.secret, keys)


def run(sessions, receiver, clock: Clock, **kwargs) -> deliveries.DeliveryReport:  # type: ignore[no-untyped-def]
    """One delivery round against ``receiver`` at ``clock``'s time."""
    return deliveries.deliver_due(sessions, receiver, platform_key=KEY, clock=clock, **kwargs)


def state(sessions, sub_id: int) -> tuple[Subscription, list[WebhookDelivery]]:  # type: ignore[no-untyped-def]
    with sessions() as session:
        sub = session.get(Subscription, sub_id)
        rows = list(session.scalars(select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub_id)
                                    .order_by(WebhookDelivery.id)))
        session.expunge_all()
    return sub, rows


# Signing, sealing, waiting (no database) -------------------------------------------------------------------------

def test_a_receiver_verifies_the_signature_of_timestamp_and_body_with_the_secret():
    body = json.dumps({"events": [{"seq": 1}]}).encode()
    headers = webhooks.headers_for("whsec_abc", 7, body, T0)
    now = T0.timestamp()

    assert headers["X-Tongban-Delivery"] == "7" and headers["X-Tongban-Timestamp"] == str(int(now))
    assert headers["X-Tongban-Signature"].startswith("sha256=")
    assert webhooks.verify("whsec_abc", body, headers, now=now + 60)
    assert not webhooks.verify("whsec_abc", body + b" ", headers, now=now)  # the body was altered
    assert not webhooks.verify("whsec_xyz", body, headers, now=now)  # another secret
    assert not webhooks.verify("whsec_abc", body, headers, now=now + 301)  # replayed later
    replayed = {**headers, "X-Tongban-Timestamp": str(int(now) + 600)}  # a fresh timestamp on an old signature
    assert not webhooks.verify("whsec_abc", body, replayed, now=now + 600)


def test_the_signature_is_the_hmac_sha256_of_timestamp_dot_body():
    import hashlib
    import hmac

    expected = hmac.new(b"whsec_abc", b"1764208800.{}", hashlib.sha256).hexdigest()
    assert webhooks.signature("whsec_abc", 1764208800, b"{}") == "sha256=" + expected


def test_a_secret_is_kept_encrypted_and_reads_back_only_with_the_platform_key():
    sealed = webhooks.seal("platform-key-1", "whsec_abc")
    assert "whsec_abc" not in sealed and webhooks.unseal("platform-key-1", sealed) == "whsec_abc"
    with pytest.raises(webhooks.SecretUnreadable):
        webhooks.unseal("platform-key-2", sealed)


@pytest.mark.parametrize(("attempts", "minutes"), [(1, 1), (2, 2), (3, 4), (6, 32), (7, 60), (12, 60)])
def test_retries_wait_longer_each_time_up_to_an_hour(attempts: int, minutes: int):
    assert webhooks.wait_after(attempts) == dt.timedelta(minutes=minutes)


@pytest.mark.parametrize(("status", "ack"), [(200, True), (204, True), (299, True), (301, False), (404, False),
                                             (500, False)])
def test_only_a_2xx_acknowledges_a_batch(status: int, ack: bool):
    assert webhooks.acknowledged(status) is ack


# Deliveries -------------------------------------------------------------------------------------------------------

def test_a_batch_is_posted_signed_and_acknowledged_and_the_cursor_moves_to_its_end(sessions):
    hook = hooked(sessions, deaths=2)
    receiver, clock = Receiver(), Clock()

    report = run(sessions, receiver, clock)

    assert (report.sent, report.delivered, report.failed) == (1, 1, 0)
    [(url, body, headers)] = receiver.got
    assert url == URL and webhooks.verify(hook.secret, body, headers, now=clock.now.timestamp())
    payload = json.loads(body)
    assert [e["key"] for e in payload["events"]] == hook.keys and payload["subscription"] == hook.sub_id
    assert payload["events"][0]["values"]["death_date"]["value"] == "2026-11-20"
    sub, [delivery] = state(sessions, hook.sub_id)
    assert delivery.status == "delivered" and delivery.attempts == 1 and sub.cursor == delivery.last_seq
    assert payload["cursor"] == sub.cursor and headers["X-Tongban-Delivery"] == str(delivery.id)
    assert run(sessions, receiver, clock).sent == 0  # nothing new: nothing sent


def test_every_batch_that_leaves_is_audited_with_its_keys_before_it_is_sent(sessions):
    hook = hooked(sessions, deaths=2)
    seen: list[int] = []

    def receiver(url: str, body: bytes, headers: Mapping[str, str]) -> int:
        with sessions() as session:  # what another connection sees while the POST is on its way
            seen.extend(r.seq for r in session.scalars(select(AuditRecord).where(
                AuditRecord.action == "exchange.changes")))
        return 500

    run(sessions, receiver, Clock())

    with sessions() as session:
        [record] = session.scalars(select(AuditRecord).where(AuditRecord.action == "exchange.changes")).all()
    assert seen == [record.seq] and record.details["via"] == "webhook"
    assert record.details["subjects"] == hook.keys and record.details["official"] == CONTEXT.official
    assert record.purpose == CONTEXT.purpose and record.case_ref == CONTEXT.case


def test_a_failing_receiver_is_retried_with_backoff_and_the_cursor_waits_for_a_2xx(sessions):
    hook = hooked(sessions)
    receiver, clock = Receiver([500, ConnectionError("refused"), 302]), Clock()
    start = state(sessions, hook.sub_id)[0].cursor

    assert run(sessions, receiver, clock).retrying == 1
    _, [delivery] = state(sessions, hook.sub_id)
    assert delivery.next_attempt_at == T0 + dt.timedelta(minutes=1) and delivery.last_error == "HTTP 500"

    clock.advance(seconds=59)
    assert run(sessions, receiver, clock).sent == 0  # not due yet
    clock.advance(seconds=1)
    run(sessions, receiver, clock)
    clock.advance(minutes=2)
    run(sessions, receiver, clock)
    sub, [delivery] = state(sessions, hook.sub_id)
    assert (delivery.attempts, delivery.status, delivery.last_error) == (3, "pending", "HTTP 302")
    assert delivery.next_attempt_at == clock.now + dt.timedelta(minutes=4) and sub.cursor == start

    clock.advance(minutes=4)
    assert run(sessions, receiver, clock).delivered == 1
    sub, [delivery] = state(sessions, hook.sub_id)
    assert delivery.status == "delivered" and sub.cursor == delivery.last_seq > start
    bodies = {body for _, body, _ in receiver.got}
    assert len(receiver.got) == 4 and len(bodies) == 1  # the same batch each time
    assert len({h["X-Tongban-Delivery"] for _, _, h in receiver.got}) == 1


def test_a_batch_is_given_up_after_the_last_attempt_and_the_webhook_stops_until_a_data_admin_retries(sessions):
    hook = hooked(sessions)
    receiver, clock = Receiver([503] * 3), Clock()
    for _ in range(3):
        run(sessions, receiver, clock, max_attempts=3)
        clock.advance(hours=1)
    sub, [delivery] = state(sessions, hook.sub_id)
    assert (delivery.status, delivery.attempts, sub.cursor) == ("failed", 3, sub.start_seq)

    with transaction(sessions) as session:  # a new death: not sent while the webhook is stopped
        log(session, make_person(session, death_date=dt.date(2026, 11, 26)).id_number, "changed", ["death_date"])
    assert run(sessions, receiver, clock).sent == 0

    with transaction(sessions) as session:
        admin = make_user(session, Role.DATA_ADMIN, department_id=hook.world.consumer.id)
        deliveries.retry_webhook(session, actor_for(admin), hook.sub_id, now=clock.now)
    report = run(sessions, receiver, clock)
    assert report.delivered == 2  # the failed batch again, then the new death
    assert [e["key"] for e in receiver.events(-2)] == hook.keys and len(receiver.events(-1)) == 1
    sub, rows = state(sessions, hook.sub_id)
    assert [r.status for r in rows] == ["failed", "delivered", "delivered"] and sub.cursor == rows[-1].last_seq


def test_retrying_a_webhook_that_has_not_failed_is_refused(sessions):
    hook = hooked(sessions)
    with pytest.raises(Conflict), transaction(sessions) as session:
        admin = make_user(session, Role.DATA_ADMIN, department_id=hook.world.consumer.id)
        deliveries.retry_webhook(session, actor_for(admin), hook.sub_id)


def test_a_backlog_goes_out_in_batches_that_follow_each_other_without_gap_or_repeat(sessions):
    hook = hooked(sessions, deaths=7)
    receiver = Receiver()

    report = run(sessions, receiver, Clock(), batch=3)

    assert report.delivered == 3 and [len(json.loads(b)["events"]) for _, b, _ in receiver.got] == [3, 3, 1]
    assert [e["key"] for n in range(3) for e in receiver.events(n)] == hook.keys
    _, rows = state(sessions, hook.sub_id)
    assert all(a.last_seq < b.first_seq for a, b in zip(rows, rows[1:]))


def test_a_revoked_grant_stops_deliveries_and_nothing_leaves(sessions):
    hook = hooked(sessions)
    receiver, clock = Receiver([500]), Clock()
    run(sessions, receiver, clock)
    with transaction(sessions) as session:
        session.get(Grant, hook.world.grant.id).revoked_at = clock.now
    clock.advance(minutes=5)

    assert run(sessions, receiver, clock).sent == 0
    _, [delivery] = state(sessions, hook.sub_id)
    assert delivery.status == "failed" and "revoked" in delivery.last_error and len(receiver.got) == 1


def test_an_unsubscribe_while_a_batch_is_on_its_way_keeps_the_cursor_where_it_was(sessions):
    hook = hooked(sessions)

    def receiver(url: str, body: bytes, headers: Mapping[str, str]) -> int:
        with transaction(sessions) as session:
            subs.unsubscribe(session, hook.world.actor, hook.sub_id)
        return 200

    report = run(sessions, receiver, Clock())

    sub, [delivery] = state(sessions, hook.sub_id)
    assert report.delivered == 0 and delivery.status == "failed" and sub.cursor == sub.start_seq


def test_a_secret_sealed_under_another_platform_key_fails_the_batch_saying_why(sessions):
    hook = hooked(sessions)
    receiver = Receiver()

    report = deliveries.deliver_due(sessions, receiver, platform_key="rotated", clock=Clock())

    _, [delivery] = state(sessions, hook.sub_id)
    assert report.failed == 1 and receiver.got == [] and delivery.status == "failed"
    assert "secret key has changed" in delivery.last_error


# The command, against a receiver listening on this machine ---------------------------------------------------------

@pytest.fixture
def listener():  # type: ignore[no-untyped-def]
    """A real HTTP receiver on 127.0.0.1: answers 204 and keeps each request's path, headers and body."""
    got: list[tuple[str, dict[str, str], bytes]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.append((self.path, dict(self.headers), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/deaths", got
    server.shutdown()
    server.server_close()


def test_the_deliver_command_posts_signed_batches_over_http_once(cli_env, sessions, listener):
    from typer.testing import CliRunner

    from tongban.cli.main import app

    url, got = listener
    hook = hooked(sessions, deaths=2, url=url)

    result = CliRunner().invoke(app, ["exchange", "webhooks", "deliver", "--once"],
                                env={**cli_env, "TONGBAN_SECRET_KEY": KEY})

    assert result.exit_code == 0, result.output
    assert "Sent 1 batches: 1 delivered, 0 to be retried, 0 given up" in result.output
    [(path, headers, body)] = got
    assert path == "/hooks/deaths" and webhooks.verify(hook.secret, body, headers, now=time.time())
    assert [e["key"] for e in json.loads(body)["events"]] == hook.keys
    sub, [delivery] = state(sessions, hook.sub_id)
    assert delivery.status == "delivered" and sub.cursor == delivery.last_seq


def test_the_deliver_command_has_help_with_an_example(cli_env):
    from typer.testing import CliRunner

    from tongban.cli.main import app

    result = CliRunner().invoke(app, ["exchange", "webhooks", "deliver", "--help"], env=cli_env)
    assert result.exit_code == 0 and "tongban exchange webhooks deliver --once" in result.output


def test_the_web_server_delivers_every_interval_with_its_platform_key(sessions, settings):
    """``tongban up``/``serve`` run the same delivery round as the command, with the installation's secret key."""
    from pydantic import SecretStr

    from tongban.audit.signing import load_or_create_signer
    from tongban.web import background

    hook = hooked(sessions)
    settings = settings.model_copy(update={"secret_key": SecretStr(KEY), "webhook_interval_seconds": 45})
    receiver = Receiver()
    [job] = [j for j in background.jobs(settings, sessions, load_or_create_signer(settings.audit_key_path), receiver)
             if j.name == "webhook delivery"]
    assert job.every_seconds == 45
    job.run()
    [(url, body, headers)] = receiver.got
    assert url == URL and webhooks.verify(hook.secret, body, headers, now=time.time())
    assert [e["key"] for e in json.loads(body)["events"]] == hook.keys
    assert state(sessions, hook.sub_id)[1][0].status == "delivered"
