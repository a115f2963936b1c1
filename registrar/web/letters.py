"""Visa invitation letters on the guest's side: asking for one through the personal link (the
passport details), changing or withdrawing the request; and the public page on which a
consulate checks a letter's verification code (no login)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l

from ..forms import PassportForm, WithdrawLetterForm
from ..services.travel import letters, passports
from . import limits
from .public import ask_through_link
from .use_case import reads_first

bp = Blueprint("letters", __name__)


@bp.post("/i/<token>/letter")
@limits.token_pages
@reads_first
def ask(token: str):
    """The guest asks for a letter with their passport details, or changes them."""
    return ask_through_link(
        token,
        lambda: PassportForm(prefix="passport"),
        lambda form, guest_id, version: passports.ask_for_letter(
            guest_id, version, form.to_details()
        ),
        _l("Thank you. The organizers will prepare your letter."),
        anchor="visa-letter",
    )


@bp.post("/i/<token>/letter/withdraw")
@limits.token_pages
@reads_first
def withdraw(token: str):
    """The guest no longer needs a letter: their passport details are deleted."""
    return ask_through_link(
        token,
        lambda: WithdrawLetterForm(prefix="withdraw"),
        lambda _form, guest_id, version: passports.withdraw(guest_id, version),
        _l("Your request is withdrawn and your passport details are deleted."),
        anchor="visa-letter",
    )


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
