"""The travel reminder: an e-mail of its own kind, in the guest's language, with the link to
their travel page, delivered over real SMTP; not sent to a guest who gave their travel since;
shown in the console's preview."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from support.factories import make_event, make_guest
from support.smtp import smtp_config, smtp_inbox

from registrar.extensions import db
from registrar.mail import delivery, previews
from registrar.models import Category, Language, MessageKind, MessageStatus, OutboxMessage
from registrar.services import audit
from registrar.services.travel import reminders


@pytest.fixture
def smtp_server():
    with smtp_inbox() as inbox:
        yield inbox


@pytest.fixture
def app_config(app_config, smtp_server):
    return {**app_config, **smtp_config(smtp_server)}


def test_the_reminder_reaches_each_guest_in_their_language_with_their_travel_link(app, smtp_server):
    event = make_event(travel_categories="vip")
    mayor = make_guest(event, category=Category.VIP, name_en="Mayor of Belize City")
    chinese = make_guest(event, category=Category.VIP, language=Language.ZH_HANT, name_zh="陳市長")
    make_guest(event, category=Category.DELEGATE)
    queued = reminders.remind(event.id, audit.SYSTEM)
    db.session.commit()
    assert len(queued) == 2
    delivery.deliver_due()
    db.session.commit()
    received = {m["To"].addresses[0].addr_spec: m for m in smtp_server.received}
    assert set(received) == {mayor.email, chinese.email}
    english = received[mayor.email]
    assert english["Subject"].startswith("Your travel details, please:")
    body = english.get_body(("plain",)).get_content()
    assert "arrival and departure flights" in body and "/travel" in body
    zh = received[chinese.email]
    assert zh["Subject"].startswith("請填寫您的行程資料")
    assert "/travel" in zh.get_body(("html",)).get_content()


def test_a_reminder_to_a_guest_who_gave_their_travel_meanwhile_is_not_sent(app, smtp_server):
    from datetime import time, timedelta
    from zoneinfo import ZoneInfo

    from registrar.services.travel import details

    event = make_event(travel_categories="vip")
    mayor = make_guest(event, category=Category.VIP)
    reminders.remind(event.id, audit.SYSTEM)
    db.session.commit()
    day = event.starts_at.astimezone(ZoneInfo(event.timezone)).date()
    details.give(
        mayor.id,
        mayor.token_version,
        details.TravelDetails(
            arrival_date=day,
            arrival_time=time(8, 0),
            arrival_flight="BR 27",
            arrival_airport="KHH",
            arrival_airport_name="",
            arrival_pickup=True,
            departure_date=day + timedelta(days=1),
            departure_time=time(9, 0),
            departure_flight="BR 28",
            departure_airport="KHH",
            departure_airport_name="",
            departure_pickup=False,
            hotel_choice="own",
            hotel_name="Hotel Nikko",
            check_in=day,
            check_out=day + timedelta(days=1),
        ),
        audit.GUEST,
    )
    db.session.commit()
    delivery.deliver_due()
    db.session.commit()
    assert smtp_server.received == []
    (message,) = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == MessageKind.TRAVEL_REMINDER)
    )
    assert message.status == MessageStatus.CANCELLED


def test_the_preview_shows_the_travel_reminder_in_both_languages(organizer_client):
    event = make_event(travel_categories="vip")
    mayor = make_guest(event, category=Category.VIP)
    assert MessageKind.TRAVEL_REMINDER in previews.KINDS
    page = organizer_client.get(
        f"/console/events/{event.id}/mail/preview?kind=travel_reminder&guest={mayor.id}"
    ).get_data(as_text=True)
    for language in Language:
        shown = previews.guest_preview(mayor, MessageKind.TRAVEL_REMINDER, language)
        assert shown.subject in page.replace("&#39;", "'")
        assert "/travel" in shown.text
