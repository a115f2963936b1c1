"""Console: the programme editor. Sessions and breaks with their times and titles, their
speakers and moderators, and the order of both; the rules are in services/programme/.

Every URL names the event, and the item (and the person) by id; an id that is not of that
event answers 404 before anything is read from the form, and the service checks it again under
the event's lock.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ... import labels
from ...i18n import bilingual
from ...models import AgendaItem, AgendaPerson, Event
from ...services import audit, notices, protocol
from ...services import programme as service
from ...services.programme import told
from ..auth import organizer_required
from .common import current_event, flash_form_errors, save_on_form
from .programme_forms import ActionForm, ItemForm, MoveForm, PersonForm, ProgrammeNoticeForm

Result = TypeVar("Result")


def _save(form, work: Callable[[], Result]) -> tuple[bool, Result | None]:
    return save_on_form(form, work, service.ProgrammeError)


def _actor() -> str:
    return audit.staff_actor(current_user)


def _overview(event: Event, item: AgendaItem | None = None):
    anchor = f"item-{item.id}" if item is not None else None
    return redirect(url_for(".programme", event_id=event.id, _anchor=anchor))


def _times(event: Event, item: AgendaItem) -> str:
    return f"{service.clock(event, item.starts_at)}–{service.clock(event, item.ends_at)}"


def _page(template: str, event: Event, **context):
    g.timezone = event.timezone
    return render_template(
        template,
        event=event,
        nav_active="console.programme",
        clock=lambda moment: service.clock(event, moment),
        kind_labels=labels.AGENDA_KIND_LABELS,
        role_labels=labels.PERSON_ROLE_LABELS,
        **context,
    )


# -- the programme ---------------------------------------------------------------------------


@organizer_required
def programme(event_id: int):
    event = current_event(event_id)
    pending = told.pending(event)
    return _page(
        "console/programme.html",
        event,
        items=list(event.agenda),
        pending=pending,
        pending_lines=notices.describe(event, pending.changes),
        notice_form=ProgrammeNoticeForm(seen=pending.fingerprint),
    )


@organizer_required
def programme_tell(event_id: int):
    """The invited guests are told of the programme's changes (one notice each)."""
    event = current_event(event_id)
    form = ProgrammeNoticeForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _overview(event)
    ok, done = _save(form, lambda: told.tell(event.id, form.seen.data or "", _actor()))
    if ok and done is not None:
        _items, queued = done
        flash(
            ngettext(
                "The notice of the programme's changes is on its way to %(num)s guest.",
                "The notice of the programme's changes is on its way to %(num)s guests.",
                queued,
            ),
            "success",
        )
    return _overview(event)


@organizer_required
def programme_keep(event_id: int):
    """The organizer decides not to tell the guests: the programme as it is becomes theirs."""
    event = current_event(event_id)
    form = ProgrammeNoticeForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _overview(event)
    ok, _kept = _save(form, lambda: told.keep_untold(event.id, form.seen.data or "", _actor()))
    if ok:
        flash(_("The programme's changes are kept without telling the guests."), "success")
    return _overview(event)


@organizer_required
def item_new(event_id: int):
    event = current_event(event_id)
    form = ItemForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            ok, item = _save(form, lambda: service.add_item(event.id, form.to_details(), _actor()))
            if ok and item is not None:
                flash(
                    _("“%(title)s” is on the programme.", title=bilingual(item, "title")), "success"
                )
                return _overview(event, item)
        status = 400
    return _page("console/programme_item.html", event, item=None, form=form), status


@organizer_required
def item_edit(event_id: int, item_id: int):
    event = current_event(event_id)
    item = service.item_of(event, item_id)
    form = ItemForm(
        data=None if request.method == "POST" else _item_values(event, item),
    )
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            ok, changed = _save(
                form, lambda: service.update_item(event.id, item.id, form.to_details(), _actor())
            )
            if ok:
                if changed:
                    flash(
                        _("The programme item is saved: %(times)s.", times=_times(event, item)),
                        "success",
                    )
                else:
                    flash(_("Nothing was changed."), "info")
                return _overview(event, item)
        status = 400
    return _page("console/programme_item.html", event, item=item, form=form), status


def _item_values(event: Event, item: AgendaItem) -> dict:
    return {
        "kind": item.kind.value,
        "title_en": item.title_en,
        "title_zh": item.title_zh,
        "starts": service.clock(event, item.starts_at),
        "ends": service.clock(event, item.ends_at),
        "choosable": item.choosable,
    }


