"""Visa invitation letters on the guest's side: asking for one through the personal link (the
passport details), changing or withdrawing the request; and the public page on which a
consulate checks a letter's verification code (no login)."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, url_for
from flask_babel import gettext as _

from ..forms import DeputyForm, PassportForm, RsvpForm, WithdrawLetterForm
from ..services import invitations
from ..services.travel import letters, passports
from . import limits
from .public import _form_defaults, _invitation_page
from .use_case import perform, reads_first

bp = Blueprint("letters", __name__)


@bp.post("/i/<token>/letter")
@limits.token_pages
@reads_first
def ask(token: str):
    """The guest asks for a letter with their passport details, or changes them."""
    guest = invitations.resolve_invitation(token)
    g.guest_language = guest.language.value
    g.timezone = guest.event.timezone
    form = PassportForm(prefix="passport")
    status = 400
    if form.validate_on_submit():
        guest_id, link_version, details = guest.id, guest.token_version, form.to_details()
        asked = perform(
            lambda: passports.ask_for_letter(guest_id, link_version, details),
            _("Thank you. The organizers will prepare your letter."),
            error_pages=(404, 410),
        )
        if asked.ok:
            return redirect(url_for("public.invitation", token=token, _anchor="visa-letter"))
        status = asked.error.status
    rsvp_form = RsvpForm(guest.event, obj=_form_defaults(guest), formdata=None)
    return _invitation_page(
        guest, token, rsvp_form, DeputyForm(prefix="deputy"), status, passport_form=form
    )


@bp.post("/i/<token>/letter/withdraw")
@limits.token_pages
@reads_first
def withdraw(token: str):
    """The guest no longer needs a letter: their passport details are deleted."""
    guest = invitations.resolve_invitation(token)
    g.guest_language = guest.language.value
    g.timezone = guest.event.timezone
    form = WithdrawLetterForm(prefix="withdraw")
    status = 400
    if form.validate_on_submit():
        guest_id, link_version = guest.id, guest.token_version
        withdrawn = perform(
            lambda: passports.withdraw(guest_id, link_version),
            _("Your request is withdrawn and your passport details are deleted."),
            error_pages=(404, 410),
        )
        if withdrawn.ok:
            return redirect(url_for("public.invitation", token=token, _anchor="visa-letter"))
        status = withdrawn.error.status
    rsvp_form = RsvpForm(guest.event, obj=_form_defaults(guest), formdata=None)
    return _invitation_page(guest, token, rsvp_form, DeputyForm(prefix="deputy"), status)


@bp.get("/letters/<code>")
@limits.token_pages
def verify(code: str):
    """Whether a letter is genuine and still valid: its key facts, or one page for every code
    that is not (tampered, unknown, issued again, withdrawn, erased, expired), which says
    nothing more."""
    found = letters.verify(code)
    if found is None:
        return render_template("public/letter_check.html", letter=None), 404
    return render_template("public/letter_check.html", letter=found)
