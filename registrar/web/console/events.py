"""Console: every event, creating and editing one, copying it, opening, closing, archiving."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import unit_of_work
from ...errors import DomainError
from ...extensions import db
from ...labels import EVENT_STATE_LABELS
from ...mail import previews
from ...models import DoorLink, Event, EventState, Guest, OutboxMessage, Role
from ...services import audit, events, team
from ...services.event_details import local
from ...services.staff import SignedIn
from ..auth import organizer_required
from ..use_case import perform
from .common import get_or_404
from .event_form import (
    FORM_FIELD,
    TIME_FIELDS,
    EventCopyForm,
    EventForm,
    EventStateForm,
    form_values,
)

# -- every event -------------------------------------------------------------------------------


@organizer_required
def index():
    """The account's one event's dashboard, as before there were several; else the list of
    its events."""
    query = sa.select(Event.id).where(Event.state != EventState.ARCHIVED).limit(2)
    allowed = team.event_ids(current_user, Role.ORGANIZER)
    if allowed is not None:
        query = query.where(Event.id.in_(allowed))
    ids = db.session.scalars(query).all()
    if len(ids) == 1:
        return redirect(url_for(".dashboard", event_id=ids[0]))
    return redirect(url_for(".events"))


@organizer_required
def events_page():
    return render_template(
        "console/events.html",
        rows=events.listing(team.event_ids(current_user, Role.ORGANIZER)),
        state_labels=EVENT_STATE_LABELS,
        local=local,
    )


# -- creating and editing --------------------------------------------------------------------


@organizer_required
def event_new():
    form = EventForm()
    if request.method == "GET":
        form.channels.data = ["en", "zh"]
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            actor = audit.staff_actor(current_user)
            created = _run(
                form,
                lambda: events.create(
                    form.to_details(), actor, organizer_id=_creator(current_user)
                ),
            )
            if created is not None:
                flash(
                    _("The event is saved as a draft. Open it for replies when it is ready."),
                    "success",
                )
                return redirect(url_for(".event_edit", event_id=created.id))
        status = 400
    return render_template("console/event_form.html", form=form, event=None), status


@organizer_required
def event_edit(event_id: int):
    event = get_or_404(Event, event_id)
    g.timezone = event.timezone
    form = EventForm(obj=form_values(event))
    if request.method == "GET":
        return _edit_page(event, form)
    if not form.validate_on_submit():
        return _edit_page(event, form, 400)
    version = form.edit_version()
    if version is None:
        flash(_("This form is out of date; please reload the page."), "error")
        return _edit_page(event, form, 400)
    actor = audit.staff_actor(current_user)
    confirmed = form.confirm.data == "1"
    try:
        changes = unit_of_work.run(
            lambda: events.update(
                event_id,
                form.to_details(),
                version,
                actor,
                notice_confirmed=confirmed,
                move_programme=bool(form.move_programme.data),
            )
        )
    except events.EventInvalid as exc:
        form.show_errors(exc.errors)
        flash(str(exc), "error")
        return _edit_page(get_or_404(Event, event_id), form, exc.status)
    except events.EventChanged as exc:
        return _changed_meanwhile(event_id, form, exc)
    except events.NoticeNotConfirmed as exc:
        return _who_is_told(get_or_404(Event, event_id), form, exc)
    except DomainError as exc:
        flash(str(exc), "error")
        return _edit_page(get_or_404(Event, event_id), form, exc.status)
    if changes:
        flash(_("The event is saved."), "success")
    else:
        flash(_("Nothing was changed."), "info")
    return redirect(url_for(".event_edit", event_id=event_id))


def _run(form: EventForm, work):
    """The use case's result; None when it was refused, its errors put on the form."""
    try:
        return unit_of_work.run(work)
    except events.EventInvalid as exc:
        form.show_errors(exc.errors)
        flash(str(exc), "error")
    except DomainError as exc:
        flash(str(exc), "error")
    return None


def _edit_page(event: Event, form: EventForm, status: int = 200, copy_form=None):
    return render_template(
        "console/event_form.html",
        form=form,
        event=event,
        copy_form=copy_form or EventCopyForm(),
        state_form=EventStateForm(),
        state_labels=EVENT_STATE_LABELS,
        next_states=sorted(events.TRANSITIONS[event.state]),
        nav_active="console.event_edit",
    ), status


def _changed_meanwhile(event_id: int, typed: EventForm, exc: events.EventChanged):
    """Someone saved first: the form keeps what was typed, but the fields the other saves
    changed show the event as it is now (the times as a whole, when any of them changed),
    each marked with what had been typed there; the version becomes the current one."""
    event = get_or_404(Event, event_id)
    form = EventForm(formdata=None, obj=form_values(event))
    theirs = {FORM_FIELD.get(name, name) for name in exc.changed_fields}
    if theirs & TIME_FIELDS:
        theirs |= TIME_FIELDS
    for name, field in form._fields.items():
        if name in ("csrf_token", "version", "confirm"):
            continue
        if name not in theirs:
            field.data = typed[name].data
        elif typed[name].data != field.data and isinstance(typed[name].data, str):
            field.errors = [
                _(
                    "Changed meanwhile by someone else: this is their value. You had typed: "
                    "“%(typed)s”.",
                    typed=typed[name].data,
                )
            ]
    fields = ", ".join(typed.label_of(name) for name in exc.changed_fields)
    flash(
        _(
            "The event changed since you opened it, so nothing was saved. The form keeps what "
            "you typed, except in the fields someone else changed meanwhile, which show their "
            "value: check those, then save again."
        ),
        "error",
    )
    if fields:
        flash(_("Changed meanwhile: %(fields)s.", fields=fields), "error")
    return _edit_page(event, form, exc.status)


