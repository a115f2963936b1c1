"""Console: cancelling an event. The page says who will be told and shows the message in both
languages; only its Confirm (a POST) cancels the event and queues the cancellation."""

from __future__ import annotations

from flask import g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import Length

from ...mail import previews
from ...models import Event
from ...services import audit, notices
from ..auth import organizer_required
from ..use_case import perform
from .common import get_or_404


class EventCancelForm(FlaskForm):
    reason_en = TextAreaField(
        _l("Reason in English (optional)"), validators=[Length(max=notices.REASON_LENGTH)]
    )
    reason_zh = TextAreaField(
        _l("Reason in Chinese (optional)"), validators=[Length(max=notices.REASON_LENGTH)]
    )
    confirm = HiddenField()


@organizer_required
def event_cancel(event_id: int):
    event = get_or_404(Event, event_id)
    g.timezone = event.timezone
    form = EventCancelForm()
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            status = 400
        elif form.confirm.data == "1":
            actor = audit.staff_actor(current_user)
            reason_en, reason_zh = form.reason_en.data or "", form.reason_zh.data or ""
            done = perform(
                lambda: notices.cancel_event(event_id, reason_en, reason_zh, actor),
                _("The event is cancelled. Its guests are being told."),
            )
            if done.ok:
                return redirect(url_for(".event_edit", event_id=event_id))
            status = done.error.status
    reason_en, reason_zh = form.reason_en.data or "", form.reason_zh.data or ""
    shown = [
        previews.preview_cancellation(event, reason_en, reason_zh, language)
        for language in previews.LANGUAGES
    ]
    return render_template(
        "console/event_cancel.html",
        event=event,
        form=form,
        who=notices.recipients(event),
        previews=shown,
        previewed=status == 200,
        nav_active="console.event_edit",
    ), status
