"""The tables and the closed lists of states they hold."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from . import guest_tally, search_index, seat_tally
from .extensions import Base, db
from .search_keys import guest_search_key

if TYPE_CHECKING:
    # db.Model is made at run time (Base with Flask-SQLAlchemy's mixins), so a type checker
    # sees only a variable; Base declares the same typed mapping.
    Model = Base
else:
    Model = db.Model


def utcnow() -> datetime:
    return datetime.now(UTC)


def column_length(model: type[Model], name: str) -> int:
    """The size of a text column: the longest value a form or an import may give it."""
    length = cast(sa.String, model.__table__.c[name].type).length
    assert length is not None, f"{model.__tablename__}.{name} is a text column with a size"
    return length


# An erased guest keeps its row under an address in this reserved domain (RFC 2606), which the
# e-mail validator refuses, so no real guest is ever taken for an erased one.
ERASED_DOMAIN = "erased.invalid"
# A walk-in who gave no e-mail address gets one in this reserved domain: no mail is sent to it.
NO_ADDRESS_DOMAIN = "walk-in.invalid"


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as UTC, read back aware on every database (SQLite keeps no zone)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def _enum(cls: type[enum.Enum]) -> sa.Enum:
    return sa.Enum(
        cls,
        native_enum=False,
        length=24,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Category(enum.StrEnum):
    SPEAKER = "speaker"
    MODERATOR = "moderator"
    VIP = "vip"
    DELEGATE = "delegate"
    PRESS = "press"
    STAFF = "staff"


class Language(enum.StrEnum):
    EN = "en"
    ZH_HANT = "zh_Hant"


class Channel(enum.StrEnum):
    """The interpretation channel a guest listens on; floor needs no receiver.

    Stored as its code in a plain string column (no CHECK constraint), so a member added here
    needs no migration; an event offers the ones in its `channels`.
    """

    EN = "en"
    ZH = "zh"
    JA = "ja"
    KO = "ko"
    ES = "es"
    FR = "fr"
    FLOOR = "floor"


class EventState(enum.StrEnum):
    """Where an event is in its life: draft -> open (taking answers) -> closed -> archived.

    Cancelled (services/notices.py) is a way out of draft, open or closed: guests were told,
    nobody answers any more, and the event can only be archived. Stored as a string with no
    CHECK constraint, so a member added here needs no migration.
    """

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    ARCHIVED = "archived"


class SeatState(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"


class Role(enum.StrEnum):
    """An account's role for one event. Stored as a string with no CHECK constraint, so a
    member added here needs no migration."""

    ORGANIZER = "organizer"
    # Door staff who may also let in a guest the door refused (services/checkin/let_in.py).
    DOOR_LEAD = "door_lead"
    DOOR = "door"


class Verdict(enum.StrEnum):
    """What the door says to one scan. The closed list of DESIGN.md."""

    OK = "ok"
    ALREADY_CHECKED_IN = "already_checked_in"
    WAITLISTED = "waitlisted"
    DECLINED = "declined"
    REVOKED = "revoked"
    WRONG_EVENT = "wrong_event"
    ROOM_FULL = "room_full"
    # Invited, never answered: never told as "declined"; the event's door_no_answer says
    # whether the door may let them in.
    NO_ANSWER = "no_answer"
    INVALID = "invalid"
    # An event whose guests choose sessions: confirmed, but not for the session under way (or
    # waitlisted in it); the door says which sessions the guest is confirmed for.
    OTHER_SESSION = "other_session"


class DoorNoAnswer(enum.StrEnum):
    """What the door may do with an invited guest who never answered (Verdict.NO_ANSWER).

    Stored as a string with no CHECK constraint, so a member added here needs no migration.
    """

    # Send them to the desk: an organizer decides.
    DESK = "desk"
    # Let them in when a seat is free: their answer is recorded as given at the door.
    LET_IN = "let_in"


class LetInReason(enum.StrEnum):
    """Why a door lead let in a guest the door refused (kept in the audit entry)."""

    PROTOCOL_OFFICE = "protocol_office"
    ORGANIZER_APPROVED = "organizer_approved"
    IDENTITY_CHECKED = "identity_checked"
    # Said in words of the lead's own.
    OTHER = "other"


class RequestKind(enum.StrEnum):
    """What a guest asks through their link that an organizer decides (services/requests/)."""

    # A correction of the guest's own name (either script) or organization.
    NAME_CHANGE = "name_change"
    # Someone to come in the guest's place.
    DEPUTY = "deputy"
    # An accompanying person the guest names (services/companions.py).
    COMPANION = "companion"


class RequestState(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    # Replaced by a newer request of the same guest before anyone decided it.
    SUPERSEDED = "superseded"


class CompanionRole(enum.StrEnum):
    """What an accompanying person does for the guest they come with (services/companions.py).

    Stored as a string with no CHECK constraint, so a member added here needs no migration.
    """

    AIDE = "aide"
    INTERPRETER = "interpreter"
    SECURITY = "security"
    OTHER = "other"


class Direction(enum.StrEnum):
    IN = "in"
    OUT = "out"


class AgendaKind(enum.StrEnum):
    SESSION = "session"
    BREAK = "break"


class PersonRole(enum.StrEnum):
    SPEAKER = "speaker"
    MODERATOR = "moderator"


class Event(Model):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # What the top bar of the guest pages says, e.g. "CityCOP".
    short_name: Mapped[str] = mapped_column(sa.String(60), default="")
    title_en: Mapped[str] = mapped_column(sa.String(300))
    title_zh: Mapped[str] = mapped_column(sa.String(300))
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    description_zh: Mapped[str] = mapped_column(sa.Text, default="")
    venue_en: Mapped[str] = mapped_column(sa.String(300))
    venue_zh: Mapped[str] = mapped_column(sa.String(300))
    room_en: Mapped[str] = mapped_column(sa.String(200))
    room_zh: Mapped[str] = mapped_column(sa.String(200))
    organizers_en: Mapped[str] = mapped_column(sa.String(500), default="")
    organizers_zh: Mapped[str] = mapped_column(sa.String(500), default="")
    # The event's own paragraph atop the invitation, in each language: plain text whose line
    # breaks are kept (never template code: the e-mails escape it).
    intro_en: Mapped[str] = mapped_column(sa.Text, default="")
    intro_zh: Mapped[str] = mapped_column(sa.Text, default="")
    # What guests are shown to find the place and someone to ask (empty: not shown).
    address_en: Mapped[str] = mapped_column(sa.String(300), default="")
    address_zh: Mapped[str] = mapped_column(sa.String(300), default="")
    map_url: Mapped[str] = mapped_column(sa.String(500), default="")
    contact_name: Mapped[str] = mapped_column(sa.String(200), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(50), default="")
    # The e-mails' From name and Reply-To; empty: the settings' (REGISTRAR_MAIL_FROM/_REPLY_TO).
    mail_sender_name: Mapped[str] = mapped_column(sa.String(100), default="")
    mail_reply_to: Mapped[str] = mapped_column(sa.String(254), default="")
    state: Mapped[EventState] = mapped_column(_enum(EventState), default=EventState.DRAFT)
    # Raised by every save of the event's editor: a form that shows an older version was made
    # before someone else's save, and is refused (services/events.py). Not SQLAlchemy's
    # version_id_col: the seat service writes the row too, and must not make a form stale.
    edit_version: Mapped[int] = mapped_column(sa.Integer, default=1)
    # The least SEQUENCE of every calendar entry made from now on: raised past the moment
    # guests are told of a change (services/notices.py), so that the notice's entry is newer
    # than every one made before it, in the same second or on a host whose clock is behind.
    calendar_sequence: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    capacity: Mapped[int] = mapped_column(sa.Integer)
    held_seats: Mapped[int] = mapped_column(sa.Integer, default=0)
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Asia/Taipei")
    doors_open_at: Mapped[datetime] = mapped_column(UTCDateTime)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rsvp_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    # Space-separated channel codes offered by the interpreters, e.g. "en zh".
    channels: Mapped[str] = mapped_column(sa.String(64), default="en zh")
    # What the door does with a guest who never answered (services/checkin/unanswered.py).
    door_no_answer: Mapped[DoorNoAnswer] = mapped_column(
        _enum(DoorNoAnswer), default=DoorNoAnswer.DESK, server_default=DoorNoAnswer.DESK.value
    )
    # Whether door staff may register walk-ins (services/checkin/walk_ins.py); off unless chosen.
    door_walk_ins: Mapped[bool] = mapped_column(
        sa.Boolean, default=False, server_default=sa.false()
    )
    # Whether a guest's small correction of their name or organization (services/requests/
    # name_changes.py says which are small) applies without approval until badges are printed.
    small_corrections: Mapped[bool] = mapped_column(
        sa.Boolean, default=False, server_default=sa.false()
    )
    # Space-separated categories whose guests may not send a deputy (services/requests/).
    no_deputies: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    # How many accompanying persons a guest of each category may bring (services/companions.py),
    # as "vip=2 speaker=1"; a category not named brings none.
    companion_limits: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    # Whether accompanying persons take a seat in the room (counted by services/seats/).
    companions_take_seats: Mapped[bool] = mapped_column(
        sa.Boolean, default=False, server_default=sa.false()
    )
    # Space-separated categories whose guests are offered travel (services/travel/): arrival and
    # departure, airport pickup, hotel and a visa invitation letter; a guest may be offered it
    # on their own too (Guest.travel_offered).
    travel_categories: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    # The hotels the organizers booked for travelling guests, one name a line (the Travel page).
    travel_hotels: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # The letterhead of the visa invitation letters (services/travel/letters.py): who invites,
    # from where, and who signs; a letter is issued only when all of it is given.
    letter_organizer_en: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    letter_organizer_zh: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    letter_address_en: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    letter_address_zh: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    letter_signatory: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    letter_signatory_title_en: Mapped[str] = mapped_column(
        sa.String(200), default="", server_default=""
    )
    letter_signatory_title_zh: Mapped[str] = mapped_column(
        sa.String(200), default="", server_default=""
    )
    # When an organizer first downloaded the badges to print (the sheet, or one guest's):
    # from then on every correction of a name waits for approval.
    badges_printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The kinds some active webhook of the event wants, space-separated (services/webhooks.py
    # keeps it): read with the locked row, it lets a change with no webhook skip the queue
    # without a query.
    webhook_kinds: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    # The programme as the invited guests know it (services/programme/told.py): its items'
    # titles and times, kept at the first change after invitations went out and renewed when
    # guests are told (or the organizer decides not to tell them); None while nothing changed.
    programme_told: Mapped[list[dict[str, Any]] | None] = mapped_column(sa.JSON)
    # Last waitlist number handed out; only ever grows, so the queue order is stable.
    waitlist_counter: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agenda: Mapped[list[AgendaItem]] = relationship(
        back_populates="event", order_by="AgendaItem.position", cascade="all, delete-orphan"
    )
    guests: Mapped[list[Guest]] = relationship(back_populates="event")

    __table_args__ = (
        sa.CheckConstraint("capacity >= 0", name="ck_events_capacity"),
        sa.CheckConstraint("held_seats >= 0", name="ck_events_held_seats"),
    )

    @property
    def categories_without_deputies(self) -> list[Category]:
        known = {c.value for c in Category}
        return [Category(code) for code in self.no_deputies.split() if code in known]

    @property
    def categories_offered_travel(self) -> list[Category]:
        known = {c.value for c in Category}
        return [Category(code) for code in self.travel_categories.split() if code in known]

    @property
    def offered_channels(self) -> list[Channel]:
        return [Channel(code) for code in self.channels.split()]

    @property
    def seats_available(self) -> int:
        """Seats that guests can hold: the room less what the organizer holds back."""
        return max(self.capacity - self.held_seats, 0)


class AgendaItem(Model):
    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(sa.Integer)
    kind: Mapped[AgendaKind] = mapped_column(_enum(AgendaKind))
    title_en: Mapped[str] = mapped_column(sa.String(300))
    title_zh: Mapped[str] = mapped_column(sa.String(300))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A session guests choose to attend (services/seats/sessions.py): the room's capacity, the
    # waitlist, the door's counts and the receivers then apply to it on its own. Only a
    # session may be one; an event with none has one implicit session, the whole event.
    choosable: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    # The last waitlist number of this session's queue; only ever grows (as the event's does).
    waitlist_counter: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")

    event: Mapped[Event] = relationship(back_populates="agenda")
    people: Mapped[list[AgendaPerson]] = relationship(
        back_populates="item", order_by="AgendaPerson.position", cascade="all, delete-orphan"
    )

    def people_in(self, role: PersonRole) -> list[AgendaPerson]:
        return [p for p in self.people if p.role == role]


class AgendaPerson(Model):
    """A speaker or moderator of one agenda item, named in both scripts, with a title and an
    affiliation in both languages."""

    __tablename__ = "agenda_people"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("agenda_items.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(sa.Integer)
    role: Mapped[PersonRole] = mapped_column(_enum(PersonRole))
    name_en: Mapped[str] = mapped_column(sa.String(200), default="")
    name_zh: Mapped[str] = mapped_column(sa.String(200), default="")
    # The person's title (e.g. "Mayor", "Distinguished Professor"), apart from where they work.
    title_en: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    title_zh: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    affiliation_en: Mapped[str] = mapped_column(sa.String(300), default="")
    affiliation_zh: Mapped[str] = mapped_column(sa.String(300), default="")
    # The guest of the event this person is (a speaker invited as a VIP, say), or None. No
    # foreign key, as guests.deputy_for_id: the programme's services check the guest's event.
    guest_id: Mapped[int | None] = mapped_column(sa.Integer, default=None)

    item: Mapped[AgendaItem] = relationship(back_populates="people")


class QuestionKind(enum.StrEnum):
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    ONE_CHOICE = "one_choice"
    SEVERAL_CHOICES = "several_choices"
    YES_NO = "yes_no"
    NUMBER = "number"
    DATE = "date"


class EventQuestion(Model):
    """A question of the event's own on the guests' RSVP form (services/questions/)."""

    __tablename__ = "event_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(sa.Integer)
    kind: Mapped[QuestionKind] = mapped_column(_enum(QuestionKind))
    label_en: Mapped[str] = mapped_column(sa.String(300), default="")
    label_zh: Mapped[str] = mapped_column(sa.String(300), default="")
    help_en: Mapped[str] = mapped_column(sa.String(500), default="")
    help_zh: Mapped[str] = mapped_column(sa.String(500), default="")
    # For the choice kinds: [{"key": "veg", "en": "Vegetarian", "zh": "素食"}, ...]; the key
    # is what an answer stores, so it never changes once answered.
    choices: Mapped[list[dict[str, str]]] = mapped_column(sa.JSON, default=list)
    required: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    # Space-separated categories whose guests are asked; empty: every guest.
    categories: Mapped[str] = mapped_column(sa.String(100), default="")
    # For numbers: the least and the greatest accepted (None: no bound).
    number_min: Mapped[int | None] = mapped_column(sa.Integer)
    number_max: Mapped[int | None] = mapped_column(sa.Integer)
    # Shown as a column of the console's guest list.
    in_guest_list: Mapped[bool] = mapped_column(sa.Boolean, default=False)

    @property
    def category_list(self) -> list[Category]:
        known = {c.value for c in Category}
        return [Category(code) for code in self.categories.split() if code in known]


class QuestionAnswer(Model):
    """A guest's answer to one question: text, a choice key, keys separated by spaces, "yes"
    or "no", a whole number, or a date as YYYY-MM-DD."""

    __tablename__ = "question_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("event_questions.id", ondelete="CASCADE")
    )
    guest_id: Mapped[int] = mapped_column(
        sa.ForeignKey("guests.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[str] = mapped_column(sa.Text)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("question_id", "guest_id", name="uq_question_answers_question_guest"),
    )


class Guest(Model):
    __tablename__ = "guests"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    name_en: Mapped[str] = mapped_column(sa.String(200), default="")
    name_zh: Mapped[str] = mapped_column(sa.String(200), default="")
    email: Mapped[str] = mapped_column(sa.String(254))
    organization: Mapped[str] = mapped_column(sa.String(300), default="")
    title: Mapped[str] = mapped_column(sa.String(300), default="")
    category: Mapped[Category] = mapped_column(_enum(Category), default=Category.DELEGATE)
    language: Mapped[Language] = mapped_column(_enum(Language), default=Language.EN)
    # Part of every invitation link; bumping it kills every earlier link of this guest.
    token_version: Mapped[int] = mapped_column(sa.Integer, default=1)
    # Part of the badge code; bumping it makes every printed badge of this guest invalid.
    badge_version: Mapped[int] = mapped_column(sa.Integer, default=1)
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Registered at the door on the day, not invited (services/checkin/walk_ins.py).
    walk_in: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    # The organizer's rank of the guest for protocol (1 = first; services/precedence.py): orders
    # the arrival desk and the MC's list. None: unranked, after every ranked guest.
    precedence: Mapped[int | None] = mapped_column(sa.Integer)
    # The guest sent a deputy (services/requests/deputies.py): the invitation ended then, its
    # link and badge with it (revoked_at is set at the same moment).
    sent_deputy_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The guest this one came in place of, for a deputy. No foreign key: on SQLite adding one
    # would rebuild the table, and its triggers with it (the request keeps both ids anyway).
    deputy_for_id: Mapped[int | None] = mapped_column(sa.Integer)
    # For an accompanying person (services/companions.py): the guest they come with, and what
    # they do. They get no invitation and give no answer of their own. No foreign key, as for
    # deputy_for_id (the service removes them with their guest).
    principal_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    companion_role: Mapped[CompanionRole | None] = mapped_column(_enum(CompanionRole))
    # Travel offered to this guest whatever their category (services/travel/).
    travel_offered: Mapped[bool] = mapped_column(
        sa.Boolean, default=False, server_default=sa.false()
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # What the door and the console search (search_keys.guest_search_key of the names, organization
    # and e-mail; empty once erased), through the indexes of search_index.py. Written by the
    # column's default on every insert (bulk ones too) and by _keep_search_key on every update.
    search_key: Mapped[str] = mapped_column(
        sa.String(1000),
        default=lambda context: _search_key_of(context.get_current_parameters()),
        server_default="",
    )

    event: Mapped[Event] = relationship(back_populates="guests")
    rsvp: Mapped[Rsvp | None] = relationship(back_populates="guest", cascade="all, delete-orphan")
    seat: Mapped[Seat | None] = relationship(back_populates="guest", cascade="all, delete-orphan")
    check_in: Mapped[CheckIn | None] = relationship(
        back_populates="guest", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.UniqueConstraint("event_id", "email", name="uq_guests_event_email"),
        # The guests offered travel one by one (services/travel/board.py): a few of an event.
        sa.Index(
            "ix_guests_travel_offered",
            "event_id",
            sqlite_where=sa.text("travel_offered = 1"),
            postgresql_where=sa.text("travel_offered"),
        ),
    )

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_companion(self) -> bool:
        return self.principal_id is not None

    @property
    def sent_deputy(self) -> bool:
        return self.sent_deputy_at is not None

    @hybrid_property
    def is_erased(self) -> bool:
        """Personal data erased on request: the row stays, for the counts only. In a query,
        `~Guest.is_erased` keeps the guests whose data is still there."""
        return self.email.endswith("@" + ERASED_DOMAIN)

    @is_erased.inplace.expression
    @classmethod
    def _is_erased_expression(cls) -> sa.ColumnElement[bool]:
        return cls.email.endswith("@" + ERASED_DOMAIN, autoescape=True)

    @property
    def has_address(self) -> bool:
        """Whether e-mail can reach the guest: not erased, not a walk-in who gave none."""
        return not (self.is_erased or self.email.endswith("@" + NO_ADDRESS_DOMAIN))


def _search_key_of(values: dict[str, Any]) -> str:
    email = values.get("email") or ""
    if email.endswith("@" + ERASED_DOMAIN):
        return ""
    name_en, name_zh = values.get("name_en") or "", values.get("name_zh") or ""
    return guest_search_key(name_en, name_zh, values.get("organization") or "", email)


@sa.event.listens_for(Guest, "before_update")
def _keep_search_key(mapper: Any, connection: sa.Connection, guest: Guest) -> None:
    guest.search_key = _search_key_of(
        {
            "name_en": guest.name_en,
            "name_zh": guest.name_zh,
            "organization": guest.organization,
            "email": guest.email,
        }
    )


search_index.listen(cast(sa.Table, Guest.__table__))

# What the dashboard counts of each guest (guest_tally: a bit per fact, the answer's channel and
# UTC hour), a row per guest written by the database's triggers from the guest's row, answer,
# seat and check-in in every change of them. A table of its own, not columns of guests: a
# check-in or an answer writes this small row, never the guest's (whose indexes are many).
# Nothing reads or writes it through the ORM.
TALLIES = sa.Table(
    guest_tally.TABLE,
    Base.metadata,
    sa.Column(
        "guest_id", sa.Integer, sa.ForeignKey("guests.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("event_id", sa.Integer, nullable=False),
    sa.Column("category", _enum(Category), nullable=False),
    sa.Column("flags", sa.Integer, nullable=False, server_default="0"),
    sa.Column("channel", sa.String(24)),
    sa.Column("answered_hour", sa.String(13)),
)
# The dashboard's guests by category, channel and flags, read in this order; and its answers by
# hour, with the flags (revoked, attending), of the guests who answered.
sa.Index(guest_tally.INDEX, TALLIES.c.event_id, TALLIES.c.category, TALLIES.c.channel,
         TALLIES.c.flags)  # fmt: skip
sa.Index(guest_tally.ANSWERS_INDEX, TALLIES.c.event_id, TALLIES.c.answered_hour,
         TALLIES.c.flags, sqlite_where=sa.text(guest_tally.ANSWERED),
         postgresql_where=sa.text(guest_tally.ANSWERED))  # fmt: skip
guest_tally.listen(Base.metadata)


class Rsvp(Model):
    """The guest's answer. Its seat, if any, is in Seat."""

    __tablename__ = "rsvps"

    id: Mapped[int] = mapped_column(primary_key=True)
    guest_id: Mapped[int] = mapped_column(
        sa.ForeignKey("guests.id", ondelete="CASCADE"), unique=True
    )
    attending: Mapped[bool] = mapped_column(sa.Boolean)
    channel: Mapped[Channel | None] = mapped_column(_enum(Channel))
    dietary: Mapped[str] = mapped_column(sa.String(500), default="")
    access_needs: Mapped[str] = mapped_column(sa.String(500), default="")
    note: Mapped[str] = mapped_column(sa.String(1000), default="")
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    guest: Mapped[Guest] = relationship(back_populates="rsvp")