def _who_is_told(event: Event, form: EventForm, exc: events.NoticeNotConfirmed):
    """The page between the save and the change: who will be told, and what; confirm or not."""
    rows = [
        (form.label_of(name), _shown(event, old), _shown(event, new))
        for name, (old, new) in sorted(exc.changes.items())
    ]
    resend = [
        (name, value)
        for name, value in request.form.items(multi=True)
        if name not in ("csrf_token", "confirm")
    ]
    shown = [previews.preview(event, exc.changes, language) for language in previews.LANGUAGES]
    return render_template(
        "console/event_notice.html",
        event=event,
        audience=exc.audience,
        rows=rows,
        resend=resend,
        previews=shown,
        nav_active="console.event_edit",
    ), 409


def _shown(event: Event, value: object) -> str:
    if isinstance(value, datetime):
        return f"{local(value, event.timezone):%Y-%m-%d %H:%M}"
    return str(value) if value not in ("", None) else "—"


# -- copy and state ----------------------------------------------------------------------------


@organizer_required
def event_copy(event_id: int):
    event = get_or_404(Event, event_id)
    form = EventCopyForm()
    if form.validate_on_submit() and form.new_day.data is not None:
        actor = audit.staff_actor(current_user)
        new_slug, new_day = form.new_slug.data or "", form.new_day.data
        try:
            copied = unit_of_work.run(
                lambda: events.copy(
                    event_id, new_slug, new_day, actor, organizer_id=_creator(current_user)
                )
            )
        except events.EventInvalid as exc:
            # A copy breaks the rules only by its own two fields: the address, or a date whose
            # times cannot be (the source's own times were valid).
            form.new_slug.errors = [exc.errors[k] for k in ("slug",) if k in exc.errors]
            others = [m for k, m in exc.errors.items() if k != "slug"]
            form.new_day.errors = others
            flash(str(exc), "error")
        except DomainError as exc:
            flash(str(exc), "error")
        else:
            flash(
                _("The copy is saved as a draft, without guests. Check it, then open it."),
                "success",
            )
            return redirect(url_for(".event_edit", event_id=copied.id))
    g.timezone = event.timezone
    return _edit_page(event, EventForm(formdata=None, obj=form_values(event)), 400, form)


@organizer_required
def event_state(event_id: int):
    event = get_or_404(Event, event_id)
    form = EventStateForm()
    if not form.validate_on_submit():
        flash(_("Choose what to do with the event from the buttons."), "error")
        return redirect(url_for(".event_edit", event_id=event_id))
    state = EventState(form.state.data)
    if state == EventState.ARCHIVED and form.confirm.data != "1":
        return render_template(
            "console/event_archive.html",
            event=event,
            form=EventStateForm(formdata=None, state=state.value),
            nav_active="console.event_edit",
        )
    actor = audit.staff_actor(current_user)
    message = {
        EventState.OPEN: _("The event is open: guests can answer until the reply deadline."),
        EventState.CLOSED: _("The event is closed: guests can no longer answer."),
        EventState.ARCHIVED: _("The event is archived. Its lists and exports stay available."),
    }.get(state)
    perform(lambda: events.set_state(event_id, state, actor), message)
    return redirect(url_for(".event_edit", event_id=event_id))


# -- an archived event is read-only ------------------------------------------------------------

# Changes that an archived event still allows: making a new event from it.
ALLOWED_WHEN_ARCHIVED = frozenset({"console.event_copy"})
# Where each console URL's row names its event.
_EVENT_OF: dict[str, type[Guest] | type[OutboxMessage] | type[DoorLink]] = {
    "guest_id": Guest,
    "message_id": OutboxMessage,
    "link_id": DoorLink,
}


def refuse_changes_to_archived() -> None:
    """Refuse every console request that would change an archived event (its pages and
    exports still open). Runs before each console view; the view's own checks of who may
    do what come after, so for anyone not logged in it says nothing."""
    if request.method in ("GET", "HEAD", "OPTIONS") or not current_user.is_authenticated:
        return
    if request.endpoint in ALLOWED_WHEN_ARCHIVED:
        return
    args = request.view_args or {}
    event_id = args.get("event_id")
    for name, model in _EVENT_OF.items():
        if event_id is None and name in args:
            event_id = db.session.scalar(sa.select(model.event_id).where(model.id == args[name]))
    if event_id is None:
        return
    state = db.session.scalar(sa.select(Event.state).where(Event.id == event_id))
    if state == EventState.ARCHIVED:
        raise events.EventArchived()


def _creator(user: SignedIn) -> int | None:
    """Who joins a new event as its organizer: nobody for an administrator, who has them all."""
    return None if user.is_admin else user.id
