"""Organizer console: the event's seats, its capacity, and the guest list with links."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, flash, redirect, render_template, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ..errors import DomainError, NotFound
from ..extensions import db
from ..forms import CHANNEL_SHORT, CapacityForm, GuestActionForm, GuestSelectionForm, ReminderForm
from ..models import Event, Guest, OutboxMessage, utcnow
from ..services import audit, badges, invitations, mail, rsvp, seats
from .auth import organizer_required

bp = Blueprint("console", __name__, url_prefix="/console")


def _event(event_id: int | None = None) -> Event:
    query = sa.select(Event).order_by(Event.id).limit(1)
    if event_id is not None:
        query = sa.select(Event).where(Event.id == event_id)
    event = db.session.scalar(query)
    if event is None:
        raise NotFound(_("There is no event yet. Run `flask --app registrar demo` or create one."))
    return event


@bp.get("/")
@organizer_required
def index():
    return redirect(url_for(".event", event_id=_event().id))


@bp.get("/events/<int:event_id>")
@organizer_required
def event(event_id: int):
    event = _event(event_id)
    guests = db.session.scalars(
        sa.select(Guest)
        .where(Guest.event_id == event.id)
        .options(selectinload(Guest.rsvp), selectinload(Guest.seat))
        .order_by(Guest.id)
    ).all()
    waitlist = seats.waitlist(event)
    positions = {seat.guest_id: n for n, seat in enumerate(waitlist, start=1)}
    return render_template(
        "console/event.html",
        event=event,
        counts=seats.seat_counts(event),
        guests=guests,
        positions=positions,
        capacity_form=CapacityForm(capacity=event.capacity, held_seats=event.held_seats),
        action_form=GuestActionForm(),
        links={g.id: invitations.invitation_url(g) for g in guests if not g.is_revoked},
        channel_short=CHANNEL_SHORT,
        is_open=rsvp.is_open(event),
        with_badge={g.id for g in guests if badges.has_badge(g)},
    )


@bp.post("/events/<int:event_id>/capacity")
@organizer_required
def capacity(event_id: int):
    form = CapacityForm()
    if form.validate_on_submit():
        try:
            promoted = seats.set_capacity(
                event_id,
                form.capacity.data,
                form.held_seats.data,
                actor=audit.staff_actor(current_user),
            )
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(
                _(
                    "Capacity saved. %(n)s guests moved from the waitlist to a seat.",
                    n=len(promoted),
                ),
                "success",
            )
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
    return redirect(url_for(".event", event_id=event_id, _anchor="seats"))


GUEST_ACTIONS = {
    "revoke": (invitations.revoke, _l("Invitation revoked; its link no longer works.")),
    "reinstate": (invitations.reinstate, _l("Invitation reinstated with a new link.")),
    "rotate": (invitations.rotate, _l("New link issued; earlier links no longer work.")),
    "reissue-badge": (
        badges.reissue,
        _l("New badge issued; the earlier one no longer works at the door."),
    ),
}


@bp.post('/guests/<int:guest_id>/<any(revoke, reinstate, rotate, "reissue-badge"):action>')
@organizer_required
def guest_action(guest_id: int, action: str):
    form = GuestActionForm()
    guest = db.session.get(Guest, guest_id)
    if guest is None:
        raise NotFound()
    event_id = guest.event_id
    if form.validate_on_submit():
        operation, message = GUEST_ACTIONS[action]
        try:
            operation(guest_id, actor=audit.staff_actor(current_user))
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(str(message), "success")
    return redirect(url_for(".event", event_id=event_id, _anchor=f"guest-{guest_id}"))


# -- badges ------------------------------------------------------------------------------------


@bp.get("/events/<int:event_id>/badges.pdf")
@organizer_required
def badge_sheet(event_id: int):
    """Every confirmed guest's badge, four to an A4 page, to print and cut."""
    event = _event(event_id)
    try:
        pdf = badges.badge_sheet_pdf(badges.guests_with_badges(event))
    except DomainError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".event", event_id=event.id, _anchor="guests-title"))
    return _pdf_download(pdf, badges.filename(event))


@bp.get("/guests/<int:guest_id>/badge.pdf")
@organizer_required
def guest_badge(guest_id: int):
    guest = db.session.get(Guest, guest_id)
    if guest is None:
        raise NotFound()
    return _pdf_download(badges.badge_pdf(guest), badges.filename(guest.event, guest))


def _pdf_download(pdf: bytes, filename: str) -> Response:
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            # A badge is a key to the room: no copies in caches along the way.
            "Cache-Control": "no-store",
        },
    )


# -- e-mail: sending, reminders, each guest's messages ----------------------------------------
# The views only queue messages; the mail sender (`flask --app registrar mail send`) delivers.


