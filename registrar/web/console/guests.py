"""Console: the guest list (search, filters, pages, and every action on a guest), adding and
editing a guest, and answering for a guest. The actions to confirm are in guest_actions.py."""

from __future__ import annotations

from dataclasses import replace

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...errors import GuestErased
from ...forms import CapacityForm, GuestAnswerForm, GuestForm
from ...labels import CATEGORY_LABELS, CHANNEL_EXPORT, COMPANION_ROLE_LABELS
from ...models import Category, Event, Guest, SeatState
from ...services import audit, badges, companions, invitations, questions, rsvp, seats, travel
from ...services import guests as guest_list
from .. import question_fields
from ..auth import organizer_required
from ..use_case import perform
from .common import current_event, get_or_404, guest_list_back


@organizer_required
def guests(event_id: int):
    event = current_event(event_id)
    g.timezone = event.timezone
    criteria, ignored = guest_list.of_event(event, *guest_list.parse_criteria(request.args))
    page = guest_list.search(event, criteria)
    counts = seats.sessions.room_counts(event)
    columns = [question for question in questions.listed(event.id) if question.in_guest_list]
    return render_template(
        "console/guests.html",
        event=event,
        page=page,
        question_columns=columns,
        question_answers=(
            questions.answers_of_guests(row.guest.id for row in page.rows) if columns else {}
        ),
        shown_answer=questions.shown,
        companion_role_labels=COMPANION_ROLE_LABELS,
        may_bring=companions.may_bring,
        travel_offered_to=travel.offered_to,
        counts=counts,
        capacity_form=CapacityForm(capacity=event.capacity, held_seats=event.held_seats),
        # Every confirmed guest has a badge (a revoked guest's seat went with the invitation).
        badge_count=counts.confirmed,
        badge_pages=badges.sheet_pages(counts.confirmed),
        links={
            row.guest.id: invitations.invitation_url(row.guest)
            for row in page.rows
            if not row.guest.is_revoked
        },
        criteria=criteria,
        ignored=ignored,
        back=request.full_path.rstrip("?"),
        state_labels=guest_list.STATE_LABELS,
        sort_labels=guest_list.SORT_LABELS,
        category_labels=CATEGORY_LABELS,
        channel_labels=CHANNEL_EXPORT,
        categories=list(Category),
        channels=rsvp.offered_channels(event),
        sessions=seats.sessions.offered(event.id),
        can_import="console.import_upload" in current_app.view_functions,
    )


def _back(event_id: int) -> str:
    """Where to go after a guest's page: the list as it was (its `back` query), or the list."""
    return guest_list_back(event_id) or url_for(".guests", event_id=event_id)


def _page_context(guest: Guest) -> dict:
    # The times of the sessions the guest chose, on the event's clocks.
    g.timezone = guest.event.timezone
    return {
        "guest": guest,
        "event": guest.event,
        "back": _back(guest.event_id),
        "session_places": seats.sessions.places_of(guest),
    }


# -- adding and editing ----------------------------------------------------------------------


@organizer_required
def guest_new(event_id: int):
    event = current_event(event_id)
    form = GuestForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            actor = audit.staff_actor(current_user)
            added = perform(lambda: guest_list.add(event.id, form.to_details(), actor))
            if added.ok:
                email = added.result.email
                flash(_("%(email)s is on the guest list.", email=email), "success")
                return redirect(url_for(".guests", event_id=event.id, q=email))
        status = 400
    return _guest_form(event, None, form), status


@organizer_required
def guest_edit(guest_id: int):
    guest = get_or_404(Guest, guest_id)
    if guest_list.is_erased(guest):
        raise GuestErased()
    form = GuestForm(obj=_FormValues.of(guest))
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            actor = audit.staff_actor(current_user)
            updated = perform(lambda: guest_list.update(guest_id, form.to_details(), actor))
            if updated.ok:
                if updated.result:
                    flash(_("The guest's details are saved."), "success")
                    kept = seats.held_for_another_category(get_or_404(Guest, guest_id))
                    if kept is not None:
                        flash(
                            _(
                                "The guest's seat is still one of those held for %(category)s: "
                                "no seat held for their new category and no open seat is free. "
                                "Free a seat or change the held seats.",
                                category=CATEGORY_LABELS[kept],
                            ),
                            "error",
                        )
                else:
                    flash(_("Nothing was changed."), "info")
                return redirect(_back(guest.event_id))
        status = 400
        guest = get_or_404(Guest, guest_id)
    return _guest_form(guest.event, guest, form), status


