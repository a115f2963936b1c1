"""What the door answers a scan, and the form it is kept in for a retry with the same nonce."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from ...i18n import is_chinese
from ...models import Category, Channel, CompanionRole, Direction, DoorNoAnswer, Verdict
from .verdict import Decision, FirstScan, NoAnswerAtDoor, ScanRequest


@dataclass(frozen=True)
class Occupancy:
    inside: int
    capacity: int


# The categories whose guests the protocol desk meets: the door says so in large type. Speakers
# and moderators are met by the programme's people, at the speakers' table.
PROTOCOL_CATEGORIES = frozenset({Category.VIP})


@dataclass(frozen=True)
class ShownGuest:
    """Who the door shows for a scan: enough to greet them and hand out the right headset."""

    id: int
    name_en: str
    name_zh: str
    organization: str
    category: Category
    channel: Channel | None
    receiver: str
    # The scanner offers "receiver returned" at the exit only while one is out.
    receiver_returned: bool
    # The reserved seat to show the guest to, "" when none (answers kept before it: none).
    seat_label: str = ""
    # For an accompanying person: their role and the guest they come with (the door says
    # "accompanying <principal>").
    companion_role: CompanionRole | None = None
    principal_name_en: str = ""
    principal_name_zh: str = ""

    @property
    def vip(self) -> bool:
        """Whether the door calls the protocol desk for this guest."""
        return self.category in PROTOCOL_CATEGORIES


@dataclass(frozen=True)
class SentDeputy:
    """The deputy a guest sent in their place: the door refuses the guest's old badge as
    `revoked`, and says whom they sent."""

    name_en: str
    name_zh: str

    @property
    def advice(self) -> str:
        """What the door tells its staff, in the current language."""
        names = [n for n in (self.name_en, self.name_zh) if n]
        if is_chinese():
            names.reverse()
        return str(SENT_DEPUTY) % {"name": " · ".join(names)}


@dataclass(frozen=True)
class ConfirmedSession:
    """A session a guest is confirmed for, told with an `other_session`: its titles, and when it
    starts (`time`: the event's local time, as the door says it)."""

    id: int
    title_en: str
    title_zh: str
    starts_at: datetime
    time: str

    @property
    def title(self) -> str:
        """The title in the current language."""
        if is_chinese():
            return self.title_zh or self.title_en
        return self.title_en or self.title_zh


@dataclass(frozen=True)
class OtherSession:
    """With an `other_session`: the sessions the guest is confirmed for, none of them under way."""

    sessions: tuple[ConfirmedSession, ...]

    @property
    def advice(self) -> str:
        """What the door tells its staff, in the current language."""
        told = "; ".join(
            str(SESSION_AT) % {"title": s.title, "time": s.time} for s in self.sessions
        )
        return str(OTHER_SESSION) % {"sessions": told}


# The door's words for a guest confirmed for other sessions than the one under way.
OTHER_SESSION = _l("Confirmed for %(sessions)s. Not confirmed for this session.")
SESSION_AT = _l("“%(title)s”, %(time)s")


# The door's words for an old badge of a guest who sent a deputy (the scanner's too).
SENT_DEPUTY = _l(
    "This guest sent a deputy: %(name)s. This badge is no longer valid; the deputy has a badge "
    "of their own."
)


@dataclass(frozen=True)
class ScanAnswer:
    verdict: Verdict
    direction: Direction
    nonce: str | None
    gate: str
    scanned_at: datetime
    offline: bool
    duplicate: bool
    override: bool
    guest: ShownGuest | None
    first_scan: FirstScan | None
    occupancy: Occupancy
    # Only with a `no_answer`: whether the door may let the guest in.
    no_answer: NoAnswerAtDoor | None = None
    # The first answer to this nonce, given again.
    replayed: bool = False
    # Only with `revoked`, for a guest who sent a deputy: whom they sent.
    deputy: SentDeputy | None = None
    # Only with `other_session`: the sessions the guest is confirmed for.
    other_session: OtherSession | None = None

    @classmethod
    def of(
        cls, decision: Decision, request: ScanRequest, occupancy: Occupancy, timezone: str = "UTC"
    ) -> ScanAnswer:
        guest = decision.guest
        shown = None
        if guest is not None:
            shown = ShownGuest(
                id=guest.id,
                name_en=guest.name_en,
                name_zh=guest.name_zh,
                organization=guest.organization,
                category=guest.category,
                channel=guest.channel,
                receiver=guest.receiver,
                receiver_returned=guest.receiver_returned,
                seat_label=guest.seat_label,
                companion_role=guest.companion_role,
                principal_name_en=guest.principal_name_en,
                principal_name_zh=guest.principal_name_zh,
            )
        return cls(
            verdict=decision.verdict,
            direction=Direction(request.direction),
            nonce=request.nonce or None,
            gate=request.gate,
            scanned_at=decision.scanned_at,
            offline=request.offline,
            duplicate=decision.duplicate,
            override=decision.override,
            guest=shown,
            first_scan=decision.first_scan,
            occupancy=occupancy,
            no_answer=decision.no_answer,
            other_session=_other_session(decision, timezone),
        )

    def as_record(self) -> dict[str, Any]:
        """The answer as JSON, kept with its scan (without `replayed`)."""
        guest, first = self.guest, self.first_scan
        return {
            "verdict": self.verdict.value,
            "direction": self.direction.value,
            "nonce": self.nonce,
            "gate": self.gate,
            "scanned_at": self.scanned_at.isoformat(),
            "offline": self.offline,
            "duplicate": self.duplicate,
            "override": self.override,
            "guest": None if guest is None else _guest_record(guest),
            "first_scan": None if first is None else _first_scan_record(first),
            "occupancy": {"inside": self.occupancy.inside, "capacity": self.occupancy.capacity},
            "no_answer": None if self.no_answer is None else _no_answer_record(self.no_answer),
            **({} if self.deputy is None else {"deputy": _deputy_record(self.deputy)}),
            **(
                {}
                if self.other_session is None
                else {"other_session": _other_session_record(self.other_session)}
            ),
        }

    @classmethod
    def from_record(cls, record: dict[str, Any], replayed: bool = True) -> ScanAnswer:
        """An answer kept by as_record (its guest's personal data erased, perhaps)."""
        guest, first = record["guest"], record["first_scan"]
        # Answers kept before the verdict existed have no "no_answer".
        no_answer = record.get("no_answer")
        deputy = record.get("deputy")
        other_session = record.get("other_session")
        return cls(
            verdict=Verdict(record["verdict"]),
            direction=Direction(record["direction"]),
            nonce=record["nonce"],
            gate=record["gate"],
            scanned_at=datetime.fromisoformat(record["scanned_at"]),
            offline=record["offline"],
            duplicate=record["duplicate"],
            override=record["override"],
            guest=None if guest is None else _guest_from(guest),
            first_scan=None if first is None else _first_scan_from(first),
            occupancy=Occupancy(**record["occupancy"]),
            no_answer=None if no_answer is None else _no_answer_from(no_answer),
            replayed=replayed,
            deputy=None if deputy is None else SentDeputy(deputy["name_en"], deputy["name_zh"]),
            other_session=None if other_session is None else _other_session_from(other_session),
        )


def _guest_record(guest: ShownGuest) -> dict[str, Any]:
    return {
        "id": guest.id,
        "name_en": guest.name_en,
        "name_zh": guest.name_zh,
        "organization": guest.organization,
        "category": guest.category.value,
        "channel": guest.channel.value if guest.channel else None,
        "receiver": guest.receiver,
        "receiver_returned": guest.receiver_returned,
        "vip": guest.vip,
        "seat_label": guest.seat_label,
        "companion_role": guest.companion_role.value if guest.companion_role else None,
        "principal_name_en": guest.principal_name_en,
        "principal_name_zh": guest.principal_name_zh,
    }


def _guest_from(record: dict[str, Any]) -> ShownGuest:
    channel = Channel(record["channel"]) if record["channel"] else None
    # "vip" follows from the category (answers kept before it existed lack it).
    fields = {k: v for k, v in record.items() if k != "vip"}
    # Answers kept before accompanying persons existed lack their fields.
    role = record.get("companion_role")
    return ShownGuest(
        **{
            **fields,
            "category": Category(record["category"]),
            "channel": channel,
            "companion_role": CompanionRole(role) if role else None,
        }
    )


def _first_scan_record(first: FirstScan) -> dict[str, Any]:
    return {"at": first.at.isoformat(), "gate": first.gate}


def _first_scan_from(record: dict[str, Any]) -> FirstScan:
    return FirstScan(datetime.fromisoformat(record["at"]), record["gate"])


def _no_answer_record(no_answer: NoAnswerAtDoor) -> dict[str, Any]:
    return {"policy": no_answer.policy.value, "seat_free": no_answer.seat_free}


def _no_answer_from(record: dict[str, Any]) -> NoAnswerAtDoor:
    return NoAnswerAtDoor(DoorNoAnswer(record["policy"]), record["seat_free"])


def _deputy_record(deputy: SentDeputy) -> dict[str, Any]:
    return {"name_en": deputy.name_en, "name_zh": deputy.name_zh}


def _other_session(decision: Decision, timezone: str) -> OtherSession | None:
    if decision.verdict != Verdict.OTHER_SESSION:
        return None
    zone = ZoneInfo(timezone)
    return OtherSession(
        tuple(
            ConfirmedSession(
                id=s.id,
                title_en=s.title_en,
                title_zh=s.title_zh,
                starts_at=s.starts_at,
                time=s.starts_at.astimezone(zone).strftime("%H:%M"),
            )
            for s in decision.confirmed_sessions
        )
    )


def _other_session_record(other: OtherSession) -> dict[str, Any]:
    return {
        "sessions": [
            {
                "id": s.id,
                "title_en": s.title_en,
                "title_zh": s.title_zh,
                "starts_at": s.starts_at.isoformat(),
                "time": s.time,
            }
            for s in other.sessions
        ]
    }


def _other_session_from(record: dict[str, Any]) -> OtherSession:
    return OtherSession(
        tuple(
            ConfirmedSession(
                id=s["id"],
                title_en=s["title_en"],
                title_zh=s["title_zh"],
                starts_at=datetime.fromisoformat(s["starts_at"]),
                time=s["time"],
            )
            for s in record["sessions"]
        )
    )
