"""Every URL of the organizer console, on one screen, grouped by what the organizer is doing.

Every view is behind the blueprint's gate (web/access.py `console_gate`): signed in, and an
organizer of the event the URL names (by `event_id`, or a guest, message or door link of it).
tests/test_console_access.py walks the URL map to make sure no route escapes it.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, current_app
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import RequestEntityTooLarge

from ..access import console_gate
from . import (
    api_tokens,
    audit_log,
    companions,
    dashboard,
    door_links,
    event_cancel,
    events,
    exports,
    guest_actions,
    guests,
    holds,
    imports,
    mail_preview,
    messages,
    overview,
    programme,
    questions,
    requests,
    seating,
    team,
    travel,
    visa_letters,
    waitlist,
    webhooks,
)

bp = Blueprint("console", __name__, url_prefix="/console")
bp.before_request(console_gate)

# The console's navigation, in order: (endpoint, label). templates/console/_layout.html shows the
# ones whose endpoint exists, each for the event on screen.
NAV = [
    ("console.dashboard", _l("Dashboard")),
    ("console.event_edit", _l("Event")),
    ("console.programme", _l("Programme")),
    ("console.questions", _l("Questions")),
    ("console.guests", _l("Guest list")),
    ("console.import_upload", _l("Import")),
    ("console.waitlist", _l("Waitlist")),
    ("console.requests_page", _l("Requests")),
    ("console.seating_page", _l("Seating plan")),
    ("console.travel_page", _l("Travel")),
    ("console.mail_page", _l("E-mail")),
    ("console.exports", _l("Exports")),
    ("console.audit_log", _l("Audit log")),
    ("console.door_links", _l("Door links")),
    ("console.webhooks_page", _l("Webhooks")),
    ("console.event_team", _l("Team")),
    ("door.scanner", _l("Scanner")),
    ("protocol.arrival_desk", _l("Arrival desk")),
]


@bp.app_context_processor
def _console_nav():
    views = current_app.view_functions
    return {"console_nav": [(endpoint, label) for endpoint, label in NAV if endpoint in views]}


def get(rule: str, view: Callable, endpoint: str | None = None) -> None:
    bp.add_url_rule(rule, endpoint, view, methods=["GET"])


def post(rule: str, view: Callable, endpoint: str | None = None) -> None:
    bp.add_url_rule(rule, endpoint, view, methods=["POST"])


def page_with_form(rule: str, view: Callable, endpoint: str | None = None) -> None:
    bp.add_url_rule(rule, endpoint, view, methods=["GET", "POST"])


EVENT = "/events/<int:event_id>"
GUEST = "/guests/<int:guest_id>"
DOWNLOAD = "<any(guests, checkins, waitlist):kind>.<any(csv, xlsx):fmt>"

# -- every event: the list, a new one, editing, copying, opening and closing ------------------
get("/", events.index)
get("/events", events.events_page, endpoint="events")
page_with_form("/events/new", events.event_new)
page_with_form(f"{EVENT}/edit", events.event_edit)
post(f"{EVENT}/copy", events.event_copy)
post(f"{EVENT}/state", events.event_state)
page_with_form(f"{EVENT}/cancel", event_cancel.event_cancel)
bp.before_request(events.refuse_changes_to_archived)

# -- the event: overview, seats, badges ------------------------------------------------------
get(EVENT, overview.event)
get(f"{EVENT}/dashboard", dashboard.dashboard)
post(f"{EVENT}/capacity", overview.capacity)
get(f"{EVENT}/badges.pdf", overview.badge_sheet)

# -- the guest list and each guest ------------------------------------------------------------
get(f"{EVENT}/guests", guests.guests)
page_with_form(f"{EVENT}/guests/new", guests.guest_new)
page_with_form(f"{GUEST}/edit", guests.guest_edit)
page_with_form(f"{GUEST}/answer", guests.guest_answer)
# Each action that cannot be undone with a click is a page saying what it does to this guest;
# its button posts back to it.
page_with_form(f"{GUEST}/erase", guest_actions.guest_erase)
CONFIRMED_ACTION = '<any(revoke, reinstate, rotate, "reissue-badge"):action>'
page_with_form(f"{GUEST}/{CONFIRMED_ACTION}", guest_actions.guest_action)
get(f"{GUEST}/link", guest_actions.guest_link)
post(f"{GUEST}/link/send", guest_actions.guest_send_link)
get(f"{GUEST}/badge.pdf", overview.guest_badge)

# -- what guests ask through their links: name corrections and deputies ----------------------
get(f"{EVENT}/requests", requests.requests_page)
post(f"{EVENT}/requests/<int:request_id>/<any(approve, decline):decision>", requests.request_decide)
page_with_form(f"{GUEST}/deputy", requests.guest_deputy)

# -- a guest's accompanying persons ------------------------------------------------------------
page_with_form(f"{GUEST}/companions", companions.guest_companions)
post(f"{GUEST}/companion/edit", companions.companion_edit)
post(f"{GUEST}/companion/remove", companions.companion_remove)

# -- importing a guest list --------------------------------------------------------------------
page_with_form(f"{EVENT}/import", imports.import_upload)
get(f"{EVENT}/import/template.csv", imports.import_template)
get(f"{EVENT}/import/<upload_id>", imports.import_preview)
get(f"{EVENT}/import/<upload_id>/errors.csv", imports.import_errors)
post(f"{EVENT}/import/apply", imports.import_apply)
bp.register_error_handler(RequestEntityTooLarge, imports.too_large)

# -- the waitlist ------------------------------------------------------------------------------
get(f"{EVENT}/waitlist", waitlist.waitlist)
post(f"{EVENT}/waitlist/capacity", waitlist.waitlist_capacity)
post(f"{GUEST}/promote", waitlist.waitlist_promote)
post(f"{GUEST}/move", waitlist.waitlist_move)

# -- seats held for categories and named guests ------------------------------------------------
get(f"{EVENT}/holds", holds.holds)
post(f"{EVENT}/holds/categories", holds.holds_categories)
post(f"{EVENT}/holds/guests", holds.holds_guest)
post(f"{GUEST}/hold/release", holds.holds_guest_release)

# -- the seating plan: its rows, reserved seats given to guests, the printed plan -------------
get(f"{EVENT}/seating", seating.seating_page)
post(f"{EVENT}/seating/rows", seating.seating_rows)
post(f"{EVENT}/seating/assign", seating.seating_assign)
post(f"{EVENT}/seating/free", seating.seating_free)
post(f"{EVENT}/seating/fill", seating.seating_fill)
get(f"{EVENT}/seating-plan.pdf", seating.seating_plan_pdf)

# -- e-mail: invitations, reminders, each guest's messages -------------------------------------
get(f"{EVENT}/mail", messages.mail_page)
post(f"{EVENT}/mail/invitations", messages.mail_invitations)
post(f"{EVENT}/mail/reminders/unanswered", messages.mail_remind_unanswered)
post(f"{EVENT}/mail/reminders/confirmed", messages.mail_remind_confirmed)
get(f"{EVENT}/mail/preview", mail_preview.mail_preview)
get(f"{EVENT}/mail/preview/<any(en, zh_Hant):language>.html", mail_preview.mail_preview_html)
post(f"{EVENT}/mail/test", mail_preview.mail_send_test)
post(f"{EVENT}/mail/intro", mail_preview.mail_intro)
get(f"{GUEST}/messages", messages.guest_messages)
post(f"{GUEST}/messages/invitation", messages.guest_send_invitation)
post("/messages/<int:message_id>/resend", messages.resend_message)

# -- downloads and the record ------------------------------------------------------------------
get(f"{EVENT}/exports", exports.exports_page, endpoint="exports")
get(f"{EVENT}/exports/{DOWNLOAD}", exports.export_download)
get(f"{EVENT}/door-list.pdf", exports.door_list_download)
post(f"{EVENT}/place-cards.pdf", exports.place_cards_download)
get(f"{EVENT}/audit", audit_log.audit_log)

# -- the programme: sessions and breaks, their speakers and moderators -------------------------
PROGRAMME = f"{EVENT}/programme"
ITEM = f"{PROGRAMME}/<int:item_id>"
PERSON = f"{ITEM}/people/<int:person_id>"
get(PROGRAMME, programme.programme)
post(f"{PROGRAMME}/notice/tell", programme.programme_tell)
post(f"{PROGRAMME}/notice/keep", programme.programme_keep)
page_with_form(f"{PROGRAMME}/new", programme.item_new)
page_with_form(f"{ITEM}/edit", programme.item_edit)
post(f"{ITEM}/delete", programme.item_delete)
post(f"{ITEM}/move", programme.item_move)
page_with_form(f"{ITEM}/people/new", programme.person_new)
page_with_form(f"{PERSON}/edit", programme.person_edit)
post(f"{PERSON}/delete", programme.person_delete)
post(f"{PERSON}/move", programme.person_move)

# -- the event's own questions on the RSVP form ---------------------------------------------------
QUESTIONS = f"{EVENT}/questions"
QUESTION = f"{QUESTIONS}/<int:question_id>"
get(QUESTIONS, questions.questions)
page_with_form(f"{QUESTIONS}/new", questions.question_new)
page_with_form(f"{QUESTION}/edit", questions.question_edit)
post(f"{QUESTION}/delete", questions.question_delete)
post(f"{QUESTION}/move", questions.question_move)

# -- the door: volunteers' links to the scanner ------------------------------------------------
page_with_form(f"{EVENT}/door-links", door_links.door_links)
post("/door-links/<int:link_id>/revoke", door_links.revoke_door_link)

# -- the organizer API: webhooks and their deliveries ------------------------------------------
WEBHOOKS = f"{EVENT}/webhooks"
page_with_form(WEBHOOKS, webhooks.webhooks_page)
post(f"{WEBHOOKS}/<int:webhook_id>/<any(disable, enable):action>", webhooks.webhook_active)
page_with_form(f"{WEBHOOKS}/<int:webhook_id>/edit", webhooks.webhook_edit)
page_with_form(f"{WEBHOOKS}/<int:webhook_id>/delete", webhooks.webhook_delete)
post(f"{WEBHOOKS}/deliveries/<int:delivery_id>/replay", webhooks.delivery_replay)

# -- the team: an event's organizers and door staff; every account for administrators ---------
TEAM = f"{EVENT}/team"
page_with_form(TEAM, team.event_team)
post(f"{TEAM}/<int:staff_id>/role", team.member_role)
post(f"{TEAM}/<int:staff_id>/remove", team.member_remove)
post(f"{TEAM}/<int:staff_id>/<any(disable, enable):action>", team.member_active)
post(f"{TEAM}/<int:staff_id>/link", team.member_link)
get("/team", team.accounts)

# -- API tokens: the account's own, for programs (web/api) ------------------------------------
page_with_form("/api-tokens", api_tokens.api_tokens_page)
page_with_form("/api-tokens/<int:token_id>/revoke", api_tokens.api_token_revoke)
get("/api-reference", api_tokens.api_reference)
post("/team/<int:staff_id>/<any(disable, enable):action>", team.account_active)

# -- travel for guests from abroad: arrivals, pickups, hotels, reminders -----------------------
get(f"{EVENT}/travel", travel.travel_page)
post(f"{EVENT}/travel/pickup", travel.travel_pickup)
post(f"{EVENT}/travel/hotels", travel.travel_hotels)
post(f"{EVENT}/travel/reminders", travel.travel_remind)
get(f"{EVENT}/pickups.pdf", travel.pickups_pdf)
get(f"{EVENT}/arrivals.csv", travel.arrivals_csv)
# -- a guest's visa invitation letter: the passport details, issuing, the PDF -----------------
page_with_form(f"{GUEST}/visa-letter", visa_letters.guest_visa_letter)
get(f"{GUEST}/visa-letter.pdf", visa_letters.guest_visa_letter_pdf)
