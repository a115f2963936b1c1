"""Console: what guests asked through their links (name corrections, deputies), decided by an
organizer, and a deputy an organizer names directly."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import labels
from ...forms import DeputyForm, GuestConfirmForm, RequestDeclineForm
from ...i18n import bilingual
from ...models import ChangeRequest, Guest, RequestKind
from ...services import audit, requests
from ...services.requests import approval, deputies, name_changes
from ..auth import organizer_required
from ..use_case import perform
from .common import current_event, flash_form_errors, get_or_404


@organizer_required
def requests_page(event_id: int):
    event = current_event(event_id)
    return render_template(
        "console/requests.html",
        event=event,
        pending=requests.pending(event.id),
        recent=requests.recent(event.id),
        fields=name_changes.FIELDS,
        form=GuestConfirmForm(),
        decline_form=RequestDeclineForm(),
        kind_labels=labels.REQUEST_KIND_LABELS,
        state_labels=labels.REQUEST_STATE_LABELS,
        language_labels=labels.LANGUAGE_LABELS,
        category_labels=labels.CATEGORY_LABELS,
        role_labels=labels.COMPANION_ROLE_LABELS,
    )


@organizer_required
def request_decide(event_id: int, request_id: int, decision: str):
    """Approve or decline one request, at the version the page showed."""
    event = current_event(event_id)
    found = get_or_404(ChangeRequest, request_id)
    if found.event_id != event.id:
        abort(404)
    form = RequestDeclineForm() if decision == "decline" else GuestConfirmForm()
    back = redirect(url_for(".requests_page", event_id=event.id))
    if not form.validate_on_submit():
        flash_form_errors(form)
        return back
    version, actor = form.confirm.number, audit.staff_actor(current_user)
    name = bilingual(found.guest, "name") or found.guest.email
    if isinstance(form, RequestDeclineForm):
        reason = form.reason.data or ""
        perform(
            lambda: requests.decline(request_id, version, actor, reason),
            _("Declined; %(name)s will be told by e-mail.", name=name),
        )
    else:
        done = {
            RequestKind.COMPANION: _("Approved: the accompanying person's badge is ready."),
            RequestKind.DEPUTY: _(
                "Approved: the deputy is a guest now and gets their own link; %(name)s is told "
                "by e-mail.",
                name=name,
            ),
            RequestKind.NAME_CHANGE: _("Approved: the new spelling is on the badge and the lists."),
        }
        perform(lambda: approval.approve(found, version, actor), done[found.kind])
    return back


@organizer_required
def guest_deputy(guest_id: int):
    """An organizer names the deputy of a guest directly: approved as it is made."""
    guest = get_or_404(Guest, guest_id)
    form = DeputyForm()
    if form.validate_on_submit():
        details, actor = form.to_details(), audit.staff_actor(current_user)
        done = perform(
            lambda: deputies.name_directly(guest_id, details, actor),
            _("The deputy is a guest now and gets their own link; the guest is told by e-mail."),
        )
        if done.ok:
            return redirect(url_for(".requests_page", event_id=guest.event_id))
    return render_template(
        "console/guest_deputy.html", event=guest.event, guest=guest, form=form
    ), (400 if form.errors else 200)
