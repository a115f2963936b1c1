"""The organizer API's requests: guests' name corrections and deputies listed, read, approved
and declined with the console's rules; a deputy named directly; stale decisions refused."""

from __future__ import annotations

from typing import get_args

import pytest
import sqlalchemy as sa
from support.auth import api_bearer as bearer
from support.factories import answer, make_event, make_guest, make_staff

from registrar import unit_of_work
from registrar.extensions import db
from registrar.mail import render
from registrar.models import (
    ApiRole,
    AuditEntry,
    Category,
    ChangeRequest,
    CompanionRole,
    Guest,
    Language,
    MessageKind,
    OutboxMessage,
    RequestKind,
    RequestState,
    Role,
    SeatState,
    utcnow,
)
from registrar.services import audit, companions, locking
from registrar.services.requests import accompanying, deputies, name_changes
from registrar.web.api import schemas as wire

DEPUTY = {
    "name_en": "Chen Wei-Ting",
    "name_zh": "陳韋廷",
    "title": "Deputy Mayor",
    "organization": "Kaohsiung City Government",
    "email": "deputy@example.org",
    "language": "zh_Hant",
}


@pytest.fixture
def event(app):
    return make_event(capacity=5)


@pytest.fixture
def organizer(event):
    return make_staff("org@example.org", Role.ORGANIZER, events=[event])


@pytest.fixture
def writer(event, organizer):
    return bearer(organizer, event, ApiRole.ORGANIZER, "writer")


@pytest.fixture
def reader(event, organizer):
    return bearer(organizer, event, ApiRole.READ, "reader")


def correction(guest: Guest, **asked: str) -> ChangeRequest:
    """The guest's correction, waiting for a decision (the event allows no small ones)."""

    def ask() -> ChangeRequest | None:
        event = locking.lock_event(guest.event_id)
        fixed = {name: [getattr(guest, name), new] for name, new in asked.items()}
        return name_changes.correct(event, guest, fixed, audit.GUEST)

    made = unit_of_work.run(ask)
    assert made is not None
    return made


def proposal(guest: Guest, email: str = "deputy@example.org") -> ChangeRequest:
    details = deputies.DeputyDetails(name_en="Chen Wei-Ting", email=email)
    return unit_of_work.run(
        lambda: deputies.propose(guest.id, guest.token_version, details, audit.GUEST)
    )


def counts() -> dict[str, int]:
    db.session.rollback()
    return {
        model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (ChangeRequest, Guest, AuditEntry, OutboxMessage)
    }


def test_the_wire_names_are_the_enums():
    assert get_args(wire.RequestKindName) == tuple(k.value for k in RequestKind)
    assert get_args(wire.RequestStateName) == tuple(s.value for s in RequestState)


def test_requests_are_listed_by_state_a_page_at_a_time(client, event, reader):
    guests = [make_guest(event, name_en=f"Guest {n}") for n in range(3)]
    made = [correction(g, organization=f"Org {n}") for n, g in enumerate(guests)]
    path = f"/api/v1/events/{event.id}/requests"
    first = client.get(f"{path}?limit=2", headers=reader)
    assert first.status_code == 200, first.get_json()
    page = first.get_json()
    assert [item["id"] for item in page["items"]] == [made[0].id, made[1].id]
    assert page["items"][0]["previous"]["organization"] == guests[0].organization
    assert page["items"][0]["organization"] == "Org 0"
    rest = client.get(f"{path}?limit=2&cursor={page['next']}", headers=reader).get_json()
    assert [item["id"] for item in rest["items"]] == [made[2].id]
    assert rest["next"] is None

    unit_of_work.run(lambda: name_changes.approve(made[1].id, made[1].version, "system"))
    pending = client.get(f"{path}?state=pending", headers=reader).get_json()
    decided = client.get(f"{path}?state=decided", headers=reader).get_json()
    assert [item["id"] for item in pending["items"]] == [made[0].id, made[2].id]
    assert [(item["id"], item["state"]) for item in decided["items"]] == [(made[1].id, "approved")]
    one = client.get(f"{path}/{made[1].id}", headers=reader).get_json()
    assert one["decided_by"] == "system" and one["decided_at"] is not None
    assert client.get(f"{path}?state=old", headers=reader).status_code == 400
    # Another event's request is not found through this one.
    other = make_event()
    stranger = correction(make_guest(other), organization="Elsewhere")
    assert client.get(f"{path}/{stranger.id}", headers=reader).status_code == 404


