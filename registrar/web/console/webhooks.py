"""Console: an event's webhooks (add, change, disable, delete), their deliveries, replay."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...errors import NotFound
from ...extensions import db
from ...forms import GuestActionForm, WebhookForm
from ...labels import DELIVERY_STATUS_LABELS, WEBHOOK_KIND_LABELS
from ...models import Webhook
from ...services import audit, webhooks
from ..auth import organizer_required
from ..use_case import perform
from .common import current_event


@organizer_required
def webhooks_page(event_id: int):
    event = current_event(event_id)
    form = WebhookForm()
    if form.validate_on_submit():
        actor = audit.staff_actor(current_user)
        url, kinds = form.url.data or "", form.kinds.data or []
        done = perform(lambda: webhooks.register(event_id, url, kinds, actor))
        if done.ok:
            flash(
                _("Webhook added. Copy its secret into the receiver to check the signatures."),
                "success",
            )
            return redirect(url_for("console.webhooks_page", event_id=event_id))
        form.url.errors = [str(done.error)]
    hooks = webhooks.webhooks_of(event_id)
    return render_template(
        "console/webhooks.html",
        event=event,
        form=form,
        action_form=GuestActionForm(),
        hooks=hooks,
        urls={hook.id: hook.url for hook in hooks},
        deliveries=webhooks.recent_deliveries(event_id),
        kind_labels={kind.value: label for kind, label in WEBHOOK_KIND_LABELS.items()},
        status_labels=DELIVERY_STATUS_LABELS,
    )


def _webhook(event_id: int, webhook_id: int) -> Webhook:
    hook = db.session.get(Webhook, webhook_id)
    if hook is None or hook.event_id != event_id:
        raise NotFound()
    return hook


@organizer_required
def webhook_active(event_id: int, webhook_id: int, action: str):
    _webhook(event_id, webhook_id)
    if GuestActionForm().validate_on_submit():
        active = action == "enable"
        actor = audit.staff_actor(current_user)
        perform(
            lambda: webhooks.set_active(event_id, webhook_id, active, actor),
            _("Webhook enabled.") if active else _("Webhook disabled: it is told nothing more."),
        )
    return redirect(url_for("console.webhooks_page", event_id=event_id))


@organizer_required
def webhook_edit(event_id: int, webhook_id: int):
    """Change a webhook's URL and the kinds it is told of; its secret and deliveries stay."""
    event = current_event(event_id)
    hook = _webhook(event_id, webhook_id)
    form = WebhookForm()
    if not form.is_submitted():
        form.url.data, form.kinds.data = hook.url, [kind.value for kind in hook.kind_list]
    elif form.validate():
        actor = audit.staff_actor(current_user)
        url, kinds = form.url.data or "", form.kinds.data or []
        done = perform(
            lambda: webhooks.update(event_id, webhook_id, url, kinds, actor),
            _("Webhook changed: what is queued already goes to the new URL."),
        )
        if done.ok:
            return redirect(url_for("console.webhooks_page", event_id=event_id))
        form.url.errors = [str(done.error)]
    return render_template("console/webhook_edit.html", event=event, hook=hook, form=form)


@organizer_required
def webhook_delete(event_id: int, webhook_id: int):
    """A page that asks first; its button deletes the webhook with its deliveries."""
    event = current_event(event_id)
    hook = _webhook(event_id, webhook_id)
    form = GuestActionForm()
    if form.validate_on_submit():
        actor = audit.staff_actor(current_user)
        done = perform(
            lambda: webhooks.delete(event_id, webhook_id, actor),
            _("Webhook deleted with its deliveries."),
        )
        if done.ok:
            return redirect(url_for("console.webhooks_page", event_id=event_id))
    return render_template("console/webhook_delete.html", event=event, hook=hook, form=form)


@organizer_required
def delivery_replay(event_id: int, delivery_id: int):
    if GuestActionForm().validate_on_submit():
        actor = audit.staff_actor(current_user)
        perform(
            lambda: webhooks.replay(event_id, delivery_id, actor),
            _("The delivery will be sent again in a moment."),
        )
    return redirect(url_for("console.webhooks_page", event_id=event_id))
