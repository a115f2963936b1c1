"""Guest pages: the forum's programme and the personal invitation with its RSVP form."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from ..extensions import db
from ..forms import CompanionForm, DeputyForm, PassportForm, RsvpForm, WithdrawLetterForm
from ..labels import CHANNEL_LABELS, COMPANION_ROLE_LABELS
from ..models import AgendaItem, ChangeRequest, Event, EventState, Guest, RequestKind
from ..services import (
    audit,
    badges,
    calendar,
    companions,
    invitations,
    notices,
    requests,
    rsvp,
    seats,
    travel,
)
from ..services.requests import accompanying, deputies
from ..services.travel import details as travel_details
from ..services.travel import letters, offered_to, passports
from ..text import one_line
from . import limits, question_fields
from .use_case import perform, reads_first

bp = Blueprint("public", __name__)
# A form of something asked through the link (ask_through_link).
Form = TypeVar("Form", bound=FlaskForm)


@bp.get("/")
def index():
    # A draft is no one's business yet, and an archived event is over.
    shown = (EventState.OPEN, EventState.CLOSED)
    event = db.session.scalar(
        sa.select(Event).where(Event.state.in_(shown)).order_by(Event.id).limit(1)
    )
    if event is not None:
        g.timezone = event.timezone
    return render_template("public/index.html", event=event)


@bp.get("/healthz")
def healthz():
    """For load balancers and monitoring: the app answers and its database does."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return {"status": "unavailable"}, 503
    return {"status": "ok"}


@bp.route("/i/<token>", methods=["GET", "POST"])
@limits.token_pages
@reads_first
def invitation(token: str):
    guest, facts = invitations.resolve_invitation_with(token, _FORM_FACTS)
    event = guest.event
    g.guest_language = guest.language.value
    g.timezone = event.timezone
    is_open = rsvp.is_open(event)

    form = _rsvp_form(guest, facts)
    status = 200
    posted = question_fields.posted() if request.method == "POST" else None
    question_error: dict[int, str] = {}
    if request.method == "POST":
        if not is_open:
            refusal = rsvp.why_closed(event)
            flash(str(refusal), "error")
            status = refusal.status
        elif form.validate_on_submit():
            # Taken now: the use case reads the guest again under the lock, and compares its
            # version then with this link's.
            guest_id, link_version = guest.id, guest.token_version
            reply = dataclasses.replace(form.to_answer(), answers=posted)
            answered = perform(
                lambda: rsvp.answer(guest_id, link_version, reply, audit.GUEST),
                _("Thank you, your answer is saved."),
                # A link revoked or rotated meanwhile: the dead link's page, not this one.
                error_pages=(404, 410),
            )
            if answered.ok:
                return redirect(url_for(".invitation", token=token, _anchor="status"))
            status = answered.error.status
            question_error = question_fields.refusal(answered.error)
        else:
            status = 400

    return _invitation_page(
        guest,
        token,
        form,
        DeputyForm(prefix="deputy"),
        status,
        question_values=posted,
        question_error=question_error,
    )


@bp.post("/i/<token>/deputy")
@limits.token_pages
@reads_first
def propose_deputy(token: str):
    """The guest who cannot come proposes a deputy, for the organizers to approve."""
    return ask_through_link(
        token,
        lambda: DeputyForm(prefix="deputy"),
        lambda form, guest_id, version: deputies.propose(
            guest_id, version, form.to_details(), audit.GUEST
        ),
        _l("Thank you. The organizers will look at your deputy and let you both know."),
        anchor="deputy",
    )


@bp.post("/i/<token>/companion")
@limits.token_pages
@reads_first
def name_companion(token: str):
    """The attending guest names an accompanying person, for the organizers to approve."""
    return ask_through_link(
        token,
        lambda: CompanionForm(prefix="companion"),
        lambda form, guest_id, version: accompanying.propose(
            guest_id, version, form.to_details(), audit.GUEST
        ),
        _l("Thank you. The organizers will confirm your accompanying person."),
        anchor="companions",
    )


