"""Console: each kind of message previewed for a chosen guest in both languages, a test of it
to oneself, and the event's own paragraph atop the invitation."""

from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa
from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import labels
from ...extensions import db
from ...forms import MailIntroForm, MailTestForm
from ...mail import campaigns, previews
from ...mail.render import unfit_reason
from ...models import Event, Guest, Language, MessageKind, StaffUser, utcnow
from ...numbers import parse_id
from ...services import audit, events
from ..auth import organizer_required
from ..use_case import perform
from .common import current_event, flash_form_errors
from .messages import render_mail_page

# The preview's HTML is shown in a frame of the page, on its own: no script runs in it, nothing
# is fetched, only its own inline styles and its data: images (the badge's QR code).
PREVIEW_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'self'; form-action 'none'; base-uri 'none'; sandbox"
)


def _kind(value: str | None) -> MessageKind:
    for kind in previews.KINDS:
        if kind.value == value:
            return kind
    return MessageKind.INVITATION


def _language(value: str | None) -> Language:
    for language in Language:
        if language.value == value:
            return language
    abort(404)


def _guests(event: Event) -> list[Guest]:
    return list(
        db.session.scalars(sa.select(Guest).where(Guest.event_id == event.id).order_by(Guest.id))
    )


def _chosen_guest(event: Event, guests: list[Guest], value: str | None) -> Guest | None:
    """The guest asked for, or the event's first; None for an event without guests."""
    wanted = parse_id(value) if value else None
    for guest in guests:
        if guest.id == wanted:
            return guest
    return guests[0] if guests else None


@organizer_required
def mail_preview(event_id: int):
    event = current_event(event_id)
    guests = _guests(event)
    kind = _kind(request.args.get("kind"))
    guest = _chosen_guest(event, guests, request.args.get("guest"))
    shown = []
    why_not = None
    other = None
    showable = guest is not None and previews.can_show(guest, kind)
    if guest is not None and showable:
        now = utcnow()
        shown = [previews.guest_preview(guest, kind, language, now) for language in Language]
        reason = unfit_reason(kind, guest, now, previews.details_for(event, kind))
        why_not = campaigns.REASONS.get(reason) if reason else None
    elif guest is not None:
        other = next((g for g in guests if previews.can_show(g, kind)), None)
    test_form = MailTestForm(
        guest=str(guest.id) if guest else "", kind=kind.value, language=_language_of(guest)
    )
    actor = audit.staff_actor(current_user)
    return render_template(
        "console/mail_preview.html",
        event=event,
        guests=guests,
        guest=guest,
        kind=kind,
        kinds=previews.KINDS,
        kind_labels=labels.MESSAGE_KIND_LABELS,
        status_labels=labels.MESSAGE_STATUS_LABELS,
        reasons=campaigns.REASONS,
        previews=shown,
        why_not=why_not,
        showable=showable,
        other=other,
        test_form=test_form,
        tests=campaigns.recent_tests(event, actor),
        my_address=_my_address(),
    )


def _my_address() -> str:
    """The signed-in organizer's own e-mail address, where their tests go."""
    account = db.session.get(StaffUser, current_user.id)
    return account.email if account is not None else ""


def _language_of(guest: Guest | None) -> str:
    return guest.language.value if guest is not None else Language.EN.value


@organizer_required
def mail_preview_html(event_id: int, language: str):
    """The HTML part alone, for the preview page's frame."""
    event = current_event(event_id)
    guest = _chosen_guest(event, _guests(event), request.args.get("guest"))
    kind = _kind(request.args.get("kind"))
    if guest is None or not previews.can_show(guest, kind):
        abort(404)
    preview = previews.guest_preview(guest, kind, _language(language))
    response = make_response(preview.shown_html)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers["Content-Security-Policy"] = PREVIEW_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@organizer_required
def mail_send_test(event_id: int):
    event = current_event(event_id)
    form = MailTestForm()
    back = url_for(
        ".mail_preview", event_id=event.id, kind=form.kind.data, guest=form.guest.data or None
    )
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(back)
    guest_id = form.guest_id()
    if guest_id is None:
        flash(_("That guest is not on the list; please reload the page."), "error")
        return redirect(back)
    if form.kind.data not in {kind.value for kind in previews.KINDS}:
        flash(_("Choose the message from the list."), "error")
        return redirect(back)
    kind = _kind(form.kind.data)
    language = _language(form.language.data)
    address = _my_address()
    done = perform(
        lambda: campaigns.send_test(
            event,
            guest_id,
            kind,
            language,
            to_address=address,
            actor=audit.staff_actor(current_user),
        )
    )
    if done.ok:
        flash(
            _(
                "Test queued: “%(kind)s” in %(language)s, as %(guest)s would get it, to "
                "%(address)s (not to the guest). It goes out with the next run of the mail "
                "sender.",
                kind=labels.MESSAGE_KIND_LABELS[kind],
                language=labels.LANGUAGE_LABELS[language],
                guest=done.result.guest.name_en or done.result.guest.name_zh,
                address=address,
            ),
            "success",
        )
    return redirect(back)


@organizer_required
def mail_intro(event_id: int):
    """Save the event's own paragraph atop the invitation (the event editor's rules)."""
    event = current_event(event_id)
    form = MailIntroForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for(".mail_page", event_id=event.id))
    version = parse_id(form.version.data) or 0
    details = replace(
        events.EventDetails.of(event),
        intro_en=(form.intro_en.data or "").replace("\r\n", "\n"),
        intro_zh=(form.intro_zh.data or "").replace("\r\n", "\n"),
    )
    actor = audit.staff_actor(current_user)
    done = perform(lambda: events.update(event.id, details, version, actor))
    if done.ok:
        flash(_("The invitation's introduction is saved."), "success")
        return redirect(url_for(".mail_page", event_id=event.id) + "#intro")
    errors = getattr(done.error, "errors", {})
    for name, message in errors.items():
        if name in ("intro_en", "intro_zh"):
            form[name].errors = [*form[name].errors, message]
    return render_mail_page(event, intro_form=form), done.error.status
