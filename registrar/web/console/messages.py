"""Console: sending invitations and reminders, and each guest's messages."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from ... import labels
from ...forms import GuestActionForm, GuestSelectionForm, MailIntroForm, ReminderForm
from ...mail import campaigns, render
from ...models import Event, Guest, MessageKind, OutboxMessage, utcnow
from ...services import audit, outbox, rsvp
from ..auth import organizer_required
from ..use_case import perform
from .common import current_event, flash_form_errors, get_or_404

# -- e-mail: sending, reminders, each guest's messages ----------------------------------------
# The views only queue messages; the mail sender (`flask --app registrar mail send`) delivers.


def render_mail_page(
    event: Event, invite_form=None, unanswered_form=None, confirmed_form=None, intro_form=None
):
    zone = ZoneInfo(event.timezone)
    if confirmed_form is None:
        confirmed_form = ReminderForm(
            prefix="confirmed", send_at=campaigns.day_before(event).replace(tzinfo=None)
        )
    return render_template(
        "console/mail.html",
        event=event,
        counts=campaigns.status_counts(event),
        uninvited=campaigns.uninvited_guests(event),
        invitable=campaigns.invitable_guests(event),
        intro_form=intro_form or MailIntroForm(obj=event, version=str(event.edit_version)),
        unanswered=campaigns.unanswered_guests(event),
        confirmed=campaigns.confirmed_guests(event),
        recent=campaigns.recent_messages(event),
        unrenderable=outbox.unrenderable(event),
        invite_form=invite_form or GuestSelectionForm(prefix="invite"),
        unanswered_form=unanswered_form or ReminderForm(prefix="unanswered"),
        confirmed_form=confirmed_form,
        backend=current_app.config["REGISTRAR_MAIL_BACKEND"],
        outbox_dir=outbox.outbox_directory(),
        kind_labels=labels.MESSAGE_KIND_LABELS,
        status_labels=labels.MESSAGE_STATUS_LABELS,
        reasons=campaigns.REASONS,
        day_before=campaigns.day_before(event).astimezone(zone),
        is_open=rsvp.is_open(event),
    )


@organizer_required
def mail_page(event_id: int):
    return render_mail_page(current_event(event_id))


def _send_at(form: ReminderForm, event: Event) -> datetime | None:
    """The organizer's local time as an aware moment; a moment already past means now."""
    local = form.send_at.data
    if local is None:
        return None
    moment = local.replace(tzinfo=ZoneInfo(event.timezone))
    return moment if moment > utcnow() else None


def _queued_message(count: int, send_at: datetime | None) -> str:
    if send_at is None:
        return _(
            "%(n)s messages queued. They go out with the next run of the mail sender.", n=count
        )
    return _("%(n)s messages queued for %(when)s.", n=count, when=format_datetime(send_at, "short"))


def _run_mail_action(event: Event, work, form, rerender, confirmation):
    """Validate, then either show what would be queued (the first press) or queue it (the
    confirmation page's button). `confirmation()` gives the guests and the kind to show."""
    if not form.validate_on_submit():
        flash_form_errors(form)  # not every form shows its errors by its fields
        return rerender(form), 400
    if not form.is_confirmed():
        return _confirmation_page(event, form, *confirmation())
    done = perform(work)
    if not done.ok:
        return rerender(form), done.error.status
    queued, send_at = done.result
    if queued:
        flash(_queued_message(len(queued), send_at), "success")
    else:
        flash(_("Nobody to send it to: every guest listed has it already or is waiting for it."))
    return redirect(url_for(".mail_page", event_id=event.id))


def _confirmation_page(event: Event, form, guests: list[Guest], kind: MessageKind):
    """What the button would queue: how many guests, which message, a link to its preview;
    its own button carries exactly these guests."""
    return render_template(
        "console/mail_confirm.html",
        event=event,
        form=form,
        guests=guests,
        kind=kind,
        kind_label=labels.MESSAGE_KIND_LABELS[kind],
        action=request.path,
        shown_at=utcnow().isoformat(),
        send_at=form.send_at.data if hasattr(form, "send_at") else None,
        everyone=kind == MessageKind.REMINDER_CONFIRMED,
        preview_guest=guests[0].id if guests else None,
    )


@organizer_required
def mail_invitations(event_id: int):
    event = current_event(event_id)
    form = GuestSelectionForm(prefix="invite")
    actor = audit.staff_actor(current_user)
    return _run_mail_action(
        event,
        lambda: (
            campaigns.send_invitations(event, actor, form.chosen(), since=form.shown_moment()),
            None,
        ),
        form,
        lambda f: render_mail_page(event, invite_form=f),
        lambda: (campaigns.invitation_audience(event, form.chosen()), MessageKind.INVITATION),
    )


@organizer_required
def mail_remind_unanswered(event_id: int):
    event = current_event(event_id)
    form = ReminderForm(prefix="unanswered")
    actor = audit.staff_actor(current_user)

    def work():
        send_at = _send_at(form, event)
        queued = campaigns.remind_unanswered(
            event, actor, form.chosen(), send_at, since=form.shown_moment()
        )
        return queued, send_at

    return _run_mail_action(
        event,
        work,
        form,
        lambda f: render_mail_page(event, unanswered_form=f),
        lambda: (
            campaigns.unanswered_audience(event, form.chosen()),
            MessageKind.REMINDER_UNANSWERED,
        ),
    )


@organizer_required
def mail_remind_confirmed(event_id: int):
    event = current_event(event_id)
    form = ReminderForm(prefix="confirmed")
    actor = audit.staff_actor(current_user)

    def work():
        send_at = _send_at(form, event)
        return campaigns.remind_confirmed(event, actor, send_at), send_at

    return _run_mail_action(
        event,
        work,
        form,
        lambda f: render_mail_page(event, confirmed_form=f),
        lambda: (campaigns.confirmed_audience(event), MessageKind.REMINDER_CONFIRMED),
    )


@organizer_required
def guest_messages(guest_id: int):
    guest = get_or_404(Guest, guest_id)
    messages = campaigns.messages_of(guest)
    return render_template(
        "console/guest_messages.html",
        guest=guest,
        event=guest.event,
        state=rsvp.state_of(guest),
        messages=messages,
        subjects={m.id: render.subject_of(m) for m in messages},
        resendable={m.id for m in messages if campaigns.can_resend(m)},
        kind_labels=labels.MESSAGE_KIND_LABELS,
        status_labels=labels.MESSAGE_STATUS_LABELS,
        reasons=campaigns.REASONS,
        action_form=GuestActionForm(),
    )


@organizer_required
def guest_send_invitation(guest_id: int):
    guest = get_or_404(Guest, guest_id)
    if GuestActionForm().validate_on_submit():
        actor = audit.staff_actor(current_user)
        ok, queued = perform(lambda: campaigns.send_invitations(guest.event, actor, [guest.id]))
        if ok:
            if queued:
                flash(_("Invitation queued."), "success")
            else:
                flash(
                    _(
                        "No invitation queued: the guest has answered, is revoked, or has one "
                        "waiting to go out."
                    )
                )
    return redirect(url_for(".guest_messages", guest_id=guest_id))


@organizer_required
def resend_message(message_id: int):
    message = get_or_404(OutboxMessage, message_id)
    guest_id = message.guest_id
    if GuestActionForm().validate_on_submit():
        perform(
            lambda: campaigns.resend(message_id, audit.staff_actor(current_user)),
            _("Queued again. It goes out with the next run of the mail sender."),
        )
    return redirect(url_for(".guest_messages", guest_id=guest_id))
