"""Every label of every enum of models.py: the one place their words are written and translated.

Each enum has its screen label in `<ENUM>_LABELS`. Where a place needs another form of the
same meaning, it has a second named map here (`CHANNEL_SHORT` on badges and in tight lists,
`CHANNEL_EXPORT` in spreadsheets), never a dict of its own elsewhere.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .models import (
    AgendaKind,
    Airport,
    ApiRole,
    Category,
    Channel,
    CompanionRole,
    DeliveryStatus,
    Direction,
    DoorNoAnswer,
    EventState,
    HotelChoice,
    Language,
    LetInReason,
    MessageKind,
    MessageStatus,
    PersonRole,
    QuestionKind,
    RequestKind,
    RequestState,
    Role,
    SeatState,
    Verdict,
    WebhookKind,
)

CATEGORY_LABELS = {
    Category.SPEAKER: _l("Speaker"),
    Category.MODERATOR: _l("Moderator"),
    Category.VIP: _l("VIP"),
    Category.DELEGATE: _l("Delegate"),
    Category.PRESS: _l("Press"),
    Category.STAFF: _l("Staff"),
}

# Each language is named in itself, on every page, so that a reader finds their own.
LANGUAGE_LABELS = {Language.EN: "English", Language.ZH_HANT: "中文"}

# What a guest chooses on the RSVP form and reads in the page and the e-mails about it.
CHANNEL_LABELS = {
    Channel.EN: _l("English"),
    Channel.ZH: _l("Chinese (中文)"),
    Channel.JA: _l("Japanese (日本語)"),
    Channel.KO: _l("Korean (한국어)"),
    Channel.ES: _l("Spanish (Español)"),
    Channel.FR: _l("French (Français)"),
    Channel.FLOOR: _l("Floor language, no receiver needed"),
}
# The channel box of the badge and the console's tight lists: big enough to read across a desk.
CHANNEL_SHORT = {
    Channel.EN: "EN",
    Channel.ZH: "中",
    Channel.JA: "日",
    Channel.KO: "한",
    Channel.ES: "ES",
    Channel.FR: "FR",
    Channel.FLOOR: _l("Floor"),
}
# A cell of a spreadsheet or of a list row: the name without the sentence around it.
CHANNEL_EXPORT = {
    Channel.EN: _l("English"),
    Channel.ZH: _l("Chinese (中文)"),
    Channel.JA: _l("Japanese (日本語)"),
    Channel.KO: _l("Korean (한국어)"),
    Channel.ES: _l("Spanish (Español)"),
    Channel.FR: _l("French (Français)"),
    Channel.FLOOR: _l("Floor"),
}

EVENT_STATE_LABELS = {
    EventState.DRAFT: _l("Draft"),
    EventState.OPEN: _l("Open for replies"),
    EventState.CLOSED: _l("Closed"),
    EventState.CANCELLED: _l("Cancelled"),
    EventState.ARCHIVED: _l("Archived"),
}


def receiver_channels() -> dict[str, dict[str, str]]:
    """The door's words for each channel a receiver is handed out for (all but the floor)."""
    return {
        channel.value: {"big": str(CHANNEL_SHORT[channel]), "name": str(CHANNEL_LABELS[channel])}
        for channel in Channel
        if channel != Channel.FLOOR
    }


SEAT_STATE_LABELS = {
    SeatState.CONFIRMED: _l("Confirmed"),
    SeatState.WAITLISTED: _l("Waitlisted"),
}

ROLE_LABELS = {
    Role.ORGANIZER: _l("Organizer"),
    Role.DOOR_LEAD: _l("Door lead (door staff who may let in a refused guest)"),
    Role.DOOR: _l("Door staff"),
}

# Why a door lead let in a guest the door refused: the scanner's list, and the audit log.
LET_IN_REASON_LABELS = {
    LetInReason.PROTOCOL_OFFICE: _l("The protocol office asked"),
    LetInReason.ORGANIZER_APPROVED: _l("An organizer approved"),
    LetInReason.IDENTITY_CHECKED: _l("Badge problem, identity checked"),
    LetInReason.OTHER: _l("Other (say why)"),
}

# As the scanner shows them full-screen; the scan log says them the same way.
VERDICT_LABELS = {
    Verdict.OK: _l("Checked in"),
    Verdict.ALREADY_CHECKED_IN: _l("Already checked in"),
    Verdict.WAITLISTED: _l("On the waitlist"),
    Verdict.DECLINED: _l("Not attending"),
    Verdict.REVOKED: _l("Invitation withdrawn"),
    Verdict.WRONG_EVENT: _l("Badge for another event"),
    Verdict.ROOM_FULL: _l("Room is full"),
    Verdict.NO_ANSWER: _l("No answer yet"),
    Verdict.INVALID: _l("Not a valid badge"),
    Verdict.OTHER_SESSION: _l("Not confirmed for this session"),
}
# An accepted scan in exit mode: not a verdict of its own, but what the door and the log say.
EXIT_RECORDED = _l("Exit recorded")

