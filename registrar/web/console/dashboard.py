"""Console: the dashboard, one screen of counts for the event, each a way into the guest list."""

from __future__ import annotations

from flask import current_app, g, render_template, url_for

from ...labels import CATEGORY_LABELS, CHANNEL_SHORT
from ...models import Channel, Event
from ...services import checkin, rsvp
from ...services.dashboard import NEEDS_LIMIT, summary
from ..auth import organizer_required
from .common import current_event


def _guest_list_link(event_id: int):
    """A function giving the guest list's URL for a filter, or None while there is no list."""
    if "console.guests" not in current_app.view_functions:
        return lambda **_filters: None
    return lambda **filters: url_for("console.guests", event_id=event_id, **filters)


@organizer_required
def dashboard(event_id: int):
    event = current_event(event_id)
    g.timezone = event.timezone
    return render_template(
        "console/dashboard.html",
        event=event,
        board=summary(event),
        guests_link=_guest_list_link(event.id),
        channel_short=CHANNEL_SHORT,
        category_labels=CATEGORY_LABELS,
        needs_limit=NEEDS_LIMIT,
        is_open=rsvp.is_open(event),
        **_session_receivers(event),
    )


def _session_receivers(event: Event) -> dict[str, object]:
    """The receivers per session table (templates/console/_session_receivers.html): only for an
    event whose guests choose sessions."""
    return {"session_receivers": checkin.receivers_by_session(event), "channels": Channel}