def ask_through_link(
    token: str,
    make_form: Callable[[], Form],
    act: Callable[[Form, int, int], object],
    thanks: LazyString,
    *,
    anchor: str,
):
    """Something the guest asks through their link besides the answer (a deputy or an
    accompanying person for the organizers to approve, a visa letter): `act(form, guest id,
    link version)` in one transaction, checked there against the link's version; or the page
    again, the form with the refusal next to its fields. The form is made, and `thanks` said,
    once the guest's language is known, so that they speak it."""
    guest, facts = invitations.resolve_invitation_with(token, _FORM_FACTS)
    g.guest_language = guest.language.value
    g.timezone = guest.event.timezone
    asked = make_form()
    status = 400
    if asked.validate_on_submit():
        guest_id, link_version = guest.id, guest.token_version
        done = perform(
            lambda: act(asked, guest_id, link_version), str(thanks), error_pages=(404, 410)
        )
        if done.ok:
            return redirect(url_for("public.invitation", token=token, _anchor=anchor))
        status = done.error.status
    form = _rsvp_form(guest, facts, formdata=None)
    return _invitation_page(
        guest,
        token,
        form,
        asked if isinstance(asked, DeputyForm) else DeputyForm(prefix="deputy"),
        status,
        companion_form=asked if isinstance(asked, CompanionForm) else None,
        passport_form=asked if isinstance(asked, PassportForm) else None,
    )


def _invitation_page(
    guest,
    token: str,
    form: RsvpForm,
    deputy_form: DeputyForm,
    status: int,
    companion_form: CompanionForm | None = None,
    passport_form: PassportForm | None = None,
    *,
    question_values: dict[int, tuple[str, ...]] | None = None,
    question_error: dict[int, str] | None = None,
):
    event = guest.event
    places = seats.sessions.places_of(guest) if guest.seat is not None else []
    return (
        render_template(
            "public/invitation.html",
            guest=guest,
            event=event,
            form=form,
            **question_fields.context(guest, question_values, question_error),
            deputy_form=deputy_form,
            companion_form=companion_form or CompanionForm(prefix="companion", formdata=None),
            may_name_companions=accompanying.may_name(event, guest),
            companion_limit=companions.limit_for(event, guest),
            companions_named=companions.companions_of(guest.id, active_only=True),
            companion_requests=accompanying.requested_by(guest),
            role_labels=COMPANION_ROLE_LABELS,
            may_send_deputy=deputies.may_send_deputy(event, guest),
            pending_deputy=requests.pending_of(guest, RequestKind.DEPUTY),
            pending_names=requests.pending_of(guest, RequestKind.NAME_CHANGE),
            state=rsvp.state_of(guest),
            session_places=places,
            arrive_by=seats.sessions.arrive_by(event, places),
            is_open=rsvp.is_open(event),
            channel_labels=CHANNEL_LABELS,
            token=token,
            google_calendar_url=calendar.google_calendar_url(event, guest),
            has_badge=badges.has_badge(guest),
            changed=[
                (record, notices.describe(event, record.changes))
                for record in notices.changes_seen_by(guest)
                if not record.cancelled
            ],
            cancellation=(
                notices.cancellation_of(event) if event.state == EventState.CANCELLED else None
            ),
            reason_of=notices.reason_of,
            travel_offered=travel.offered_to(guest),
            travel_given=travel_details.travel_of(guest.id) is not None,
            visa_letter=_visa_letter(guest, passport_form),
        ),
        status,
    )


@bp.get("/i/<token>/calendar.ics")
@limits.token_pages
def calendar_entry(token: str):
    """The confirmed guest's calendar entry; its UID stays, so a newer download replaces it.
    For a cancelled event it is the cancellation, which removes the entry."""
    guest = invitations.resolve_invitation(token)
    g.guest_language = guest.language.value
    g.timezone = guest.event.timezone
    cancelled = guest.event.state == EventState.CANCELLED and guest.seat is not None
    ics = calendar.guest_calendar(guest, cancelled=cancelled)
    method = calendar.CANCEL if cancelled else calendar.PUBLISH
    return Response(
        ics,
        # As content_type, not a header: with a mimetype given, Flask writes its own over it.
        content_type=f"text/calendar; charset=utf-8; method={method}",
        headers={
            "Content-Disposition": f'attachment; filename="{calendar.filename(guest.event)}"',
        },
    )


