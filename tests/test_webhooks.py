"""Webhooks: queued with the change, signed, delivered to a real receiver, retried, replayed."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from support.factories import answer, make_event, make_guest
from support.smtp import smtp_config, smtp_inbox
from support.webhook_receiver import Receiver

from registrar import create_app, tokens
from registrar.errors import NotFound
from registrar.extensions import db
from registrar.mail import campaigns, delivery
from registrar.models import (
    Channel,
    DeliveryStatus,
    Event,
    Webhook,
    WebhookDelivery,
    WebhookKind,
    utcnow,
)
from registrar.services import audit, checkin, seats, webhooks
from registrar.webhooks import sender

EVERY_KIND = [k.value for k in WebhookKind]


@pytest.fixture
def smtp_server():
    with smtp_inbox() as inbox:
        yield inbox


@pytest.fixture
def app_config(app_config, smtp_server):
    return {**app_config, **smtp_config(smtp_server), "REGISTRAR_WEBHOOK_HOSTS": "127.0.0.1"}


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


def register(event: Event, url: str, kinds=EVERY_KIND) -> Webhook:
    webhook = webhooks.register(event.id, url, kinds, audit.SYSTEM)
    db.session.commit()
    return webhook


def hooked_event(receiver: Receiver, kinds=EVERY_KIND, **fields) -> tuple[Event, Webhook]:
    event = make_event(**fields)
    webhook = register(event, receiver.url, kinds)
    receiver.secret = webhook.secret
    return event, webhook


def send(**kwargs) -> sender.SendReport:
    db.session.commit()
    report = sender.deliver_due(**kwargs)
    db.session.expire_all()
    return report


def deliveries() -> list[WebhookDelivery]:
    return list(db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)))


def kinds_received(receiver: Receiver) -> list[str]:
    return [body["kind"] for body in receiver.bodies()]


# -- signing and delivering --------------------------------------------------------------------


def test_a_delivery_is_signed_and_the_receiver_verifies_it(app, receiver):
    event, webhook = hooked_event(receiver)
    guest = make_guest(event, name_en="Lai Ching-Ming", name_zh="賴慶明")
    answer(guest, channel=Channel.ZH)

    report = send()
    assert (report.sent, report.retrying, report.failed) == (2, 0, 0)
    assert [ok for _, _, ok in receiver.received] == [True, True]
    assert kinds_received(receiver) == ["answer", "seat.confirmed"]
    body = receiver.bodies()[0]
    assert body["event"] == {"id": event.id, "slug": event.slug}
    assert body["guest"] == {"id": guest.id, "name_en": "Lai Ching-Ming", "name_zh": "賴慶明"}
    assert body["data"]["first"] is True and body["data"]["channel"] == "zh"
    assert body["time"].endswith("Z") and len(body["id"]) == 32
    headers = [delivery_id for delivery_id, _, _ in receiver.received]
    assert headers == [str(d.id) for d in deliveries()]
    assert [d.status for d in deliveries()] == [DeliveryStatus.SENT] * 2
    assert [d.last_status for d in deliveries()] == [200, 200]


def test_a_signature_made_with_another_secret_or_another_body_does_not_verify(app):
    body = b'{"kind":"answer"}'
    header = tokens.webhook_signature("whsec_one", 1_700_000_000, body)
    assert tokens.verify_webhook_signature("whsec_one", header, body, now=1_700_000_010)
    assert not tokens.verify_webhook_signature("whsec_two", header, body, now=1_700_000_010)
    assert not tokens.verify_webhook_signature("whsec_one", header, body + b" ", 1_700_000_010)
    # An old signature replayed by someone who recorded it is refused by its time.
    assert not tokens.verify_webhook_signature("whsec_one", header, body, now=1_700_001_000)
    assert not tokens.verify_webhook_signature("whsec_one", "garbage", body, now=1_700_000_000)


def test_an_event_without_webhooks_queues_nothing_and_runs_no_statement_for_them(app):
    event = make_event()
    guest = make_guest(event)
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        answer(guest)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)
    assert not [s for s in statements if "webhook_deliveries" in s or "FROM webhooks" in s]
    assert deliveries() == []


def test_a_webhook_is_told_only_the_kinds_it_wants(app, receiver):
    event, _ = hooked_event(receiver, kinds=["seat.waitlisted"], capacity=1)
    first, second = make_guest(event), make_guest(event)
    answer(first)
    answer(second)
    send()
    assert kinds_received(receiver) == ["seat.waitlisted"]
    assert receiver.bodies()[0]["guest"]["id"] == second.id
    assert receiver.bodies()[0]["data"]["queue_number"] == 1


def test_each_kind_is_emitted_by_its_real_use_case(app, receiver, smtp_server):
    event, _ = hooked_event(receiver, capacity=1)
    first = make_guest(event)
    second = make_guest(event)
    answer(first)  # answer, seat.confirmed
    answer(second)  # answer, seat.waitlisted
    answer(first, channel=Channel.ZH)  # answer (changed)
    answer(first, attending=False)  # answer (changed): second is promoted
    promoted = second
    code = tokens.badge_code(event.id, promoted.id, promoted.badge_version)
    checkin.scan(event.id, checkin.ScanRequest(code=code, gate="South"), actor="door")
    db.session.commit()
    checkin.scan(event.id, checkin.ScanRequest(code=code, gate="South"), actor="door")
    db.session.commit()  # a second scan is no new check-in
    # An e-mail refused for good: the message fails.
    smtp_server.refuse[first.email] = "550 5.1.1 No such user here"
    campaigns.send_invitations(event, audit.SYSTEM, [first.id])
    db.session.commit()
    delivery.deliver_due()
    db.session.expire_all()

    send()
    got = [(body["kind"], body["guest"]["id"]) for body in receiver.bodies()]
    assert got == [
        ("answer", first.id),
        ("seat.confirmed", first.id),
        ("answer", second.id),
        ("seat.waitlisted", second.id),
        ("answer", first.id),
        ("answer", first.id),
        ("seat.promoted", second.id),
        ("guest.checked_in", second.id),
        ("message.failed", first.id),
    ]
    bodies = receiver.bodies()
    assert bodies[4]["data"]["changed"] == ["channel"] and bodies[4]["data"]["first"] is False
    assert bodies[5]["data"]["attending"] is False
    assert bodies[7]["data"]["gate"] == "South"
    assert "550" in bodies[8]["data"]["message"]["error"]
    assert {kind for kind, _ in got} == set(EVERY_KIND)


def test_a_rolled_back_change_sends_nothing(app, receiver):
    event, _ = hooked_event(receiver)
    guest = make_guest(event)
    from registrar.services import rsvp

    rsvp.answer(guest.id, guest.token_version, rsvp.RsvpAnswer(True, Channel.EN), audit.GUEST)
    db.session.rollback()
    assert deliveries() == []


# -- a receiver away, several senders ----------------------------------------------------------


def test_a_receiver_down_for_a_while_gets_every_delivery_once_back_and_none_twice(app, receiver):
    event, _ = hooked_event(receiver, kinds=["answer"], capacity=50)
    receiver.stop()
    guests = [make_guest(event) for _ in range(6)]
    for guest in guests:
        answer(guest)

    report = send()
    assert (report.sent, report.retrying) == (0, 6)
    first_try = deliveries()
    assert all(d.status == DeliveryStatus.PENDING and d.attempts == 1 for d in first_try)
    assert all("Connection" in d.last_error or "refused" in d.last_error for d in first_try)
    assert send().handled == 0  # not due again yet: back-off
    later = utcnow() + sender.retry_delay(1)
    assert send(now=later).retrying == 6  # still down

    receiver.start()
    assert send(now=later + timedelta(minutes=2)).sent == 6
    assert send(now=later + timedelta(days=1)).handled == 0
    got = receiver.bodies()
    assert sorted(body["guest"]["id"] for body in got) == sorted(g.id for g in guests)
    assert len({delivery_id for delivery_id, _, _ in receiver.received}) == 6
    assert all(ok for _, _, ok in receiver.received)


def test_two_senders_at_once_never_send_a_delivery_twice(app, app_config, receiver):
    event, _ = hooked_event(receiver, kinds=["answer"], capacity=50)
    receiver.stop()
    for guest in [make_guest(event) for _ in range(20)]:
        answer(guest)
    send()  # every delivery fails once while the receiver is down
    receiver.start()
    later = utcnow() + timedelta(minutes=5)
    reports: list[sender.SendReport] = []

    def run() -> None:
        other = create_app(app_config)
        with other.app_context():
            reports.append(sender.deliver_due(now=later))
            db.session.remove()
            db.engine.dispose()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(r.sent for r in reports) == 20
    ids = [delivery_id for delivery_id, _, _ in receiver.received]
    assert len(ids) == len(set(ids)) == 20
    db.session.expire_all()
    assert {d.status for d in deliveries()} == {DeliveryStatus.SENT}


def test_a_delivery_is_given_up_after_the_last_attempt(app, receiver):
    app.config["REGISTRAR_WEBHOOK_MAX_ATTEMPTS"] = 3
    event, _ = hooked_event(receiver, kinds=["answer"])
    receiver.answer = 500
    answer(make_guest(event))
    moment = utcnow()
    for _ in range(3):
        send(now=moment)
        moment += timedelta(hours=2)
    (only,) = deliveries()
    assert (only.status, only.attempts, only.last_status) == (DeliveryStatus.FAILED, 3, 500)
    assert only.last_error == "HTTP 500"
    assert send(now=moment + timedelta(days=1)).handled == 0
    assert len(receiver.received) == 3
    assert sender.retry_delay(1) == timedelta(seconds=30)
    assert sender.retry_delay(3) == timedelta(minutes=2)
    assert sender.retry_delay(20) == timedelta(hours=1)


def test_a_disabled_webhook_is_told_nothing_more_and_its_queue_is_not_sent(app, receiver):
    event, webhook = hooked_event(receiver, kinds=["answer"])
    answer(make_guest(event))
    webhooks.set_active(event.id, webhook.id, False, audit.SYSTEM)
    db.session.commit()
    assert db.session.get(Event, event.id).webhook_kinds == ""
    answer(make_guest(event))
    assert len(deliveries()) == 1
    assert send().failed == 1
    assert receiver.received == []
    assert deliveries()[0].last_error == "webhook disabled"


# -- where deliveries may go -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "",
        "ftp://127.0.0.1/hooks",
        "javascript:alert(1)",
        "http:///no-host",
        "http://user:secret@127.0.0.1/hooks",
        "http://127.0.0.1:99999/hooks",
        "http://hooks.example.org/not-listed",
        "http://127.0.0.1/with space",
        "http://127.0.0.1/" + "x" * 500,
    ],
)
def test_a_bad_or_not_allowed_url_is_refused_and_nothing_is_saved(app, url):
    event = make_event()
    with pytest.raises(webhooks.BadWebhook):
        webhooks.register(event.id, url, ["answer"], audit.SYSTEM)
    db.session.rollback()
    assert db.session.scalars(sa.select(Webhook)).all() == []
    assert db.session.get(Event, event.id).webhook_kinds == ""


def test_without_configured_hosts_this_machine_and_private_networks_are_refused(app):
    app.config["REGISTRAR_WEBHOOK_HOSTS"] = ""
    event = make_event()
    for url in (
        "http://localhost/h",
        "http://127.0.0.1/h",
        "http://10.1.2.3/h",
        "http://[::1]/h",
        "http://169.254.169.254/latest",
    ):
        with pytest.raises(webhooks.BadWebhook):
            webhooks.register(event.id, url, ["answer"], audit.SYSTEM)
        db.session.rollback()
    assert webhooks.check_url("https://hooks.example.org/in") == "https://hooks.example.org/in"
    app.config["REGISTRAR_WEBHOOK_HOSTS"] = "*.example.org"
    assert webhooks.check_url("https://a.example.org/in")
    with pytest.raises(webhooks.BadWebhook):
        webhooks.check_url("https://example.net/in")


def test_a_host_no_longer_allowed_when_sending_fails_the_delivery_without_a_request(app, receiver):
    event, _ = hooked_event(receiver, kinds=["answer"])
    answer(make_guest(event))
    app.config["REGISTRAR_WEBHOOK_HOSTS"] = ""  # loopback no longer configured
    assert send().failed == 1
    assert receiver.received == []
    assert deliveries()[0].status == DeliveryStatus.FAILED


def test_unknown_kinds_are_refused(app):
    event = make_event()
    for kinds in ([], ["answer", "seat.exploded"]):
        with pytest.raises(webhooks.BadWebhook):
            webhooks.register(event.id, "http://127.0.0.1/h", kinds, audit.SYSTEM)
        db.session.rollback()


# -- replay ------------------------------------------------------------------------------------


def test_a_delivery_is_replayed_with_the_same_body_and_a_new_delivery_id(app, receiver):
    event, _ = hooked_event(receiver, kinds=["seat.confirmed"])
    answer(make_guest(event))
    send()
    (original,) = deliveries()
    again = webhooks.replay(event.id, original.id, audit.SYSTEM)
    db.session.commit()
    assert send().sent == 1
    (first, second) = receiver.received
    assert first[1] == second[1]  # the same notification, by its body's id
    assert (first[0], second[0]) == (str(original.id), str(again.id))
    assert second[2] is True
    assert db.session.get(WebhookDelivery, again.id).replay_of == original.id


def test_a_delivery_of_another_event_cannot_be_replayed(app, receiver):
    event, _ = hooked_event(receiver, kinds=["answer"])
    other = make_event()
    answer(make_guest(event))
    (original,) = deliveries()
    with pytest.raises(NotFound):
        webhooks.replay(other.id, original.id, audit.SYSTEM)
    db.session.rollback()
    assert len(deliveries()) == 1


def test_promotion_by_capacity_change_is_told(app, receiver):
    event, _ = hooked_event(receiver, kinds=["seat.promoted"], capacity=1)
    answer(make_guest(event))
    waiting = make_guest(event)
    answer(waiting)
    seats.set_capacity(event.id, 2, 0, audit.SYSTEM)
    db.session.commit()
    send()
    assert [(b["kind"], b["guest"]["id"]) for b in receiver.bodies()] == [
        ("seat.promoted", waiting.id)
    ]


# -- the command -------------------------------------------------------------------------------


def test_the_send_command_delivers_and_says_how_it_went(app, runner, receiver):
    event, _ = hooked_event(receiver, kinds=["answer"])
    answer(make_guest(event))
    result = runner.invoke(args=["webhooks", "send"])
    assert result.exit_code == 0, result.output
    assert "sent 1, retrying later 0, failed 0" in result.output
    assert len(receiver.received) == 1
    result = runner.invoke(args=["webhooks", "send", "--help"])
    assert "Registrar-Signature" in result.output and "--watch" in result.output
    result = runner.invoke(args=["webhooks", "status"])
    assert "sent 1" in result.output


def test_erasing_a_guest_scrubs_the_bodies_kept_and_those_still_to_send(app, receiver):
    from registrar.services.guests.erasure import erase

    event, _ = hooked_event(receiver, kinds=["answer", "seat.confirmed"])
    guest = make_guest(event, name_en="Chen Mei-Ling", name_zh="陳美玲")
    answer(guest)
    send()  # the first two went out with the names
    answer(guest, channel=Channel.ZH)  # this one waits
    erase(guest.id, audit.SYSTEM)
    db.session.commit()
    for kept in deliveries():
        assert "Mei-Ling" not in kept.body and "陳美玲" not in kept.body
        assert kept.guest_id == guest.id
    assert send().sent == 1
    last = receiver.bodies()[-1]
    assert last["guest"] == {"id": guest.id, "name_en": f"Erased guest #{guest.id}", "name_zh": ""}
    assert last["kind"] == "answer" and last["data"]["changed"] == ["channel"]
