"""Console: the guest actions that need a confirmation (revoke, reinstate, a new link, a new
badge, erasing), each a page that says what will happen to this guest, with Cancel; and the
page after a new link, which offers to e-mail it.

The button posts back to its page with the version of the link (or badge) it was shown with:
services/guests/actions.py refuses a post whose version is no longer the guest's, so a second
press, an old tab or a post without the confirmation changes nothing, and the page says so.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from ...errors import GuestErased
from ...forms import GuestActionForm, GuestConfirmForm
from ...i18n import bilingual
from ...labels import LANGUAGE_LABELS, MESSAGE_KIND_LABELS
from ...mail import campaigns
from ...models import Guest
from ...services import audit, invitations
from ...services import guests as guest_list
from ...services.guests.actions import (
    GuestAction,
    Standing,
    carry_out,
    erase_confirmed,
    link_offer,
    stamp,
    standing,
)
from ..auth import organizer_required
from ..use_case import perform
from .common import flash_form_errors, get_or_404, guest_list_back


def _name(guest: Guest) -> str:
    return bilingual(guest, "name") or guest.email


def _back(guest: Guest) -> str:
    """The guest list as the organizer left it (or the whole list), at the guest's row."""
    listed = guest_list_back(guest.event_id) or url_for(".guests", event_id=guest.event_id)
    return f"{listed}#guest-{guest.id}"


# -- what each action does to this guest, in words ----------------------------------------------


def _seat_words(s: Standing, name: str) -> list[str]:
    """What happens to the guest's seat when the invitation goes (revoked or erased)."""
    if s.state == guest_list.GuestState.CONFIRMED:
        if s.next_in_line is not None:
            return [
                _(
                    "%(name)s holds a confirmed seat. It is freed and goes to %(next)s, first on "
                    "the waitlist, who is told by e-mail.",
                    name=name,
                    next=_name(s.next_in_line),
                )
            ]
        return [
            _(
                "%(name)s holds a confirmed seat. It is freed; nobody is on the waitlist, so it "
                "stays free for the next guest who answers yes.",
                name=name,
            )
        ]
    if s.state == guest_list.GuestState.WAITLISTED:
        return [
            _(
                "%(name)s is number %(n)s on the waitlist and loses that place.",
                name=name,
                n=s.waitlist_position,
            )
        ]
    return []


def _revoke_words(s: Standing, name: str) -> list[str]:
    words = _seat_words(s, name)
    if s.has_badge:
        words.append(
            _(
                "The badge of %(name)s stops working at the door, printed copies included.",
                name=name,
            )
        )
    if s.checked_in:
        words.append(_("%(name)s is already checked in; the door's record of it stays.", name=name))
    words.append(
        _(
            "The invitation link of %(name)s stops working: the invitation page, the answer "
            "and the calendar entry can no longer be opened.",
            name=name,
        )
    )
    if s.queued_messages:
        words.append(
            _(
                "Messages to %(name)s that have not gone out yet (%(n)s) are dropped.",
                name=name,
                n=s.queued_messages,
            )
        )
    words.append(
        _(
            "Reinstating later gives a new link, but %(name)s has to answer again and gets a "
            "seat only if one is free then.",
            name=name,
        )
    )
    return words


def _rotate_words(s: Standing, name: str) -> list[str]:
    if s.sent_at is not None:
        dead = _(
            "The current link of %(name)s stops working at once, including the one in the "
            "invitation e-mailed on %(when)s.",
            name=name,
            when=format_datetime(s.sent_at, "medium"),
        )
    else:
        dead = _("The current link of %(name)s stops working at once.", name=name)
    words = [dead]
    if s.state in (guest_list.GuestState.CONFIRMED, guest_list.GuestState.WAITLISTED):
        words.append(
            _("The answer and the seat of %(name)s stay as they are.", name=name)
            if s.has_badge
            else _("The answer and the place on the waitlist of %(name)s stay.", name=name)
        )
    if s.has_badge:
        words.append(_("The badge keeps working; only the link changes."))
    words.append(_("On the next page you can e-mail the new link to %(name)s.", name=name))
    return words