@bp.get("/i/<token>/badge.png")
@limits.token_pages
def badge_qr(token: str):
    """The QR code of the confirmed guest's badge, as the invitation page shows it."""
    guest = _badge_holder(token)
    png = badges.qr_png(badges.badge_code_for(guest), box_size=12)
    return Response(png, mimetype="image/png")


@bp.get("/i/<token>/badge.pdf")
@limits.token_pages
def badge_pdf(token: str):
    """The confirmed guest's badge to print."""
    guest = _badge_holder(token)
    return Response(
        badges.badge_pdf(guest),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{badges.filename(guest.event, guest)}"',
        },
    )


def _badge_holder(token: str):
    guest = invitations.resolve_invitation(token)
    # An error page (no badge, or a dead link) speaks the guest's language.
    g.guest_language = guest.language.value
    g.timezone = guest.event.timezone
    badges.require_badge(guest)
    return guest


def _visa_letter(guest, passport_form: PassportForm | None) -> dict[str, Any] | None:
    """The guest's request for a visa invitation letter, when travel is offered to them: the
    passport details given (as the form's starting values), whether a letter was issued."""
    if not offered_to(guest):
        return None
    passport = passports.passport_of(guest)
    if passport_form is None:
        passport_form = PassportForm(prefix="passport", obj=passport, formdata=None)
    return {
        "asked": passport is not None,
        "form": passport_form,
        "withdraw_form": WithdrawLetterForm(prefix="withdraw", formdata=None),
        "issued": letters.current_letter(guest) is not None,
        "retention_days": passports.retention_days(),
    }


class _FormDefaults:
    """The guest's current answer and names, as the form's starting values."""

    def __init__(self, **values):
        self.__dict__.update(values)


# Read with the guest by the link's pages (invitations.resolve_invitation_with): whether its
# event's guests choose sessions, and whether it asked for a name correction not yet decided.
# The answer form reads the sessions and the correction only when there are some.
_FORM_FACTS = (
    seats.chooses_sessions(Guest.event_id),
    requests.is_pending(Guest.id, RequestKind.NAME_CHANGE),
)


def _rsvp_form(guest, facts: Sequence[bool], **kwargs) -> RsvpForm:
    """The answer form, the guest's current answer and names its starting values; `facts`:
    the values of _FORM_FACTS read with the guest."""
    chooses_sessions, asked_for_correction = facts
    offered = seats.sessions.offered(guest.event_id) if chooses_sessions else []
    asked = requests.pending_of(guest, RequestKind.NAME_CHANGE) if asked_for_correction else None
    defaults = _form_defaults(guest, offered, asked)
    return RsvpForm(guest.event, obj=defaults, offered=offered, **kwargs)


def _form_defaults(guest, offered: list[AgendaItem], asked: ChangeRequest | None) -> _FormDefaults:
    answer = guest.rsvp
    attending = None if answer is None else ("yes" if answer.attending else "no")
    return _FormDefaults(
        attending=attending,
        channel=answer.channel.value if answer and answer.channel else None,
        dietary=answer.dietary if answer else "",
        access_needs=answer.access_needs if answer else "",
        note=answer.note if answer else "",
        # Shown as one line: a line break stored before such input was refused would otherwise
        # come back with the form and be refused, and the guest could not answer at all.
        # A correction awaiting approval shows as asked, so that answering again keeps it.
        name_en=one_line((asked and asked.name_en) or guest.name_en),
        name_zh=one_line((asked and asked.name_zh) or guest.name_zh),
        organization=one_line((asked and asked.organization) or guest.organization),
        # The sessions chosen; none ticked before the first answer, for the guest to choose.
        # (An event whose guests choose no sessions has none to read.)
        sessions=[str(n) for n in seats.sessions.chosen_ids(guest.id)] if offered else [],
    )