class Seat(Model):
    """What an attending guest holds. Confirmed seats never exceed Event.seats_available."""

    __tablename__ = "seats"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    guest_id: Mapped[int] = mapped_column(
        sa.ForeignKey("guests.id", ondelete="CASCADE"), unique=True
    )
    state: Mapped[SeatState] = mapped_column(_enum(SeatState))
    # Waitlist order: the event's counter at the time of joining; None once confirmed.
    queue_number: Mapped[int | None] = mapped_column(sa.Integer)
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The hold this confirmed seat was taken from (a seat held for the guest or their
    # category); None for an open seat and for every waitlisted one.
    # (A hold is never deleted while a seat was taken from it: services/seats/ refuses.)
    hold_id: Mapped[int | None] = mapped_column(sa.ForeignKey("seat_holds.id"), index=True)
    # The reserved seat of the seating plan this confirmed seat is given, e.g. "A7"
    # (services/seating/): it goes with the seat, so a seat freed frees its label, and a seat
    # passed to a deputy passes it. One guest per label: the unique index below.
    label: Mapped[str | None] = mapped_column(sa.String(12))

    guest: Mapped[Guest] = relationship(back_populates="seat")

    __table_args__ = (
        sa.Index("ix_seats_event_state_queue", "event_id", "state", "queue_number"),
        sa.UniqueConstraint("event_id", "queue_number", name="uq_seats_event_queue"),
        sa.Index("uq_seats_event_label", "event_id", "label", unique=True),
    )


# How many seats each event has confirmed, waitlisted and taken from its holds (seat_tally), a
# row per event written by the database's triggers in every change of its seats; the seat
# decision reads it under the event's lock instead of counting the seats. Nothing reads or
# writes it through the ORM.
SEAT_TALLIES = sa.Table(
    seat_tally.TABLE,
    Base.metadata,
    sa.Column(
        "event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    ),
    *(
        sa.Column(name, sa.Integer, nullable=False, server_default="0")
        for name in seat_tally.COLUMNS
    ),
)
seat_tally.listen(Base.metadata)


class SessionSeat(Model):
    """A guest's seat in one session guests choose (AgendaItem.choosable): confirmed within
    the room's capacity for that session, or waitlisted in the session's own queue.

    The guest's Seat then sums them up: confirmed when confirmed for at least one session,
    waitlisted when waitlisted for all it chose (services/seats/sessions.py keeps it so).
    """

    __tablename__ = "session_seats"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("agenda_items.id", ondelete="CASCADE"))
    guest_id: Mapped[int] = mapped_column(
        sa.ForeignKey("guests.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[SeatState] = mapped_column(_enum(SeatState))
    # The session's counter at the time of joining its queue; None once confirmed.
    queue_number: Mapped[int | None] = mapped_column(sa.Integer)
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # As Seat.hold_id: the hold this confirmed seat was taken from, in this session.
    hold_id: Mapped[int | None] = mapped_column(sa.ForeignKey("seat_holds.id"), index=True)

    __table_args__ = (
        sa.UniqueConstraint("session_id", "guest_id", name="uq_session_seats_session_guest"),
        sa.UniqueConstraint("session_id", "queue_number", name="uq_session_seats_session_queue"),
        sa.Index("ix_session_seats_session_state", "session_id", "state", "queue_number"),
    )


class SeatHold(Model):
    """Seats held for one named guest or for a category of guests (services/seats/).

    A named hold is one seat; a category's holds `count` seats. Only its guest, or a guest of
    its category, may take a seat of it; the open seats are the capacity less the event's
    `held_seats` (held back for the organizer alone) less every hold's `count`.
    """

    __tablename__ = "seat_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    guest_id: Mapped[int | None] = mapped_column(sa.ForeignKey("guests.id", ondelete="CASCADE"))
    category: Mapped[Category | None] = mapped_column(_enum(Category))
    count: Mapped[int] = mapped_column(sa.Integer)

    guest: Mapped[Guest | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("event_id", "guest_id", name="uq_seat_holds_event_guest"),
        sa.UniqueConstraint("event_id", "category", name="uq_seat_holds_event_category"),
        sa.CheckConstraint("count >= 0", name="ck_seat_holds_count"),
        sa.CheckConstraint(
            "(guest_id IS NULL) <> (category IS NULL)", name="ck_seat_holds_guest_or_category"
        ),
    )


class SeatingRow(Model):
    """One row of an event's seating plan (services/seating/), front row first by `position`:
    its seats numbered 1..`seats`, aisles after the seat numbers in `aisles_after`, and the
    seats of `reserved` kept for guests by name. Numbers are stored space-separated."""

    __tablename__ = "seating_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(sa.Integer)
    label: Mapped[str] = mapped_column(sa.String(4))
    seats: Mapped[int] = mapped_column(sa.Integer)
    aisles_after: Mapped[str] = mapped_column(sa.String(400), default="")
    reserved: Mapped[str] = mapped_column(sa.String(1000), default="")

    __table_args__ = (
        sa.UniqueConstraint("event_id", "label", name="uq_seating_rows_event_label"),
        sa.CheckConstraint("seats >= 1", name="ck_seating_rows_seats"),
    )


class CheckIn(Model):
    """A guest's presence: first entry, whether inside now, and the receiver handed out."""

    __tablename__ = "check_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    guest_id: Mapped[int] = mapped_column(
        sa.ForeignKey("guests.id", ondelete="CASCADE"), unique=True
    )
    first_scan_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_gate: Mapped[str] = mapped_column(sa.String(64), default="")
    inside: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    receiver: Mapped[str] = mapped_column(sa.String(32), default="")
    receiver_returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    guest: Mapped[Guest] = relationship(back_populates="check_in")

    __table_args__ = (sa.Index("ix_check_ins_event_inside", "event_id", "inside"),)


class Scan(Model):
    """One reading at the door with its verdict. Every scan is kept, refused ones too."""

    __tablename__ = "scans"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    guest_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("guests.id", ondelete="SET NULL"), index=True
    )
    # The scanner's id for this reading; a retry with the same nonce gets the first answer.
    nonce: Mapped[str | None] = mapped_column(sa.String(64))
    code: Mapped[str] = mapped_column(sa.String(100), default="")
    gate: Mapped[str] = mapped_column(sa.String(64), default="")
    direction: Mapped[Direction] = mapped_column(_enum(Direction), default=Direction.IN)
    verdict: Mapped[Verdict] = mapped_column(_enum(Verdict))
    # When the scanner read the badge (earlier than recorded_at for scans queued offline).
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    offline: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    manual: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    override: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    # Set on an entry that a scan made earlier elsewhere (and synced later) turned out to precede.
    duplicate: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    actor: Mapped[str] = mapped_column(sa.String(64))
    # The session guests choose that the scan counted for (services/checkin/): the one under
    # way, or starting within half an hour; None in an event without such sessions. No
    # reference: a scan is history, kept as it was whatever becomes of the programme.
    session_id: Mapped[int | None] = mapped_column(sa.Integer)
    # The answer as first given, returned again to a retry with the same nonce.
    result: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    __table_args__ = (
        sa.UniqueConstraint("event_id", "nonce", name="uq_scans_event_nonce"),
        sa.Index("ix_scans_event_recorded", "event_id", "recorded_at"),
    )


class DoorLink(Model):
    """A volunteer's signed link that opens only one event's scanner, until it expires."""

    __tablename__ = "door_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(sa.String(100), default="")
    created_by: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def is_valid(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


class StaffUser(Model):
    """A person who signs in. What they may do, and for which events, is in TeamMember."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(300))
    # Organizer of every event, present and future, and the only one who sees every account.
    is_admin: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    # Written into every session at login and compared on every request: raising it (logout,
    # disabling, a new password) ends every session the account has open, on every device.
    session_generation: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list[TeamMember]] = relationship(
        back_populates="staff", cascade="all, delete-orphan", order_by="TeamMember.event_id"
    )

    # Flask-Login's user protocol.
    @property
    def is_active(self) -> bool:
        return self.active

    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        # The session holds "id:generation", so that a session of an earlier generation
        # loads nobody (Flask-Login's alternative tokens).
        return f"{self.id}:{self.session_generation}"


class TeamMember(Model):
    """An account's role for one event: organizer (the console) or door staff (the scanner)."""

    __tablename__ = "team_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    staff_id: Mapped[int] = mapped_column(
        sa.ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(_enum(Role))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    staff: Mapped[StaffUser] = relationship(back_populates="memberships")

    __table_args__ = (sa.UniqueConstraint("event_id", "staff_id", name="uq_team_members_pair"),)


class AuditEntry(Model):
    """One state change: who did what, when, to which guest."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    guest_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("guests.id", ondelete="SET NULL"), index=True
    )
    # "guest", "system", or "staff:<id>"
    actor: Mapped[str] = mapped_column(sa.String(64))
    action: Mapped[str] = mapped_column(sa.String(64))
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # The log's pages, newest first, of everything or of one action, read from these in order
    # (services/audit.py log_page); the second also lists the actions used, one seek each.
    __table_args__ = (
        sa.Index("ix_audit_entries_event_created", "event_id", "created_at", "id"),
        sa.Index("ix_audit_entries_event_action", "event_id", "action", "created_at", "id"),
    )


class ChangeRequest(Model):
    """A guest's request that an organizer approves or declines: a correction of their name or
    organization, or a deputy to come in their place (services/requests/)."""

    __tablename__ = "change_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    guest_id: Mapped[int] = mapped_column(
        sa.ForeignKey("guests.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[RequestKind] = mapped_column(_enum(RequestKind))
    state: Mapped[RequestState] = mapped_column(_enum(RequestState), default=RequestState.PENDING)
    # Raised by every change of the request: a console page showing an older one is stale.
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    # The names asked for; for a name change, empty: that one is not changed.
    name_en: Mapped[str] = mapped_column(sa.String(200), default="")
    name_zh: Mapped[str] = mapped_column(sa.String(200), default="")
    organization: Mapped[str] = mapped_column(sa.String(300), default="")
    # A deputy's own.
    title: Mapped[str] = mapped_column(sa.String(300), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    language: Mapped[Language] = mapped_column(_enum(Language), default=Language.EN)
    # The spelling when the request was made, shown beside the new one.
    previous: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    requested_by: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[str] = mapped_column(sa.String(64), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # An accompanying person's role (the names above are theirs).
    companion_role: Mapped[CompanionRole | None] = mapped_column(_enum(CompanionRole))
    # The deputy's guest, once approved.
    deputy_id: Mapped[int | None] = mapped_column(sa.ForeignKey("guests.id", ondelete="SET NULL"))

    guest: Mapped[Guest] = relationship(foreign_keys=[guest_id])
    deputy: Mapped[Guest | None] = relationship(foreign_keys=[deputy_id])

    __table_args__ = (sa.Index("ix_change_requests_event_state", "event_id", "state"),)


class MessageKind(enum.StrEnum):
    """The e-mails a guest can get. Each has its own templates under templates/emails/."""

    INVITATION = "invitation"
    CONFIRMATION = "confirmation"
    WAITLISTED = "waitlisted"
    PROMOTED = "promoted"
    DECLINED = "declined"
    REMINDER_UNANSWERED = "reminder_unanswered"
    REMINDER_CONFIRMED = "reminder_confirmed"
    # After invitations went out (services/notices.py); stored as strings with no CHECK
    # constraint, so new kinds need no migration.
    DETAILS_CHANGED = "details_changed"
    EVENT_CANCELLED = "event_cancelled"
    # To a guest whose deputy was approved: the invitation passed to the deputy.
    DEPUTY_APPROVED = "deputy_approved"
    # To a guest whose request (a deputy or a name correction) was declined.
    REQUEST_DECLINED = "request_declined"
    # To a guest offered travel who has not given their details (services/travel/reminders.py).
    TRAVEL_REMINDER = "travel_reminder"


class Airport(enum.StrEnum):
    """Where a travelling guest lands or takes off: the two airports near the forums, or
    another one named by the guest."""

    KHH = "KHH"
    TPE = "TPE"
    OTHER = "other"


class HotelChoice(enum.StrEnum):
    BOOKED = "booked"  # one of the event's hotels (Event.travel_hotels)
    OWN = "own"  # the guest's own, named by them


class GuestTravel(Model):
    """A travelling guest's arrival, departure, airport pickups and hotel (services/travel/).

    Flight dates and times are as on the ticket, on the airport's clock. The pickup (arrival)
    and the ride to the airport (departure) are assigned by organizers: a driver or a car.
    """

    __tablename__ = "guest_travel"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    guest_id: Mapped[int] = mapped_column(
        sa.ForeignKey("guests.id", ondelete="CASCADE"), unique=True
    )
    arrival_date: Mapped[date] = mapped_column(sa.Date)
    arrival_time: Mapped[time] = mapped_column(sa.Time)
    arrival_flight: Mapped[str] = mapped_column(sa.String(10))
    arrival_airport: Mapped[Airport] = mapped_column(_enum(Airport))
    arrival_airport_name: Mapped[str] = mapped_column(sa.String(100), default="")
    arrival_pickup: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    departure_date: Mapped[date] = mapped_column(sa.Date)
    departure_time: Mapped[time] = mapped_column(sa.Time)
    departure_flight: Mapped[str] = mapped_column(sa.String(10))
    departure_airport: Mapped[Airport] = mapped_column(_enum(Airport))
    departure_airport_name: Mapped[str] = mapped_column(sa.String(100), default="")
    departure_pickup: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    hotel_choice: Mapped[HotelChoice] = mapped_column(_enum(HotelChoice))
    hotel_name: Mapped[str] = mapped_column(sa.String(200))
    check_in: Mapped[date] = mapped_column(sa.Date)
    check_out: Mapped[date] = mapped_column(sa.Date)
    # Set by organizers: who meets the guest at arrival, who drives them to the airport.
    arrival_driver: Mapped[str] = mapped_column(sa.String(100), default="")
    arrival_driver_phone: Mapped[str] = mapped_column(sa.String(40), default="")
    departure_driver: Mapped[str] = mapped_column(sa.String(100), default="")
    departure_driver_phone: Mapped[str] = mapped_column(sa.String(40), default="")
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Raised by every change: an organizer's page showing an older one is stale.
    version: Mapped[int] = mapped_column(sa.Integer, default=1)

    guest: Mapped[Guest] = relationship()


class MessageStatus(enum.StrEnum):
    QUEUED = "queued"
    # Claimed by a sender; next_attempt_at is when the claim lapses if the sender died.
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class OutboxMessage(Model):
    """One e-mail to one guest, written in the transaction of the change it tells about.

    The sender renders it at delivery time, in the guest's language and from the guest's
    state then, so a link or a badge in it is never older than the message.
    """

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    guest_id: Mapped[int] = mapped_column(
        sa.ForeignKey("guests.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[MessageKind] = mapped_column(_enum(MessageKind))
    language: Mapped[Language] = mapped_column(_enum(Language))
    to_address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300), default="")
    status: Mapped[MessageStatus] = mapped_column(
        _enum(MessageStatus), default=MessageStatus.QUEUED
    )
    # Delivery attempts begun, a crashed one included.
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(sa.String(1000), default="")
    # Why a message was cancelled instead of sent, e.g. the invitation was revoked.
    reason: Mapped[str] = mapped_column(sa.String(300), default="")
    # Facts known only when the message was queued, e.g. which seat a decline gave up.
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # Kept across retries, so that a receiver can tell a repeat from a new message.
    message_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    actor: Mapped[str] = mapped_column(sa.String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A test an organizer sent to their own address: rendered as the guest would get it, in
    # `language`, but never counted as the guest's message nor changing the guest's state.
    is_test: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())

    guest: Mapped[Guest] = relationship()

    __table_args__ = (sa.Index("ix_outbox_messages_due", "status", "next_attempt_at"),)


class EventChange(Model):
    """What guests were told changed about an event, or that it was cancelled: the record the
    change notices and the guest page read (services/notices.py)."""

    __tablename__ = "event_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    cancelled: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    # {field: [old, new]}, times as ISO strings (services/event_details.py names the fields).
    changes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # Why the event was cancelled, in each language (empty: no reason given).
    reason_en: Mapped[str] = mapped_column(sa.String(500), default="")
    reason_zh: Mapped[str] = mapped_column(sa.String(500), default="")
    actor: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookKind(enum.StrEnum):
    """What a webhook can be told of. Stored as strings with no CHECK: new kinds need no
    migration."""

    # The guest answered for the first time, or changed the answer.
    ANSWER = "answer"
    SEAT_CONFIRMED = "seat.confirmed"
    SEAT_PROMOTED = "seat.promoted"
    SEAT_WAITLISTED = "seat.waitlisted"
    CHECKED_IN = "guest.checked_in"
    MESSAGE_FAILED = "message.failed"


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    # Claimed by a sender; next_attempt_at is when the claim lapses if the sender died.
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class Webhook(Model):
    """A URL an organizer registered for one event, and the kinds of changes it is told of."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(sa.String(500))
    # Space-separated WebhookKind values.
    kinds: Mapped[str] = mapped_column(sa.String(200))
    # The HMAC key the receiver verifies signatures with (tokens.webhook_signature).
    secret: Mapped[str] = mapped_column(sa.String(100))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_by: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def kind_list(self) -> list[WebhookKind]:
        known = {k.value for k in WebhookKind}
        return [WebhookKind(k) for k in self.kinds.split() if k in known]


class WebhookDelivery(Model):
    """One signed POST to one webhook, written in the transaction of the change it tells of."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhooks.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    # The guest the body names, if any: erasing the guest scrubs the body too.
    guest_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("guests.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(32))
    # The JSON body exactly as signed and sent, every attempt the same bytes.
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[DeliveryStatus] = mapped_column(
        _enum(DeliveryStatus), default=DeliveryStatus.PENDING
    )
    # Attempts begun, a crashed one included.
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_status: Mapped[int | None] = mapped_column(sa.Integer)
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    # The delivery this one sends again (an organizer's replay), if it is one.
    replay_of: Mapped[int | None] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    webhook: Mapped[Webhook] = relationship()

    __table_args__ = (
        sa.Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        sa.Index("ix_webhook_deliveries_event", "event_id", "id"),
    )


class ApiRole(enum.StrEnum):
    """What an API token may do for its events. Stored as a string with no CHECK constraint,
    so a member added here needs no migration."""

    # GET requests only.
    READ = "read"
    # The door's operations (scans, check-in by name, receivers, walk-ins) and reading.
    DOOR = "door"
    # Everything the account's organizer role allows through the API.
    ORGANIZER = "organizer"


class ApiToken(Model):
    """A program's key to the API for chosen events, on behalf of the account that made it.

    Only a digest of the secret is kept (tokens.py): the token is shown once, when made.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    staff_id: Mapped[int] = mapped_column(
        sa.ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[ApiRole] = mapped_column(_enum(ApiRole))
    # The SHA-256 of the whole token, hex: what a request's token is looked up by.
    secret_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The token's first characters, shown in lists so that its holder can tell which it is.
    hint: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Written at most once a minute (services/api_tokens.py note_use).
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    staff: Mapped[StaffUser] = relationship()
    events: Mapped[list[ApiTokenEvent]] = relationship(
        cascade="all, delete-orphan", order_by="ApiTokenEvent.event_id"
    )

    @property
    def event_ids(self) -> list[int]:
        return [link.event_id for link in self.events]

    def is_live(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


class ApiTokenEvent(Model):
    """One event an API token may touch."""

    __tablename__ = "api_token_events"

    token_id: Mapped[int] = mapped_column(
        sa.ForeignKey("api_tokens.id", ondelete="CASCADE"), primary_key=True
    )
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class IdempotencyKey(Model):
    """The first answer to a creating POST sent with an `Idempotency-Key` header, returned
    again to a retry with the same key (services/idempotency.py). Written in the transaction
    of the creation; kept for REGISTRAR_IDEMPOTENCY_HOURS."""

    __tablename__ = "idempotency_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Whose key it is: the audit actor of the caller (an API token, an account, a door link).
    owner: Mapped[str] = mapped_column(sa.String(64))
    key: Mapped[str] = mapped_column(sa.String(255))
    # SHA-256 of the method, the path and the body: the same key for another request is refused.
    request_digest: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[int] = mapped_column(sa.Integer)
    response: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("owner", "key", name="uq_idempotency_keys_owner_key"),
        sa.Index("ix_idempotency_keys_created", "created_at"),
    )


class GuestPassport(Model):
    """What a guest gave to ask for a visa invitation letter (services/travel/passports.py):
    kept under the tightest rules of the product (never exported unless chosen, erased with the
    guest, dropped REGISTRAR_PASSPORT_RETENTION_DAYS after the event ends)."""

    __tablename__ = "guest_passports"

    id: Mapped[int] = mapped_column(primary_key=True)
    guest_id: Mapped[int] = mapped_column(
        sa.ForeignKey("guests.id", ondelete="CASCADE"), unique=True
    )
    # As printed in the passport.
    name: Mapped[str] = mapped_column(sa.String(200))
    nationality: Mapped[str] = mapped_column(sa.String(100))
    number: Mapped[str] = mapped_column(sa.String(20))
    birth_date: Mapped[date] = mapped_column(sa.Date)
    # When the guest asked for the letter (first), and last changed the details.
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class VisaLetter(Model):
    """A visa invitation letter an organizer issued (services/travel/letters.py). Only the
    latest of a guest's letters is valid: issuing again supersedes the earlier one. `facts` is
    what the letter printed, for the verification page; emptied when the guest is erased or the
    passport data's time is over, after which the letter no longer verifies."""

    __tablename__ = "visa_letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    guest_id: Mapped[int] = mapped_column(
        sa.ForeignKey("guests.id", ondelete="CASCADE"), index=True
    )
    # 1 for a guest's first letter, 2 for the one issued again, and so on.
    serial: Mapped[int] = mapped_column(sa.Integer)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The audit actor of the organizer who issued it.
    issued_by: Mapped[str] = mapped_column(sa.String(64))
    facts: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (sa.UniqueConstraint("guest_id", "serial", name="uq_visa_letters_serial"),)

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None and self.revoked_at is None and bool(self.facts)
