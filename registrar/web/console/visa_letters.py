"""Console: a guest's visa invitation letter. The passport details the guest gave (organizers
only: the console's gate keeps door staff and other events' organizers out), the letters
issued, the button that issues (or issues again) the letter, and its PDF."""

from __future__ import annotations

from flask import Response, abort, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...forms import IssueLetterForm
from ...models import Guest
from ...services import audit
from ...services.travel import letter_pdf, letters, offered_to, passports
from ..auth import organizer_required
from ..use_case import perform
from .common import flash_form_errors, get_or_404


def _guest(guest_id: int) -> Guest:
    guest = get_or_404(Guest, guest_id)
    if guest.is_companion:
        abort(404)
    return guest


@organizer_required
def guest_visa_letter(guest_id: int):
    """The guest's passport details and letters; the button posts back here to issue."""
    guest = _guest(guest_id)
    event = guest.event
    g.timezone = event.timezone
    form = IssueLetterForm()
    status = 200
    if form.validate_on_submit():
        actor, seen = audit.staff_actor(current_user), form.seen.data
        issued = perform(
            lambda: letters.issue(guest_id, actor, seen=seen),
            _("The visa letter is issued; any earlier letter of this guest is no longer valid."),
        )
        if issued.ok:
            return redirect(url_for(".guest_visa_letter", guest_id=guest_id))
        status = issued.error.status
        guest = _guest(guest_id)
    elif form.is_submitted():
        flash_form_errors(form)
        status = 400
    current = letters.current_letter(guest)
    count = letters.letters_issued(guest)
    form = IssueLetterForm(formdata=None, seen=count)
    return render_template(
        "console/guest_visa_letter.html",
        event=event,
        guest=guest,
        form=form,
        offered=offered_to(guest),
        passport=passports.passport_of(guest),
        kept_until=passports.kept_until(event),
        letterhead_complete=letters.letterhead_complete(event),
        current=current,
        code=letters.code_of(current) if current else None,
        url=letters.verification_url(current) if current else None,
        issued=count,
    ), status


@organizer_required
def guest_visa_letter_pdf(guest_id: int):
    """The guest's valid letter, as issued."""
    guest = _guest(guest_id)
    letter = letters.current_letter(guest)
    if letter is None:
        abort(404)
    name = letters.filename(guest.event, letter)
    return Response(
        letter_pdf.letter_pdf(letter),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