def _guest_form(event: Event, guest: Guest | None, form: GuestForm):
    g.timezone = event.timezone
    return render_template(
        "console/guest_form.html",
        event=event,
        guest=guest,
        form=form,
        back=_back(event.id),
        question_answers=_question_answers(guest) if guest is not None else [],
        session_places=seats.sessions.places_of(guest) if guest is not None else [],
    )


def _question_answers(guest: Guest) -> list[tuple[object, str]]:
    """The questions asked of the guest, and any question they answered, with the answer as
    read (a choice's text, yes or no)."""
    stored = questions.answers_of(guest.id)
    return [
        (question, questions.shown(question, stored.get(question.id, "")))
        for question in questions.listed(guest.event_id)
        if questions.applies_to(question, guest) or question.id in stored
    ]


class _FormValues:
    """The guest's stored values as the form's starting values (enums as their codes)."""

    def __init__(self, **values):
        self.__dict__.update(values)

    @classmethod
    def of(cls, guest: Guest) -> _FormValues:
        return cls(
            name_en=guest.name_en,
            name_zh=guest.name_zh,
            email=guest.email,
            organization=guest.organization,
            title=guest.title,
            category=guest.category.value,
            language=guest.language.value,
            precedence="" if guest.precedence is None else str(guest.precedence),
            travel_offered=guest.travel_offered,
        )

    @classmethod
    def answer_of(cls, guest: Guest) -> _FormValues:
        answer = guest.rsvp
        return cls(
            attending=None if answer is None else ("yes" if answer.attending else "no"),
            channel=answer.channel.value if answer and answer.channel else None,
            dietary=answer.dietary if answer else "",
            access_needs=answer.access_needs if answer else "",
            note=answer.note if answer else "",
            # The sessions the guest chose (an event whose guests choose sessions).
            sessions=[str(session_id) for session_id in seats.sessions.chosen_ids(guest.id)],
        )


# -- answering for the guest -----------------------------------------------------------------


@organizer_required
def guest_answer(guest_id: int):
    guest = get_or_404(Guest, guest_id)
    if guest_list.is_erased(guest):
        raise GuestErased()
    event = guest.event
    form = GuestAnswerForm(event, obj=_FormValues.answer_of(guest))
    status = 200
    # The event's own questions: answered with the rest, as on the guest's form.
    posted = question_fields.posted() if request.method == "POST" else None
    refused: dict[int, str] = {}
    if request.method == "POST":
        if form.validate_on_submit():
            actor = audit.staff_actor(current_user)
            reply = replace(form.to_answer(), answers=posted)
            answered = perform(lambda: guest_list.answer_for(guest_id, reply, actor))
            if answered.ok:
                flash(_answer_saved(answered.result), "success")
                return redirect(_back(event.id))
            refused = question_fields.refusal(answered.error)
        status = 400
        guest = get_or_404(Guest, guest_id)
    return render_template(
        "console/guest_answer.html",
        **_page_context(guest),
        **question_fields.context(guest, posted, refused),
        form=form,
        state=rsvp.state_of(guest),
        is_open=rsvp.is_open(guest.event),
        state_labels=guest_list.STATE_LABELS,
        guest_state=guest_list.state_of(guest),
    ), status


def _answer_saved(state: rsvp.RsvpState) -> str:
    if not state.attending:
        return _("Answer saved: not attending. The guest is told by e-mail.")
    if state.seat == SeatState.CONFIRMED:
        return _("Answer saved: the seat is confirmed. The guest is told by e-mail.")
    return _(
        "Answer saved: no seat is free, so the guest is number %(n)s on the waitlist. The guest "
        "is told by e-mail.",
        n=state.waitlist_position,
    )