def _reinstate_words(s: Standing, name: str) -> list[str]:
    return [
        _("%(name)s gets a new link; the earlier links stay dead.", name=name),
        _(
            "%(name)s answers again from the start and gets a seat only if one is free then; "
            "otherwise the waitlist.",
            name=name,
        ),
        _("Badges printed before the revocation stay invalid."),
        _("On the next page you can e-mail the new link to %(name)s.", name=name),
    ]


def _badge_words(s: Standing, name: str) -> list[str]:
    return [
        _(
            "The current badge of %(name)s stops working at the door: printed copies and the "
            "one on the invitation page.",
            name=name,
        ),
        _(
            "Print the new badge from the guest list, or %(name)s shows it from the invitation "
            "page. The seat and the link stay as they are.",
            name=name,
        ),
    ]


def _erase_words(s: Standing, name: str) -> list[str]:
    words = [
        _("Do this when the guest asks for their data to be deleted. It cannot be undone."),
        _(
            "The names, e-mail address, organization and job title are removed, and so are the "
            "dietary and access needs and the note."
        ),
        _(
            "The addresses of the messages to the guest are removed, and the guest's details in "
            "the audit log and in the door's records."
        ),
    ]
    words += _seat_words(s, name)
    if not s.guest.is_revoked:
        words.append(_("The invitation is revoked: the guest's links and badge stop working."))
    words.append(
        _(
            "An anonymous entry stays, with the category and the channel, so that the counts "
            "stay right."
        )
    )
    return words


_WORDS = {
    GuestAction.REVOKE: _revoke_words,
    GuestAction.ROTATE: _rotate_words,
    GuestAction.REINSTATE: _reinstate_words,
    GuestAction.REISSUE_BADGE: _badge_words,
    GuestAction.ERASE: _erase_words,
}


def _titles(action: GuestAction, name: str) -> tuple[str, str]:
    """The page's question and its button."""
    if action == GuestAction.REVOKE:
        return _("Revoke the invitation of %(name)s?", name=name), _("Revoke the invitation")
    if action == GuestAction.ROTATE:
        return _("Give %(name)s a new link?", name=name), _("Issue a new link")
    if action == GuestAction.REINSTATE:
        return _("Reinstate the invitation of %(name)s?", name=name), _("Reinstate")
    if action == GuestAction.REISSUE_BADGE:
        return _("Issue a new badge for %(name)s?", name=name), _("Issue a new badge")
    return _("Erase the personal data of %(name)s?", name=name), _("Erase the personal data")


def _unavailable(action: GuestAction, guest: Guest, s: Standing) -> str | None:
    """Why the action cannot be taken on the guest as they stand; None when it can."""
    if action == GuestAction.REVOKE and guest.is_revoked:
        return _("The invitation is already revoked.")
    if action == GuestAction.REINSTATE and not guest.is_revoked:
        return _("The invitation is not revoked.")
    if action == GuestAction.ROTATE and guest.is_revoked:
        return _("The invitation is revoked; reinstate it to give the guest a new link.")
    if action == GuestAction.REISSUE_BADGE and not s.has_badge:
        return _("There is no badge to replace: badges are for guests with a confirmed seat.")
    return None


def _confirm_page(guest: Guest, action: GuestAction, form: GuestConfirmForm, status: int = 200):
    name = _name(guest)
    s = standing(guest, action)
    question, button = _titles(action, name)
    return render_template(
        "console/guest_confirm.html",
        guest=guest,
        event=guest.event,
        action=action,
        standing=s,
        question=question,
        button=button,
        consequences=_WORDS[action](s, name),
        unavailable=_unavailable(action, guest, s),
        form=form,
        back=_back(guest),
        state_labels=guest_list.STATE_LABELS,
    ), status


