"""The console's requests page: both spellings side by side, approve or decline with the version
shown (a stale tab or a post without it changes nothing); a deputy approved here reaches both
people by e-mail (a real SMTP server on the loopback), each in their own language."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from support.app import text
from support.factories import answer, invitation_path, make_event, make_guest
from support.smtp import smtp_config, smtp_inbox

from registrar.extensions import db
from registrar.mail import delivery
from registrar.models import (
    AuditEntry,
    ChangeRequest,
    Guest,
    Language,
    MessageKind,
    OutboxMessage,
    RequestKind,
    SeatState,
)
from registrar.services import requests


@pytest.fixture
def smtp_server():
    with smtp_inbox() as inbox:
        yield inbox


@pytest.fixture
def app_config(app_config, smtp_server):
    return {**app_config, **smtp_config(smtp_server)}


def audit_count() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))


def decide(client, request: ChangeRequest, decision: str, **data):
    path = f"/console/events/{request.event_id}/requests/{request.id}/{decision}"
    response = client.post(path, data={"csrf_token": "", **data})
    assert response.status_code == 302
    return text(client.get(response.headers["Location"]))


def test_a_correction_is_shown_beside_the_old_spelling_and_approved_once(organizer_client):
    event = make_event()
    guest = make_guest(event, name_en="Lai Ching Ming", name_zh="賴清明")
    db.session.commit()
    posted = organizer_client.post(
        invitation_path(guest),
        data={"attending": "no", "name_en": "Lai Ching-Te", "name_zh": "賴清德"},
    )
    assert posted.status_code == 302
    request = requests.pending_of(guest, RequestKind.NAME_CHANGE)
    page = text(organizer_client.get(f"/console/events/{event.id}/requests"))
    for spelling in ("Lai Ching Ming", "Lai Ching-Te", "賴清明", "賴清德"):
        assert spelling in page

    before = audit_count()
    page = decide(organizer_client, request, "approve")  # no version: a forged post
    assert "confirm with the button" in page
    page = decide(organizer_client, request, "approve", confirm="7")  # a stale tab
    assert "changed or decided by someone else" in page
    assert audit_count() == before

    page = decide(organizer_client, request, "approve", confirm=str(request.version))
    assert "Approved" in page
    assert db.session.get(Guest, guest.id).name_en == "Lai Ching-Te"
    after = audit_count()
    page = decide(organizer_client, request, "approve", confirm="1")  # pressed twice
    assert "changed or decided by someone else" in page
    assert audit_count() == after


def test_an_approved_deputy_and_the_guest_are_told_by_e_mail(organizer_client, client, smtp_server):
    event = make_event(capacity=1)
    mayor = make_guest(event, name_en="Chen Chi-Mai", name_zh="陳其邁", language=Language.ZH_HANT)
    db.session.commit()
    answer(mayor)
    delivery.deliver_due()
    smtp_server.received.clear()
    old_link = invitation_path(mayor)
    form = {
        "deputy-name_en": "Lin Kuo-Hsien",
        "deputy-name_zh": "林國賢",
        "deputy-title": "Deputy Mayor",
        "deputy-email": "lin@example.org",
        "deputy-language": "en",
    }
    assert client.post(f"{old_link}/deputy", data=form).status_code == 302
    # A second proposal while the first waits: refused, said on the page.
    again = client.post(f"{old_link}/deputy", data={**form, "deputy-email": "x@example.org"})
    assert again.status_code == 409
    request = requests.pending_of(mayor, RequestKind.DEPUTY)
    page = text(organizer_client.get(f"/console/events/{event.id}/requests"))
    assert "Lin Kuo-Hsien" in page and "陳其邁" in page

    decide(organizer_client, request, "approve", confirm=str(request.version))
    deputy = db.session.scalar(sa.select(Guest).where(Guest.email == "lin@example.org"))
    assert deputy.seat.state == SeatState.CONFIRMED
    assert delivery.deliver_due().sent == 2
    (to_deputy,) = smtp_server.to("lin@example.org")
    body = to_deputy.get_body(("plain",)).get_content()
    assert "in place of Chen Chi-Mai" in body
    assert f"http://localhost{invitation_path(deputy)}" in body
    assert to_deputy["Content-Language"] == "en"
    (to_mayor,) = smtp_server.to(mayor.email)
    assert to_mayor["Content-Language"] == "zh-Hant-TW"
    assert "林國賢" in to_mayor.get_body(("plain",)).get_content()
    assert client.get(old_link).status_code == 410


def test_an_organizers_badge_download_counts_as_printed_once(organizer_client):
    event = make_event(small_corrections=True)
    guest = make_guest(event)
    db.session.commit()
    answer(guest)
    for _ in range(2):
        response = organizer_client.get(f"/console/events/{event.id}/badges.pdf")
        assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(type(event), event.id).badges_printed_at is not None
    printed = sa.select(sa.func.count()).where(AuditEntry.action == "badges.printed")
    assert db.session.scalar(printed) == 1


def test_a_decline_in_the_console_tells_the_guest_the_reason_given(organizer_client):
    event = make_event()
    guest = make_guest(event, name_en="Lai Ching Ming")
    db.session.commit()
    organizer_client.post(
        invitation_path(guest), data={"attending": "no", "name_en": "Lai Ching-Te"}
    )
    request = requests.pending_of(guest, RequestKind.NAME_CHANGE)
    page = text(organizer_client.get(f"/console/events/{event.id}/requests"))
    assert "Reason, told to the guest (optional)" in page

    before = audit_count()
    page = decide(
        organizer_client, request, "decline", confirm=str(request.version), reason="two\nlines"
    )
    assert audit_count() == before  # refused with the message, nothing decided
    page = decide(
        organizer_client,
        request,
        "decline",
        confirm=str(request.version),
        reason="Please send the spelling on your passport.",
    )
    assert "Declined" in page
    told = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.kind == MessageKind.REQUEST_DECLINED)
    )
    assert told.details["reason"] == "Please send the spelling on your passport."


def test_a_deputy_refused_on_the_guest_s_page_is_told_in_the_guest_s_language(client):
    event = make_event(capacity=1)
    mayor = make_guest(event, name_en="Chen Chi-Mai", language=Language.ZH_HANT)
    db.session.commit()
    answer(mayor)
    form = {
        "deputy-name_en": "Lin Kuo-Hsien",
        "deputy-title": "Deputy Mayor",
        "deputy-email": "not an address",
        "deputy-language": "en",
    }
    refused = client.post(f"{invitation_path(mayor)}/deputy", data=form)
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert '<html lang="zh-Hant' in page, page[:200]
    assert requests.pending_of(mayor, RequestKind.DEPUTY) is None
