"""The RSVP service: the answer, its channel, name corrections, and what is refused."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from support.factories import make_event, make_guest

from registrar.errors import DeadlinePassed, InvalidAnswer, InvitationInactive, NotFound
from registrar.extensions import db
from registrar.models import AuditEntry, Channel, Guest, RequestKind, Rsvp, Seat, SeatState
from registrar.services import audit, invitations, requests, rsvp
from registrar.services.requests import name_changes
from registrar.services.rsvp import MAX_LENGTHS, RsvpAnswer


def answer(guest: Guest, version: int | None = None, **fields):
    fields.setdefault("attending", True)
    if fields["attending"]:
        fields.setdefault("channel", Channel.EN)
    state = rsvp.answer(
        guest.id,
        guest.token_version if version is None else version,
        RsvpAnswer(**fields),
        actor=audit.GUEST,
    )
    db.session.commit()
    return state


def fresh(guest: Guest) -> Guest:
    db.session.expire_all()
    return db.session.get(Guest, guest.id)


def actions(guest: Guest, action: str | None = None) -> list[AuditEntry]:
    query = sa.select(AuditEntry).where(AuditEntry.guest_id == guest.id)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(db.session.scalars(query.order_by(AuditEntry.id)))


def snapshot(guest: Guest) -> tuple:
    """Everything an answer could change, read from the database."""
    db.session.expire_all()
    g = db.session.get(Guest, guest.id)
    r = g.rsvp
    return (
        (g.name_en, g.name_zh, g.organization),
        None if r is None else (r.attending, r.channel, r.dietary, r.access_needs, r.note),
        None if g.seat is None else (g.seat.state, g.seat.queue_number),
        db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)),
        db.session.scalar(sa.select(sa.func.count()).select_from(Rsvp)),
        db.session.scalar(sa.select(sa.func.count()).select_from(Seat)),
    )


def refused(guest: Guest, error: type[Exception], version: int | None = None, **fields):
    """Answer, expect `error`, roll back as a view would, and prove nothing changed."""
    before = snapshot(guest)
    with pytest.raises(error):
        answer(guest, version, **fields)
    db.session.rollback()
    assert snapshot(guest) == before


def test_yes_stores_the_answer_and_confirms(app):
    event = make_event()
    guest = make_guest(event)
    state = answer(guest, channel=Channel.ZH, dietary=" vegetarian ", access_needs="ramp")
    assert state == rsvp.RsvpState(
        answered=True, attending=True, seat=SeatState.CONFIRMED, waitlist_position=None
    )
    g = fresh(guest)
    assert (g.rsvp.attending, g.rsvp.channel) == (True, Channel.ZH)
    assert (g.rsvp.dietary, g.rsvp.access_needs) == ("vegetarian", "ramp")
    assert g.seat.state == SeatState.CONFIRMED
    [entry] = actions(g, "rsvp.answered")
    assert entry.actor == "guest"
    assert entry.details["attending"] is True
    assert entry.details["channel"] == "zh"


def test_no_stores_the_answer_without_a_seat(app):
    event = make_event()
    guest = make_guest(event)
    state = answer(guest, attending=False, note="Abroad that week")
    assert (state.answered, state.attending, state.seat) == (True, False, None)
    g = fresh(guest)
    assert g.rsvp.attending is False and g.rsvp.note == "Abroad that week"
    assert g.seat is None


def test_state_before_any_answer(app):
    guest = make_guest(make_event())
    assert rsvp.state_of(guest) == rsvp.RsvpState(
        answered=False, attending=False, seat=None, waitlist_position=None
    )


@pytest.mark.parametrize("channel", [Channel.EN, Channel.ZH, Channel.FLOOR])
def test_every_offered_channel_and_the_floor_are_accepted(app, channel):
    guest = make_guest(make_event(channels="en zh"))
    answer(guest, channel=channel)
    assert fresh(guest).rsvp.channel == channel


def test_a_channel_the_event_does_not_offer_is_refused(app):
    guest = make_guest(make_event(channels="en"))
    assert rsvp.offered_channels(guest.event) == [Channel.EN, Channel.FLOOR]
    refused(guest, InvalidAnswer, channel=Channel.ZH)
    answer(guest, channel=Channel.FLOOR)
    assert fresh(guest).rsvp.channel == Channel.FLOOR


def test_attending_without_a_channel_is_refused(app):
    guest = make_guest(make_event())
    refused(guest, InvalidAnswer, channel=None)


def test_the_channel_is_cleared_when_not_attending(app):
    guest = make_guest(make_event())
    answer(guest, channel=Channel.ZH)
    answer(guest, attending=False, channel=Channel.ZH)
    g = fresh(guest)
    assert g.rsvp.attending is False
    assert g.rsvp.channel is None
    assert g.seat is None
    assert actions(g, "rsvp.answered")[-1].details["channel"] is None


def test_name_corrections_wait_for_approval_and_then_apply(app):
    guest = make_guest(
        make_event(), name_en="Lai Ching Ming", name_zh="賴清明", organization="Kaohsiung"
    )
    answer(
        guest,
        name_en=" Lai Ching-Ming ",
        name_zh="賴慶明",
        organization="City of Kaohsiung",
    )
    g = fresh(guest)
    # Until an organizer approves, the badge and the lists keep the old spelling.
    assert (g.name_en, g.name_zh, g.organization) == ("Lai Ching Ming", "賴清明", "Kaohsiung")
    [entry] = actions(g, "request.name_change")
    assert entry.actor == "guest"
    assert entry.details["name_en"] == ["Lai Ching Ming", "Lai Ching-Ming"]
    request = requests.pending_of(g, RequestKind.NAME_CHANGE)
    assert request.previous["organization"] == "Kaohsiung"

    # A second answer with another spelling brings the same request up to date.
    answer(guest, name_en="Lai Ching-ming")
    request = requests.pending_of(fresh(guest), RequestKind.NAME_CHANGE)
    assert (request.name_en, request.version) == ("Lai Ching-ming", 2)

    name_changes.approve(request.id, 2, audit.SYSTEM)
    db.session.commit()
    g = fresh(guest)
    assert g.name_en == "Lai Ching-ming"
    # A stale page's second approval writes nothing.
    with pytest.raises(requests.RequestChanged):
        name_changes.approve(request.id, 2, audit.SYSTEM)
    db.session.rollback()


def test_small_corrections_apply_at_once_where_allowed_until_badges_are_printed(app):
    event = make_event(small_corrections=True)
    guest = make_guest(event, name_en="Ann Lee", name_zh="李安", organization="ICLEI")
    answer(guest, name_en="Ann  lee", name_zh="王小明")  # small; and a big change beside it
    assert fresh(guest).name_en == "Ann Lee"
    assert requests.pending_of(fresh(guest), RequestKind.NAME_CHANGE).name_zh == "王小明"
    answer(guest, name_en="ann lee.")
    assert fresh(guest).name_en == "ann lee."
    [entry] = actions(guest, "guest.corrected")
    assert entry.details == {"name_en": ["Ann Lee", "ann lee."]}

    name_changes.note_badges_printed(event.id, audit.SYSTEM)
    db.session.commit()
    answer(guest, name_en="Ann Lee")
    assert fresh(guest).name_en == "ann lee."
    assert requests.pending_of(fresh(guest), RequestKind.NAME_CHANGE).name_en == "Ann Lee"


@pytest.mark.parametrize(
    ("old", "new", "small"),
    [
        ("Lai Ching Ming", "Lai Ching-Ming", True),
        ("賴清明", "賴慶明", True),
        ("Ann Lee", "Anne Lee", True),
        ("Ann Lee", "Anna Leigh", False),
        ("", "李安", False),
    ],
)
def test_what_counts_as_a_small_correction(old, new, small):
    assert name_changes.is_small(old, new) is small


def test_empty_or_blank_name_fields_leave_the_names_unchanged(app):
    guest = make_guest(make_event(), name_en="Ann Lee", name_zh="李安", organization="ICLEI")
    answer(guest, name_en="", name_zh="   ", organization="")
    g = fresh(guest)
    assert (g.name_en, g.name_zh, g.organization) == ("Ann Lee", "李安", "ICLEI")
    assert actions(g, "guest.corrected") == []
    assert actions(g, "request.name_change") == []


@pytest.mark.parametrize("field", sorted(MAX_LENGTHS))
def test_over_long_fields_are_refused_and_nothing_is_saved(app, field):
    guest = make_guest(make_event())
    limit = MAX_LENGTHS[field]
    # A correction in another field rides along and must not be saved either.
    other = "name_zh" if field != "name_zh" else "name_en"
    refused(guest, InvalidAnswer, **{field: "x" * (limit + 1), other: "改過的名字"})
    # Exactly at the limit is fine.
    answer(guest, **{field: "x" * limit})
    g = fresh(guest)
    names = ("name_en", "name_zh", "organization")
    holder = requests.pending_of(g, RequestKind.NAME_CHANGE) if field in names else g.rsvp
    assert getattr(holder, field) == "x" * limit


def test_over_long_field_refused_after_an_earlier_answer_leaves_that_answer(app):
    guest = make_guest(make_event())
    answer(guest, channel=Channel.ZH, note="first")
    refused(guest, InvalidAnswer, attending=False, note="n" * 1001)
    g = fresh(guest)
    assert (g.rsvp.attending, g.rsvp.note, g.seat.state) == (True, "first", SeatState.CONFIRMED)


def test_answer_after_the_deadline_raises_and_saves_nothing(app):
    guest = make_guest(make_event(deadline_in_days=-1))
    assert not rsvp.is_open(guest.event)
    refused(guest, DeadlinePassed, name_en="Too Late")
    refused(guest, DeadlinePassed, attending=False)


def test_a_change_after_the_deadline_keeps_the_seat(app):
    event = make_event()
    guest = make_guest(event)
    answer(guest)
    event.rsvp_deadline = event.rsvp_deadline.replace(year=event.rsvp_deadline.year - 1)
    db.session.commit()
    refused(guest, DeadlinePassed, attending=False)
    assert fresh(guest).seat.state == SeatState.CONFIRMED


def test_answer_with_the_version_of_a_rotated_link_is_refused(app):
    guest = make_guest(make_event())
    old_version = guest.token_version
    invitations.rotate(guest.id, actor=audit.SYSTEM)
    db.session.commit()
    refused(guest, InvitationInactive, version=old_version)
    answer(guest)  # the current version works
    assert fresh(guest).seat.state == SeatState.CONFIRMED


def test_a_revoked_guest_cannot_answer(app):
    guest = make_guest(make_event())
    invitations.revoke(guest.id, actor=audit.SYSTEM)
    db.session.commit()
    guest = fresh(guest)
    # Neither with the version the link had, nor with the current one.
    refused(guest, InvitationInactive, version=guest.token_version - 1)
    refused(guest, InvitationInactive)


def test_an_unknown_guest_is_not_found(app):
    make_event()
    with pytest.raises(NotFound):
        rsvp.answer(999999, 1, RsvpAnswer(attending=False), actor=audit.GUEST)


def test_an_identical_repeat_writes_no_new_audit_entry(app):
    guest = make_guest(make_event())
    answer(guest, channel=Channel.ZH, dietary="vegan")
    before = len(actions(guest))
    answer(guest, channel=Channel.ZH, dietary="vegan")
    answer(guest, channel=Channel.ZH, dietary=" vegan ")  # the same once stripped
    assert len(actions(guest)) == before
    assert len(actions(guest, "rsvp.answered")) == 1

    # A real change is audited, with what changed.
    answer(guest, channel=Channel.EN, dietary="vegan")
    latest = actions(guest, "rsvp.answered")
    assert len(latest) == 2
    assert latest[-1].details["changed"] == ["channel"]


def test_a_repeated_no_writes_nothing_new(app):
    guest = make_guest(make_event())
    answer(guest, attending=False)
    before = snapshot(guest)
    answer(guest, attending=False)
    assert snapshot(guest) == before