def test_a_read_token_reads_but_never_decides(client, event, reader):
    guest = make_guest(event)
    made = correction(guest, name_en="Lai Ching-Ming")
    path = f"/api/v1/events/{event.id}/requests/{made.id}"
    assert client.get(path, headers=reader).status_code == 200
    before = counts()
    refused = client.post(f"{path}/approve", json={}, headers=reader)
    assert refused.status_code == 403
    assert client.post(f"{path}/decline", json={}, headers=reader).status_code == 403
    deputy = client.post(
        f"/api/v1/events/{event.id}/guests/{guest.id}/deputy", json=DEPUTY, headers=reader
    )
    assert deputy.status_code == 403
    assert counts() == before


def test_approving_a_correction_changes_the_guest_once(client, event, writer):
    guest = make_guest(event, name_en="Lai Ching Ming")
    made = correction(guest, name_en="Lai Ching-Ming")
    path = f"/api/v1/events/{event.id}/requests/{made.id}"
    approved = client.post(f"{path}/approve", json={"version": made.version}, headers=writer)
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["state"] == "approved"
    db.session.expire_all()
    assert db.session.get(Guest, guest.id).name_en == "Lai Ching-Ming"
    actors = db.session.scalars(
        sa.select(AuditEntry.actor).where(AuditEntry.action == "request.approved")
    ).all()
    assert [a.split(":")[0] for a in actors] == ["token"]
    # A second click, or a second program: already decided, nothing changes.
    before = counts()
    for decision in ("approve", "decline"):
        again = client.post(f"{path}/{decision}", json={}, headers=writer)
        assert again.status_code == 409
        assert "decided by someone else" in again.get_json()["error"]["message"]
    assert counts() == before


def test_a_decision_on_a_version_changed_since_is_refused(client, event, writer):
    guest = make_guest(event, name_en="Lai Ching Ming")
    made = correction(guest, name_en="Lai Ching-Ming")
    seen = made.version
    # The guest changes their mind before the organizer decides.
    correction(db.session.get(Guest, guest.id), name_en="Lai Ching-Min")
    before = counts()
    path = f"/api/v1/events/{event.id}/requests/{made.id}"
    stale = client.post(f"{path}/approve", json={"version": seen}, headers=writer)
    assert stale.status_code == 409
    assert counts() == before
    assert db.session.get(Guest, guest.id).name_en == "Lai Ching Ming"


def test_declining_tells_the_guest_with_the_reason(client, event, writer):
    guest = make_guest(event)
    answer(guest)
    made = proposal(guest)
    path = f"/api/v1/events/{event.id}/requests/{made.id}/decline"
    bad = client.post(path, json={"reason": "two\nlines"}, headers=writer)
    assert bad.status_code == 400
    long = client.post(path, json={"reason": "x" * 501}, headers=writer)
    assert long.status_code == 400
    declined = client.post(
        path, json={"reason": "The mayor's office must write to us."}, headers=writer
    )
    assert declined.status_code == 200, declined.get_json()
    assert declined.get_json()["state"] == "declined"
    told = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.kind == MessageKind.REQUEST_DECLINED)
    )
    assert told.guest_id == guest.id
    assert told.details["reason"] == "The mayor's office must write to us."
    with render.guest_language(told.guest):
        _subject, text, html = render.texts(told.kind, told.guest, told.details, utcnow())
    assert "The organizers say: The mayor's office must write to us." in text
    assert "The mayor&#39;s office must write to us." in html
    # The guest keeps their seat and their link.
    db.session.expire_all()
    assert db.session.get(Guest, guest.id).seat.state == SeatState.CONFIRMED
    assert not db.session.get(Guest, guest.id).is_revoked