# The event editor's choice of what the door does with a guest who never answered.
DOOR_NO_ANSWER_LABELS = {
    DoorNoAnswer.DESK: _l("Send them to the desk"),
    DoorNoAnswer.LET_IN: _l("Let them in when a seat is free (recorded as attending)"),
}

DIRECTION_LABELS = {Direction.IN: _l("Entry"), Direction.OUT: _l("Exit")}

AGENDA_KIND_LABELS = {AgendaKind.SESSION: _l("Session"), AgendaKind.BREAK: _l("Break")}

PERSON_ROLE_LABELS = {PersonRole.SPEAKER: _l("Speaker"), PersonRole.MODERATOR: _l("Moderator")}

AIRPORT_LABELS = {
    Airport.KHH: _l("Kaohsiung (KHH)"),
    Airport.TPE: _l("Taoyuan, Taipei (TPE)"),
    Airport.OTHER: _l("Another airport"),
}

HOTEL_CHOICE_LABELS = {
    HotelChoice.BOOKED: _l("A hotel the organizers booked for me"),
    HotelChoice.OWN: _l("My own hotel"),
}

MESSAGE_KIND_LABELS = {
    MessageKind.INVITATION: _l("Invitation e-mail"),
    MessageKind.CONFIRMATION: _l("Seat confirmed"),
    MessageKind.WAITLISTED: _l("Waitlist notice"),
    MessageKind.PROMOTED: _l("Seat from the waitlist"),
    MessageKind.DECLINED: _l("Declined or cancelled"),
    MessageKind.REMINDER_UNANSWERED: _l("Reminder to answer"),
    MessageKind.REMINDER_CONFIRMED: _l("Reminder before the day"),
    MessageKind.DETAILS_CHANGED: _l("Details changed"),
    MessageKind.EVENT_CANCELLED: _l("Event cancelled"),
    MessageKind.DEPUTY_APPROVED: _l("Deputy approved"),
    MessageKind.REQUEST_DECLINED: _l("Request declined"),
    MessageKind.TRAVEL_REMINDER: _l("Reminder to give travel details"),
}

MESSAGE_STATUS_LABELS = {
    MessageStatus.QUEUED: _l("Queued"),
    MessageStatus.SENDING: _l("Sending"),
    MessageStatus.SENT: _l("Sent"),
    MessageStatus.FAILED: _l("Failed"),
    MessageStatus.CANCELLED: _l("Cancelled"),
}

WEBHOOK_KIND_LABELS = {
    WebhookKind.ANSWER: _l("Answer given or changed"),
    WebhookKind.SEAT_CONFIRMED: _l("Seat confirmed"),
    WebhookKind.SEAT_PROMOTED: _l("Seat from the waitlist"),
    WebhookKind.SEAT_WAITLISTED: _l("Put on the waitlist"),
    WebhookKind.CHECKED_IN: _l("Guest checked in"),
    WebhookKind.MESSAGE_FAILED: _l("E-mail failed"),
}

DELIVERY_STATUS_LABELS = {
    DeliveryStatus.PENDING: _l("Waiting"),
    DeliveryStatus.SENDING: _l("Sending"),
    DeliveryStatus.SENT: _l("Delivered"),
    DeliveryStatus.FAILED: _l("Failed"),
}

API_ROLE_LABELS = {
    ApiRole.READ: _l("Read only"),
    ApiRole.DOOR: _l("Door"),
    ApiRole.ORGANIZER: _l("Organizer"),
}

REQUEST_KIND_LABELS = {
    RequestKind.NAME_CHANGE: _l("Name or organization correction"),
    RequestKind.DEPUTY: _l("Deputy"),
    RequestKind.COMPANION: _l("Accompanying person"),
}

REQUEST_STATE_LABELS = {
    RequestState.PENDING: _l("Awaiting a decision"),
    RequestState.APPROVED: _l("Approved"),
    RequestState.DECLINED: _l("Declined"),
    RequestState.SUPERSEDED: _l("Replaced by a newer request"),
}

COMPANION_ROLE_LABELS = {
    CompanionRole.AIDE: _l("Aide"),
    CompanionRole.INTERPRETER: _l("Interpreter"),
    CompanionRole.SECURITY: _l("Security"),
    CompanionRole.OTHER: _l("Other"),
}

QUESTION_KIND_LABELS = {
    QuestionKind.SHORT_TEXT: _l("Short text"),
    QuestionKind.LONG_TEXT: _l("Long text"),
    QuestionKind.ONE_CHOICE: _l("One choice"),
    QuestionKind.SEVERAL_CHOICES: _l("Several choices"),
    QuestionKind.YES_NO: _l("Yes or no"),
    QuestionKind.NUMBER: _l("Number"),
    QuestionKind.DATE: _l("Date"),
}
