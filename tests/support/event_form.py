"""The event editor's form as a browser would post it back."""

from __future__ import annotations

from registrar.extensions import db
from registrar.models import Event
from registrar.web.console.event_form import form_values


def edit_form(event: Event, **typed) -> dict:
    """The editor's form as its page fills it in for the event, with these fields typed."""
    db.session.refresh(event)
    posted: dict = {}
    for name, value in vars(form_values(event)).items():
        if isinstance(value, bool):
            # A ticked box is posted, an unticked one is not.
            if value:
                posted[name] = "y"
        elif value is None:
            posted[name] = ""
        elif name in ("channels", "no_deputies", "travel_categories"):
            posted[name] = value
        elif hasattr(value, "strftime") and not hasattr(value, "year"):
            posted[name] = value.strftime("%H:%M")
        else:
            posted[name] = str(value)
    return {**posted, **typed}
