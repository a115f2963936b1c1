"""Console: the event's seating plan, its reserved seats given to guests, the printed plan."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ... import labels
from ...i18n import bilingual
from ...models import Event
from ...services import audit, seating, seats
from ..auth import organizer_required
from ..use_case import perform
from .common import current_event, flash_form_errors
from .exports import pdf_download
from .seating_forms import BLANK_ROWS, AssignForm, PlanForm

# The editor's field of each of the service's row fields.
_FIELDS = {"label": "label", "seats": "seats", "aisles_after": "aisles", "reserved": "reserved"}


def _plan_form(plan: seating.SeatingPlan) -> PlanForm:
    rows = [
        {
            "label": row.label,
            "seats": str(row.seats),
            "aisles": ", ".join(str(n) for n in row.aisles_after),
            "reserved": _runs(row.reserved),
        }
        for row in plan.rows
    ]
    form = PlanForm(data={"version": plan.version, "rows": rows + [{}] * BLANK_ROWS})
    return form


def _runs(numbers: tuple[int, ...]) -> str:
    """1, 2, 3, 5 as "1-3, 5": how an organizer would type them."""
    parts: list[str] = []
    start = prev = None
    for n in [*sorted(numbers), None]:
        if start is not None and (n is None or prev is None or n != prev + 1):
            parts.append(str(start) if start == prev else f"{start}-{prev}")
            start = None
        if n is not None and start is None:
            start = n
        prev = n
    return ", ".join(parts)


def _page(event: Event, form: PlanForm | None = None, error: tuple[str, str] | None = None):
    plan = seating.plan_of(event)
    guests = seating.seatable_guests(event)
    seat_of = {guest.id: label for label, guest in plan.assigned.items()}
    picked_seat = request.args.get("seat", "").strip().upper()
    picked_guest = request.args.get("guest", "")
    return render_template(
        "console/seating.html",
        event=event,
        plan=plan,
        grid=plan.grid(),
        form=form or _plan_form(plan),
        error=error,
        guests=guests,
        seat_of=seat_of,
        free_seats=plan.free_reserved(),
        picked_seat=picked_seat,
        picked_guest=int(picked_guest) if picked_guest.isdigit() else None,
        holds_total=seats.seat_counts(event).reserved,
        fill_categories=[labels.CATEGORY_LABELS[c] for c in seating.FILL_CATEGORIES],
        category_labels=labels.CATEGORY_LABELS,
        papers=list(seating.PAPER_SIZES),
    )


@organizer_required
def seating_page(event_id: int):
    return _page(current_event(event_id))


@organizer_required
def seating_rows(event_id: int):
    event = current_event(event_id)
    form = PlanForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for(".seating_page", event_id=event.id))
    actor = audit.staff_actor(current_user)
    lines: list[int] = []
    try:
        rows, lines = form.plan_rows()
    except seating.PlanInvalid as exc:
        return _refused(event, form, exc, None)
    try:
        # The rows' own rules, before the use case: shown at their field, not flashed.
        seating.checked_rows(rows)
    except seating.PlanInvalid as exc:
        return _refused(event, form, exc, lines)
    done = perform(
        lambda: seating.save_plan(event.id, rows, actor, version=form.version.data or ""),
    )
    if done.ok:
        flash(_("Seating plan saved."), "success")
        return redirect(url_for(".seating_page", event_id=event.id))
    if isinstance(done.error, seating.PlanChanged):
        # Flashed already: the plan as it is now, to make the change on.
        return redirect(url_for(".seating_page", event_id=event.id))
    # Flashed already (a given seat left out, too few reserved seats): what was typed, again.
    return _page(event, form), done.error.status


def _refused(event: Event, form: PlanForm, exc: seating.PlanInvalid, lines: list[int] | None):
    """The editor again with what was typed, the problem at its row's field."""
    message = str(exc)
    target = ""
    if exc.row is not None and exc.field in _FIELDS:
        line = lines[exc.row] if lines is not None and exc.row < len(lines) else exc.row
        if line < len(form.rows.entries):
            f = form.rows.entries[line].form[_FIELDS[exc.field]]
            f.errors = [*f.errors, message]
            target = f.id
    return _page(event, form, (message, target)), 400


@organizer_required
def seating_assign(event_id: int):
    event = current_event(event_id)
    form = AssignForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        label, guest_id = form.seat.data or "", form.guest.number
        actor = audit.staff_actor(current_user)
        done = perform(lambda: seating.assign_seat(event.id, guest_id, label, actor))
        if done.ok:
            flash(
                _(
                    "Seat %(label)s given to %(name)s.",
                    label=done.result.label,
                    name=bilingual(done.result.guest, "name"),
                ),
                "success",
            )
    return redirect(url_for(".seating_page", event_id=event.id, _anchor="assigned"))


@organizer_required
def seating_free(event_id: int):
    event = current_event(event_id)
    form = AssignForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        label, guest_id = form.seat.data or "", form.guest.number
        actor = audit.staff_actor(current_user)
        perform(
            lambda: seating.unassign_seat(event.id, label, guest_id, actor),
            _("Seat %(label)s is free again.", label=label.strip().upper()),
        )
    return redirect(url_for(".seating_page", event_id=event.id, _anchor="assigned"))


@organizer_required
def seating_fill(event_id: int):
    event = current_event(event_id)
    form = PlanForm()
    # Only the CSRF token is posted with this button.
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        actor = audit.staff_actor(current_user)
        done = perform(lambda: seating.fill_in_precedence(event.id, actor))
        if done.ok:
            flash(
                ngettext(
                    "%(num)s guest given a reserved seat in precedence order.",
                    "%(num)s guests given reserved seats in precedence order.",
                    len(done.result),
                ),
                "success",
            )
    return redirect(url_for(".seating_page", event_id=event.id, _anchor="assigned"))


@organizer_required
def seating_plan_pdf(event_id: int):
    event = current_event(event_id)
    paper = request.args.get("paper", "A4").strip().upper()
    plan = seating.plan_of(event)
    return pdf_download(seating.seating_pdf(event, plan, paper), seating.filename(event, paper))