def test_approving_a_deputy_passes_the_seat(client, event, writer):
    guest = make_guest(event)
    answer(guest)
    made = proposal(guest)
    path = f"/api/v1/events/{event.id}/requests/{made.id}/approve"
    approved = client.post(path, json={}, headers=writer)
    assert approved.status_code == 200, approved.get_json()
    deputy_id = approved.get_json()["deputy_id"]
    db.session.expire_all()
    deputy = db.session.get(Guest, deputy_id)
    assert deputy.deputy_for_id == guest.id
    assert deputy.seat.state == SeatState.CONFIRMED
    assert db.session.get(Guest, guest.id).sent_deputy


def test_an_organizer_names_a_deputy_with_the_consoles_rules(client, event, writer):
    guest = make_guest(event)
    answer(guest)
    other = make_guest(event, email="taken@example.org")
    waiting = proposal(guest, email="first@example.org")
    path = f"/api/v1/events/{event.id}/guests/{guest.id}/deputy"
    before = counts()
    taken = client.post(path, json={**DEPUTY, "email": other.email}, headers=writer)
    assert taken.status_code == 409
    assert "already a guest of this event" in taken.get_json()["error"]["message"]
    nameless = client.post(path, json={"email": "x@example.org"}, headers=writer)
    assert nameless.status_code == 400
    assert counts() == before

    named = client.post(path, json=DEPUTY, headers=writer)
    assert named.status_code == 200, named.get_json()
    body = named.get_json()
    assert body["name_zh"] == "陳韋廷" and body["language"] == "zh_Hant"
    assert body["state"] == "confirmed"
    db.session.expire_all()
    assert db.session.get(ChangeRequest, waiting.id).state == RequestState.SUPERSEDED
    assert db.session.get(Guest, body["id"]).language == Language.ZH_HANT
    # The guest sent a deputy: a second one is refused.
    again = client.post(path, json={**DEPUTY, "email": "second@example.org"}, headers=writer)
    assert again.status_code == 409
    unknown = client.post(
        f"/api/v1/events/{event.id}/guests/999999/deputy", json=DEPUTY, headers=writer
    )
    assert unknown.status_code == 404


def test_approving_an_accompanying_person_adds_them_and_changes_no_name(client, event, writer):
    event.companion_limits = "vip=1"
    db.session.commit()
    guest = make_guest(event, category=Category.VIP)
    answer(guest)
    details = companions.CompanionDetails(name_en="Aide Lin", role=CompanionRole.AIDE)
    made = unit_of_work.run(
        lambda: accompanying.propose(guest.id, guest.token_version, details, audit.GUEST)
    )
    listed = client.get(f"/api/v1/events/{event.id}/requests", headers=writer).get_json()
    (item,) = listed["items"]
    assert (item["kind"], item["companion_role"]) == ("companion", "aide")

    path = f"/api/v1/events/{event.id}/requests/{made.id}/approve"
    approved = client.post(path, json={}, headers=writer)
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["state"] == "approved"
    db.session.expire_all()
    (aide,) = db.session.scalars(sa.select(Guest).where(Guest.principal_id == guest.id))
    assert (aide.name_en, aide.companion_role) == ("Aide Lin", CompanionRole.AIDE)
    # The guest's own name is as it was: the request was not read as a correction.
    assert db.session.get(Guest, guest.id).name_en == guest.name_en
    # A second approval (a retry) adds nobody.
    assert client.post(path, json={}, headers=writer).status_code == 409
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Guest).where(Guest.principal_id == guest.id)
        )
        == 1
    )