def _mail_page(event: Event, invite_form=None, unanswered_form=None, confirmed_form=None):
    zone = ZoneInfo(event.timezone)
    if confirmed_form is None:
        confirmed_form = ReminderForm(
            prefix="confirmed", send_at=mail.day_before(event).replace(tzinfo=None)
        )
    return render_template(
        "console/mail.html",
        event=event,
        counts=mail.status_counts(event),
        uninvited=mail.uninvited_guests(event),
        unanswered=mail.unanswered_guests(event),
        confirmed=mail.confirmed_guests(event),
        recent=mail.recent_messages(event),
        invite_form=invite_form or GuestSelectionForm(prefix="invite"),
        unanswered_form=unanswered_form or ReminderForm(prefix="unanswered"),
        confirmed_form=confirmed_form,
        backend=current_app.config["REGISTRAR_MAIL_BACKEND"],
        outbox_dir=mail.outbox_directory(),
        kind_labels=mail.KIND_LABELS,
        status_labels=mail.STATUS_LABELS,
        reasons=mail.REASONS,
        day_before=mail.day_before(event).astimezone(zone),
        is_open=rsvp.is_open(event),
    )


@bp.get("/events/<int:event_id>/mail")
@organizer_required
def mail_page(event_id: int):
    return _mail_page(_event(event_id))


def _send_at(form: ReminderForm, event: Event) -> datetime | None:
    """The organizer's local time as an aware moment; a moment already past means now."""
    local = form.send_at.data
    if local is None:
        return None
    moment = local.replace(tzinfo=ZoneInfo(event.timezone))
    return moment if moment > utcnow() else None


def _queued_message(count: int, send_at: datetime | None) -> str:
    if send_at is None:
        return _(
            "%(n)s messages queued. They go out with the next run of the mail sender.", n=count
        )
    return _("%(n)s messages queued for %(when)s.", n=count, when=format_datetime(send_at, "short"))


def _run_mail_action(event: Event, work, form, rerender):
    if not form.validate_on_submit():
        return rerender(form), 400
    try:
        queued, send_at = work()
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return rerender(form), exc.status
    if queued:
        flash(_queued_message(len(queued), send_at), "success")
    else:
        flash(_("Nobody to send it to: every guest listed has it already or is waiting for it."))
    return redirect(url_for(".mail_page", event_id=event.id))


@bp.post("/events/<int:event_id>/mail/invitations")
@organizer_required
def mail_invitations(event_id: int):
    event = _event(event_id)
    form = GuestSelectionForm(prefix="invite")
    actor = audit.staff_actor(current_user)
    return _run_mail_action(
        event,
        lambda: (mail.send_invitations(event, actor, form.chosen()), None),
        form,
        lambda f: _mail_page(event, invite_form=f),
    )


@bp.post("/events/<int:event_id>/mail/reminders/unanswered")
@organizer_required
def mail_remind_unanswered(event_id: int):
    event = _event(event_id)
    form = ReminderForm(prefix="unanswered")
    actor = audit.staff_actor(current_user)

    def work():
        send_at = _send_at(form, event)
        return mail.remind_unanswered(event, actor, form.chosen(), send_at), send_at

    return _run_mail_action(event, work, form, lambda f: _mail_page(event, unanswered_form=f))


@bp.post("/events/<int:event_id>/mail/reminders/confirmed")
@organizer_required
def mail_remind_confirmed(event_id: int):
    event = _event(event_id)
    form = ReminderForm(prefix="confirmed")
    actor = audit.staff_actor(current_user)

    def work():
        send_at = _send_at(form, event)
        return mail.remind_confirmed(event, actor, send_at), send_at

    return _run_mail_action(event, work, form, lambda f: _mail_page(event, confirmed_form=f))


@bp.get("/guests/<int:guest_id>/messages")
@organizer_required
def guest_messages(guest_id: int):
    guest = db.session.get(Guest, guest_id)
    if guest is None:
        raise NotFound()
    messages = mail.messages_of(guest)
    return render_template(
        "console/guest_messages.html",
        guest=guest,
        event=guest.event,
        state=rsvp.state_of(guest),
        messages=messages,
        resendable={m.id for m in messages if mail.can_resend(m)},
        kind_labels=mail.KIND_LABELS,
        status_labels=mail.STATUS_LABELS,
        reasons=mail.REASONS,
        action_form=GuestActionForm(),
    )


@bp.post("/guests/<int:guest_id>/messages/invitation")
@organizer_required
def guest_send_invitation(guest_id: int):
    guest = db.session.get(Guest, guest_id)
    if guest is None:
        raise NotFound()
    if GuestActionForm().validate_on_submit():
        try:
            queued = mail.send_invitations(guest.event, audit.staff_actor(current_user), [guest.id])
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            if queued:
                flash(_("Invitation queued."), "success")
            else:
                flash(_("No invitation queued: the guest is revoked or one is waiting to go out."))
    return redirect(url_for(".guest_messages", guest_id=guest_id))


@bp.post("/messages/<int:message_id>/resend")
@organizer_required
def resend_message(message_id: int):
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound()
    guest_id = message.guest_id
    if GuestActionForm().validate_on_submit():
        try:
            mail.resend(message_id, audit.staff_actor(current_user))
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(_("Queued again. It goes out with the next run of the mail sender."), "success")
    return redirect(url_for(".guest_messages", guest_id=guest_id))