@organizer_required
def item_delete(event_id: int, item_id: int):
    event = current_event(event_id)
    item = service.item_of(event, item_id)
    title = bilingual(item, "title")
    form = ActionForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for(".item_edit", event_id=event.id, item_id=item.id))
    ok, _deleted = _save(form, lambda: service.delete_item(event.id, item.id, _actor()))
    if ok:
        flash(_("“%(title)s” is off the programme.", title=title), "success")
    return _overview(event)


@organizer_required
def item_move(event_id: int, item_id: int):
    event = current_event(event_id)
    item = service.item_of(event, item_id)
    form = MoveForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _overview(event)
    shown, wanted = form.moves()
    ok, _moved = _save(
        form,
        lambda: service.move_item(event.id, item.id, wanted, _actor(), from_position=shown),
    )
    if ok:
        flash(
            _(
                "“%(title)s” now runs %(times)s; the items it passed keep their lengths.",
                title=bilingual(item, "title"),
                times=_times(event, item),
            ),
            "success",
        )
        return _overview(event, item)
    return _overview(event)


# -- an item's speakers and moderators -------------------------------------------------------


def _back_to_item(event: Event, item: AgendaItem, person_id: int | None = None):
    anchor = f"person-{person_id}" if person_id is not None else "people"
    return redirect(url_for(".item_edit", event_id=event.id, item_id=item.id, _anchor=anchor))


def _name(person: AgendaPerson) -> str:
    return bilingual(person, "name")


@organizer_required
def person_new(event_id: int, item_id: int):
    event = current_event(event_id)
    item = service.item_of(event, item_id)
    form = PersonForm(guests=_guest_choices(event))
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            ok, person = _save(
                form, lambda: service.add_person(event.id, item.id, form.to_details(), _actor())
            )
            if ok and person is not None:
                flash(_("%(name)s is on the programme item.", name=_name(person)), "success")
                return _back_to_item(event, item, person.id)
        status = 400
    return _page("console/programme_person.html", event, item=item, person=None, form=form), status


@organizer_required
def person_edit(event_id: int, item_id: int, person_id: int):
    event = current_event(event_id)
    item = service.item_of(event, item_id)
    person = service.person_of(item, person_id)
    form = PersonForm(
        obj=None if request.method == "POST" else _PersonValues(person),
        guests=_guest_choices(event),
    )
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            details = form.to_details()
            ok, changed = _save(
                form,
                lambda: service.update_person(event.id, item.id, person.id, details, _actor()),
            )
            if ok:
                if changed:
                    flash(_("%(name)s: saved.", name=_name(person)), "success")
                else:
                    flash(_("Nothing was changed."), "info")
                return _back_to_item(event, item, person.id)
        status = 400
    return _page(
        "console/programme_person.html", event, item=item, person=person, form=form
    ), status


class _PersonValues:
    """The person's stored values as the form's starting values (the role as its code)."""

    def __init__(self, person: AgendaPerson):
        self.role = person.role.value
        self.guest = str(person.guest_id) if person.guest_id else ""
        for name in service.PERSON_LENGTHS:
            setattr(self, name, getattr(person, name))


def _guest_choices(event: Event) -> list[tuple[str, str]]:
    """The guests a programme person may be, as the place cards offer them one by one."""
    return [
        (str(guest.id), f"{bilingual(guest, 'name') or guest.email} · {guest.email}")
        for guest in protocol.choosable_guests(event)
    ]


@organizer_required
def person_delete(event_id: int, item_id: int, person_id: int):
    event = current_event(event_id)
    item = service.item_of(event, item_id)
    person = service.person_of(item, person_id)
    name = _name(person)
    form = ActionForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _back_to_item(event, item, person.id)
    ok, _deleted = _save(
        form, lambda: service.delete_person(event.id, item.id, person.id, _actor())
    )
    if ok:
        flash(_("%(name)s is off the programme item.", name=name), "success")
    return _back_to_item(event, item)


@organizer_required
def person_move(event_id: int, item_id: int, person_id: int):
    event = current_event(event_id)
    item = service.item_of(event, item_id)
    person = service.person_of(item, person_id)
    form = MoveForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _back_to_item(event, item)
    shown, wanted = form.moves()
    ok, position = _save(
        form,
        lambda: service.move_person(
            event.id, item.id, person.id, wanted, _actor(), from_position=shown
        ),
    )
    if ok:
        flash(_("%(name)s is now number %(n)s.", name=_name(person), n=position), "success")
        return _back_to_item(event, item, person.id)
    return _back_to_item(event, item)
