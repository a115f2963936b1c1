"""Console: travelling guests: the arrivals and departures boards with their pickups, the
drivers assigned, the hotel rooms, the event's hotels, reminders, the pickup list and the
arrivals file."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ...labels import AIRPORT_LABELS, CATEGORY_LABELS
from ...services import audit
from ...services.travel import board, export, letters, pdf, reminders
from ..auth import organizer_required
from ..travel_forms import HotelsForm, PickupForm
from ..use_case import perform
from .common import current_event, flash_form_errors
from .exports import pdf_download


@organizer_required
def travel_page(event_id: int):
    event = current_event(event_id)
    arrivals = board.board(event.id, board.Leg.ARRIVAL)
    departures = board.board(event.id, board.Leg.DEPARTURE)
    return render_template(
        "console/travel.html",
        event=event,
        counts=board.counts(event.id),
        arrivals=board.by_day(arrivals),
        departures=board.by_day(departures),
        hotels=board.hotels(event.id),
        waiting=board.not_given(event.id),
        letter_requests=letters.requests(event),
        to_remind=len(reminders.audience(event.id)),
        hotels_form=HotelsForm(data={"hotels": event.travel_hotels}),
        categories=[CATEGORY_LABELS[c] for c in event.categories_offered_travel],
        category_labels=CATEGORY_LABELS,
        airport_labels=AIRPORT_LABELS,
    )


@organizer_required
def travel_pickup(event_id: int):
    event = current_event(event_id)
    form = PickupForm()
    anchor = "arrivals"
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        guest_id, version = form.guest_id(), form.version_number()
        leg, driver, phone = form.leg.data or "", form.driver.data or "", form.phone.data or ""
        anchor = "departures" if leg == board.Leg.DEPARTURE else "arrivals"
        actor = audit.staff_actor(current_user)
        if guest_id is None or version is None:
            flash(_("This form is not one of this page's. Nothing was saved."), "error")
        else:
            perform(
                lambda: board.assign_pickup(event.id, guest_id, leg, driver, phone, version, actor),
                _("Pickup saved."),
            )
    return redirect(url_for(".travel_page", event_id=event.id, _anchor=anchor))


@organizer_required
def travel_hotels(event_id: int):
    event = current_event(event_id)
    form = HotelsForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        text, actor = form.hotels.data or "", audit.staff_actor(current_user)
        perform(lambda: board.set_hotels(event.id, text, actor), _("Hotels saved."))
    return redirect(url_for(".travel_page", event_id=event.id, _anchor="hotel-rooms"))


@organizer_required
def travel_remind(event_id: int):
    event = current_event(event_id)
    form = HotelsForm()  # only its CSRF token is posted with this button
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        actor = audit.staff_actor(current_user)
        done = perform(lambda: reminders.remind(event.id, actor))
        if done.ok:
            flash(
                ngettext(
                    "%(num)s travel reminder queued.",
                    "%(num)s travel reminders queued.",
                    len(done.result),
                ),
                "success",
            )
    return redirect(url_for(".travel_page", event_id=event.id, _anchor="waiting"))


@organizer_required
def pickups_pdf(event_id: int):
    event = current_event(event_id)
    return pdf_download(pdf.pickup_pdf(event), pdf.filename(event))


@organizer_required
def arrivals_csv(event_id: int):
    event = current_event(event_id)
    return Response(
        export.arrivals_csv(event),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{export.filename(event)}"'},
    )
