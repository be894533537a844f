"""The subscriptions page: a data admin sees the department's subscriptions, their event types, cursor, webhook status
and recent deliveries (failed in red); subscribes a client under a grant (the webhook secret shown once), retries a
failed webhook and unsubscribes; other departments' subscriptions stay out of sight; CSRF holds; citizens are
refused."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from tests.exchange.test_subscriptions import CONTEXT, KEY, World, make_world
from tests.factories import PASSWORD, make_user
from tests.web.test_pages import csrf_token, login, text_of
from tongban.audit.unit_of_work import transaction
from tongban.exchange import subscriptions as subs
from tongban.exchange.model import Subscription, WebhookDelivery
from tongban.identity.policy import Role


def _as(client, sessions, role: Role, department_id: int | None = None) -> str:  # type: ignore[no-untyped-def]
    """Log in as a new user of ``role``; returns the page's CSRF token."""
    with transaction(sessions) as session:
        extra = {"department_id": department_id} if department_id else {}
        user = make_user(session, role, **extra)
        username = user.username
    assert login(client, username, PASSWORD).status_code == 303
    return csrf_token(client.get("/account").text)


def _world(sessions, **kwargs) -> World:  # type: ignore[no-untyped-def]
    with transaction(sessions) as session:
        return make_world(session, **kwargs)


def _subscribed(sessions, world: World, **kwargs) -> int:  # type: ignore[no-untyped-def]
    with transaction(sessions) as session:
        return subs.subscribe(session, world.actor, grant_id=world.grant.id, events=["death"], platform_key=KEY,
                              context=CONTEXT, **kwargs).subscription.id


def test_a_data_admin_subscribes_a_client_with_a_webhook_and_sees_the_secret_once(client, sessions):
    world = _world(sessions)
    token = _as(client, sessions, Role.DATA_ADMIN, world.consumer.id)
    page = client.get("/exchange/subscriptions")
    assert page.status_code == 200 and 'data-testid="subscribe-form"' in page.text
    assert "订阅" in text_of(page) and f'value="{world.grant.id}:{world.client.id}"' in page.text

    made = client.post("/exchange/subscriptions", data={
        "csrf_token": token, "target": f"{world.grant.id}:{world.client.id}", "events": ["death", "move"],
        "purpose": "死亡人员待遇停发", "case": "MZ-2026-7", "webhook_url": "https://mz.example.gov.cn/hooks"})

    assert made.status_code == 200, text_of(made)
    secret = re.search(r'<pre class="token">(whsec_[^<]+)</pre>', made.text)
    assert secret and 'data-testid="webhook-secret"' in made.text
    with transaction(sessions) as session:
        sub = session.scalars(select(Subscription)).one()
        assert sub.events == ["death", "move"] and sub.case_ref == "MZ-2026-7" and sub.client_id == world.client.id
    again = client.get("/exchange/subscriptions")
    assert secret.group(1) not in again.text and f'data-subscription="{sub.id}"' in again.text


def test_a_type_the_grant_does_not_cover_is_named_in_the_form_error(client, sessions):
    world = _world(sessions)
    token = _as(client, sessions, Role.DATA_ADMIN, world.consumer.id)
    refused = client.post("/exchange/subscriptions", data={
        "csrf_token": token, "target": f"{world.grant.id}:{world.client.id}", "events": ["marriage"],
        "case": "MZ-1", "purpose": "核查"})
    assert refused.status_code == 422 and 'data-testid="subscribe-error"' in refused.text
    assert "事件类型" in text_of(refused)


def test_deliveries_show_with_failed_ones_in_red_and_a_failed_webhook_can_be_retried(client, sessions):
    world = _world(sessions)
    sub_id = _subscribed(sessions, world, webhook_url="https://mz.example.gov.cn/hooks")
    with transaction(sessions) as session:
        session.add(WebhookDelivery(subscription_id=sub_id, first_seq=1, last_seq=4, status="delivered", attempts=1,
                                    delivered_at=dt.datetime(2026, 11, 26, tzinfo=dt.UTC), last_error=""))
        session.add(WebhookDelivery(subscription_id=sub_id, first_seq=5, last_seq=9, status="failed", attempts=8,
                                    last_error="HTTP 503"))
    token = _as(client, sessions, Role.DATA_ADMIN, world.consumer.id)

    page = client.get("/exchange/subscriptions")

    assert f'data-subscription="{sub_id}" data-webhook="failed"' in page.text
    failed_row = re.search(r'data-status="failed">.*?</tr>', page.text, re.S)
    assert failed_row and 'class="badge denied"' in failed_row.group(0) and "HTTP 503" in failed_row.group(0)
    assert "失败" in text_of(page)

    retried = client.post(f"/exchange/subscriptions/{sub_id}/retry", data={"csrf_token": token},
                          follow_redirects=False)
    assert retried.status_code == 303
    after = client.get(retried.headers["location"])
    assert f'data-subscription="{sub_id}" data-webhook="pending"' in after.text


def test_a_data_admin_unsubscribes_and_the_subscription_leaves_the_list(client, sessions):
    world = _world(sessions)
    sub_id = _subscribed(sessions, world)
    token = _as(client, sessions, Role.DATA_ADMIN, world.consumer.id)
    ended = client.post(f"/exchange/subscriptions/{sub_id}/end", data={"csrf_token": token})
    assert ended.status_code == 200 and f'data-subscription="{sub_id}"' not in ended.text
    assert 'data-testid="notice"' in ended.text


def test_another_departments_data_admin_neither_sees_nor_ends_the_subscription(client, sessions):
    world = _world(sessions)
    sub_id = _subscribed(sessions, world)
    token = _as(client, sessions, Role.DATA_ADMIN)
    page = client.get("/exchange/subscriptions")
    assert f'data-subscription="{sub_id}"' not in page.text and 'data-testid="no-options"' in page.text
    assert client.post(f"/exchange/subscriptions/{sub_id}/end", data={"csrf_token": token}).status_code == 403


def test_the_operator_sees_every_departments_subscriptions_without_the_forms(client, sessions):
    world = _world(sessions)
    sub_id = _subscribed(sessions, world)
    _as(client, sessions, Role.OPERATOR)
    page = client.get("/exchange/subscriptions", params={"lang": "en"})
    assert f'data-subscription="{sub_id}"' in page.text and "Change subscriptions" in page.text
    assert 'data-testid="subscribe-form"' not in page.text and "Unsubscribe" not in page.text


def test_a_citizen_is_refused_and_a_form_without_its_csrf_token_too(client, sessions):
    world = _world(sessions)
    _as(client, sessions, Role.DATA_ADMIN, world.consumer.id)
    forged = client.post("/exchange/subscriptions", data={"target": f"{world.grant.id}:{world.client.id}"})
    assert forged.status_code == 403
    client.cookies.clear()
    _as(client, sessions, Role.CITIZEN)
    assert client.get("/exchange/subscriptions").status_code == 403