_DONE = {
    GuestAction.REVOKE: lambda: _("Invitation revoked; its link no longer works."),
    GuestAction.REINSTATE: lambda: _("Invitation reinstated with a new link."),
    GuestAction.ROTATE: lambda: _("New link issued; earlier links no longer work."),
    GuestAction.REISSUE_BADGE: lambda: _(
        "New badge issued; the earlier one no longer works at the door."
    ),
    GuestAction.ERASE: lambda: _("The guest's personal data is erased."),
}


@organizer_required
def guest_action(guest_id: int, action: str):
    """The confirmation page of revoke, reinstate, rotate or reissue-badge, and its post."""
    return _confirmed(guest_id, GuestAction(action))


@organizer_required
def guest_erase(guest_id: int):
    return _confirmed(guest_id, GuestAction.ERASE)


def _confirmed(guest_id: int, action: GuestAction):
    guest = get_or_404(Guest, guest_id)
    if guest.is_erased:
        raise guest_list.AlreadyErased() if action == GuestAction.ERASE else GuestErased()
    if request.method == "GET":
        return _confirm_page(guest, action, _fresh(guest, action))
    form = GuestConfirmForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _confirm_page(guest, action, _fresh(guest, action), 400)
    actor = audit.staff_actor(current_user)
    seen = form.confirm.number
    if action == GuestAction.ERASE:
        done = perform(lambda: erase_confirmed(guest_id, seen, actor))
    else:
        done = perform(lambda: carry_out(guest_id, action, seen, actor))
    guest = get_or_404(Guest, guest_id)
    if not done.ok:
        return _confirm_page(guest, action, _fresh(guest, action), done.error.status)
    flash(_DONE[action](), "success")
    for promoted in done.result.promoted:
        flash(
            _(
                "%(name)s, first on the waitlist, got the freed seat and is told by e-mail.",
                name=_name(promoted),
            ),
            "success",
        )
    if action in (GuestAction.ROTATE, GuestAction.REINSTATE):
        return redirect(url_for(".guest_link", guest_id=guest_id, back=request.args.get("back")))
    return redirect(_back(guest))


def _fresh(guest: Guest, action: GuestAction) -> GuestConfirmForm:
    """The form as the page shows it now: the guest's current version, nothing posted."""
    form = GuestConfirmForm(formdata=None)
    form.confirm.data = stamp(guest, action)
    return form


# -- the link after a new one: shown, and offered by e-mail --------------------------------------


@organizer_required
def guest_link(guest_id: int):
    guest = get_or_404(Guest, guest_id)
    if guest.is_erased:
        raise GuestErased()
    return render_template(
        "console/guest_link.html",
        guest=guest,
        event=guest.event,
        link=None if guest.is_revoked else invitations.invitation_url(guest),
        offer=link_offer(guest),
        message=MESSAGE_KIND_LABELS[link_offer(guest).kind],
        language=LANGUAGE_LABELS[guest.language],
        form=GuestActionForm(),
        back=_back(guest),
        name=_name(guest),
    )


@organizer_required
def guest_send_link(guest_id: int):
    """Queue the message that carries the current link to the guest, in their language: the
    invitation, or to a guest who has answered the message about their answer."""
    guest = get_or_404(Guest, guest_id)
    if GuestActionForm().validate_on_submit():
        actor = audit.staff_actor(current_user)
        done = perform(lambda: campaigns.send_link(guest, actor))
        if done.ok:
            if done.result is not None:
                flash(
                    _(
                        "A message with the new link to %(name)s is queued (%(message)s), in "
                        "%(language)s. It goes out with the next run of the mail sender.",
                        message=MESSAGE_KIND_LABELS[done.result.kind],
                        name=_name(guest),
                        language=LANGUAGE_LABELS[guest.language],
                    ),
                    "success",
                )
            else:
                flash(
                    _(
                        "Nothing was queued: a message to %(name)s (%(message)s) is already "
                        "waiting to go out, and it carries the new link.",
                        message=MESSAGE_KIND_LABELS[link_offer(guest).kind],
                        name=_name(guest),
                    )
                )
    return redirect(url_for(".guest_link", guest_id=guest_id, back=request.args.get("back")))
