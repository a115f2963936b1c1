"""The console's webhooks page: add, change, disable, delete (asked first), deliveries, replay."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from support.app import text
from support.factories import answer, make_event, make_guest
from support.webhook_receiver import Receiver

from registrar.extensions import db
from registrar.models import AuditEntry, DeliveryStatus, Event, Webhook, WebhookDelivery
from registrar.webhooks import sender


@pytest.fixture
def app_config(app_config):
    return {**app_config, "REGISTRAR_WEBHOOK_HOSTS": "127.0.0.1"}


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


def page(event: Event) -> str:
    return f"/console/events/{event.id}/webhooks"


def add(client, event: Event, url: str, kinds=("answer", "seat.confirmed")):
    return client.post(page(event), data={"url": url, "kinds": list(kinds)})


def hooks() -> list[Webhook]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Webhook).order_by(Webhook.id)))


def test_an_organizer_adds_a_webhook_and_sees_its_secret_to_copy(app, organizer_client):
    event = make_event()
    response = add(organizer_client, event, "http://127.0.0.1:9/hooks")
    assert response.status_code == 302
    (hook,) = hooks()
    assert hook.kinds == "answer seat.confirmed" and hook.active
    assert hook.created_by.startswith("staff:")
    shown = text(organizer_client.get(page(event)))
    assert "Webhook added" in shown
    assert hook.secret in shown and "http://127.0.0.1:9/hooks" in shown
    assert "Answer given or changed" in shown and "Seat confirmed" in shown
    assert db.session.get(Event, event.id).webhook_kinds == "answer seat.confirmed"
    assert db.session.scalar(sa.select(AuditEntry.action).order_by(AuditEntry.id.desc())) == (
        "webhook.added"
    )


@pytest.mark.parametrize(
    ("url", "kinds", "message"),
    [
        ("ftp://127.0.0.1/hooks", ("answer",), "Only http:// and https:// URLs"),
        ("http://evil.example/hooks", ("answer",), "Deliveries may only go to these hosts"),
        ("", ("answer",), "Enter the URL the deliveries go to."),
        ("http://127.0.0.1/hooks", (), "Choose at least one kind of change."),
        ("http://127.0.0.1/hooks", ("seat.exploded",), "is not a valid choice"),
    ],
)
def test_bad_input_gets_a_message_and_nothing_is_saved(app, organizer_client, url, kinds, message):
    event = make_event()
    response = add(organizer_client, event, url, kinds)
    assert response.status_code == 200
    shown = text(response)
    assert "There is a problem" in shown and message in shown
    assert url in shown  # what was typed is still there
    assert hooks() == []
    assert db.session.get(Event, event.id).webhook_kinds == ""


def test_the_page_speaks_chinese_to_an_organizer_who_reads_it(app, organizer_client):
    event = make_event()
    add(organizer_client, event, "http://127.0.0.1:9/hooks")
    shown = text(organizer_client.get(page(event) + "?lang=zh_Hant"))
    assert "新增 Webhook" in shown and "回覆或修改回覆" in shown


def test_disable_enable_and_delete_with_confirmation(app, organizer_client):
    event = make_event()
    add(organizer_client, event, "http://127.0.0.1:9/hooks")
    (hook,) = hooks()
    base = f"{page(event)}/{hook.id}"
    organizer_client.post(f"{base}/disable")
    assert not hooks()[0].active
    assert db.session.get(Event, event.id).webhook_kinds == ""
    organizer_client.post(f"{base}/enable")
    assert hooks()[0].active

    asked = text(organizer_client.get(f"{base}/delete"))
    assert "Delete this webhook?" in asked and "http://127.0.0.1:9/hooks" in asked
    assert len(hooks()) == 1  # asking deletes nothing
    response = organizer_client.post(f"{base}/delete")
    assert response.status_code == 302
    assert hooks() == []
    assert "Webhook deleted" in text(organizer_client.get(page(event)))


def test_a_change_keeps_the_secret_and_a_bad_one_changes_nothing(app, organizer_client):
    event = make_event()
    add(organizer_client, event, "http://127.0.0.1:9/hooks")
    (hook,) = hooks()
    secret, edit = hook.secret, f"{page(event)}/{hook.id}/edit"
    shown = text(organizer_client.get(edit))
    assert "Change webhook" in shown and "http://127.0.0.1:9/hooks" in shown
    refused = organizer_client.post(
        edit, data={"url": "http://evil.example/x", "kinds": ["answer"]}
    )
    assert refused.status_code == 200
    assert "Deliveries may only go to these hosts" in text(refused)
    assert "http://evil.example/x" in text(refused)  # what was typed is still there
    assert hooks()[0].url == "http://127.0.0.1:9/hooks"
    none = organizer_client.post(edit, data={"url": "http://127.0.0.1:9/new"})
    assert "Choose at least one kind of change." in text(none)
    assert hooks()[0].kinds == "answer seat.confirmed"
    done = organizer_client.post(
        edit, data={"url": "http://127.0.0.1:9/new", "kinds": ["guest.checked_in"]}
    )
    assert done.status_code == 302
    (hook,) = hooks()
    assert (hook.url, hook.kinds, hook.secret) == (
        "http://127.0.0.1:9/new",
        "guest.checked_in",
        secret,
    )
    assert db.session.get(Event, event.id).webhook_kinds == "guest.checked_in"
    assert db.session.scalar(sa.select(AuditEntry.action).order_by(AuditEntry.id.desc())) == (
        "webhook.changed"
    )
    assert "網址" in text(organizer_client.get(edit + "?lang=zh_Hant"))


def test_a_webhook_of_another_event_is_not_found_here(app, organizer_client):
    event, other = make_event(), make_event()
    add(organizer_client, other, "http://127.0.0.1:9/hooks")
    (hook,) = hooks()
    assert organizer_client.get(f"{page(event)}/{hook.id}/edit").status_code == 404
    assert organizer_client.post(f"{page(event)}/{hook.id}/disable").status_code == 404
    assert organizer_client.post(f"{page(event)}/{hook.id}/delete").status_code == 404
    assert hooks()[0].active


def test_recent_deliveries_show_their_last_status_and_can_be_replayed(
    app, organizer_client, receiver
):
    event = make_event()
    add(organizer_client, event, receiver.url, ("seat.confirmed",))
    receiver.secret = hooks()[0].secret
    receiver.answer = 503
    answer(make_guest(event))
    sender.deliver_due()
    shown = text(organizer_client.get(page(event)))
    assert "HTTP 503" in shown and "Waiting" in shown and "1 attempt" in shown

    receiver.answer = 200
    (delivery,) = db.session.scalars(sa.select(WebhookDelivery)).all()
    delivery.status = DeliveryStatus.FAILED  # given up, as after the last attempt
    db.session.commit()
    response = organizer_client.post(f"{page(event)}/deliveries/{delivery.id}/replay")
    assert response.status_code == 302
    assert sender.deliver_due().sent == 1
    shown = text(organizer_client.get(page(event)))
    assert "The delivery will be sent again" in shown
    assert f"replay of #{delivery.id}" in shown and "Delivered" in shown
    assert [ok for _, _, ok in receiver.received] == [True, True]
