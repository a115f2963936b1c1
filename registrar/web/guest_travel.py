"""Guest pages: a travelling guest's flights, airport pickups and hotel, through their link."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..errors import DomainError
from ..labels import AIRPORT_LABELS
from ..services import audit, invitations
from ..services.travel import offered_to
from ..services.travel.details import TravelInvalid, give, hotels_of, may_change, travel_of
from . import limits
from .travel_forms import TravelForm
from .use_case import perform, reads_first

bp = Blueprint("guest_travel", __name__)


@bp.route("/i/<token>/travel", methods=["GET", "POST"])
@limits.token_pages
@reads_first
def travel(token: str):
    guest = invitations.resolve_invitation(token)
    event = guest.event
    g.guest_language = guest.language.value
    g.timezone = event.timezone
    if not offered_to(guest):
        abort(404)
    stored = travel_of(guest.id)
    hotels = hotels_of(event)
    form = TravelForm(hotels, obj=TravelForm.values_of(stored))
    open_ = may_change(event)
    status = 200
    if request.method == "POST":
        status = 400
        if not open_:
            flash(_("The event has started, so travel details can no longer be changed."), "error")
            status = 409
        elif form.validate_on_submit():
            guest_id, link_version, details = guest.id, guest.token_version, form.to_details()
            given = perform(
                lambda: give(guest_id, link_version, details, audit.GUEST),
                _("Thank you, your travel details are saved."),
                error_pages=(404, 410),
            )
            if given.ok:
                return redirect(url_for(".travel", token=token))
            error: DomainError = given.error
            if isinstance(error, TravelInvalid):
                form.show_errors(error.errors)
            status = error.status
    return (
        render_template(
            "public/travel.html",
            guest=guest,
            event=event,
            form=form,
            token=token,
            stored=stored,
            is_open=open_,
            airport_labels=AIRPORT_LABELS,
        ),
        status,
    )
