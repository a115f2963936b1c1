"""Set up a whole forum through the organizer API alone, then check it through the API.

What an organizer's other system would do, in order, each step over HTTP with one organizer
API token (made in the console's API tokens page, or with `flask --app registrar token
create --role organizer ...`; the token's account must be allowed to create events):

1. create the event (a draft: CityCOP's afternoon, on the day given);
2. put its programme on it: sessions and breaks, with their speakers and moderators;
3. add the guests in one bulk request (N of them, 500 by default, names in both scripts);
4. open the event for answers;
5. queue an invitation to every guest (the e-mail sender sends them: `flask mail send`);
6. read everything back and check it: the event and its state, the programme's items in
   order, every guest once (the list walked a page of 100 at a time) with the e-mails sent,
   one invitation queued or sent per guest, the seats.

Every creating request carries an Idempotency-Key made of the slug and the step, so running
the script again after a failure (within a day) creates nothing twice: the server answers a
step already done with its first answer. Prints each step with its time; exits 1 with the
API's message when a request is refused or a check fails, 0 when the forum is set up.

    .venv/bin/python scripts/api_forum.py --url http://127.0.0.1:5000 --token rgr_...
    REGISTRAR_API_TOKEN=rgr_... .venv/bin/python scripts/api_forum.py --url URL \\
        [--guests 500] [--slug citycop-api] [--date 2027-05-20]

Only the Python standard library: the script runs wherever Python 3.12 does.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

ZONE = "Asia/Taipei"
PAGE = 100
# Times a request the server was too busy for (503) or that went over the rate (429) is asked
# again, after its Retry-After or 1, 2, 4, 8 seconds.
RETRIES = 4

EVENT = {
    "title_en": "Innovating for Climate-Neutral Cities with the Power of Community",
    "title_zh": "以社群力量創新氣候中和城市",
    "short_name": "CityCOP",
    "venue_en": "Kaohsiung Exhibition Center, 3F",
    "venue_zh": "高雄展覽館 3樓",
    "room_en": "Conference Room 301a",
    "room_zh": "301a 會議室",
    "organizers_en": "the City of Kaohsiung, ICLEI and the ICLEI Kaohsiung Capacity Center",
    "organizers_zh": "高雄市政府、ICLEI 地方環境行動國際理事會、ICLEI 高雄能力培訓中心",
    "channels": ["en", "zh"],
}

# (kind, starts, ends, title_en, title_zh, people: (role, name_en, name_zh, title_en))
PROGRAMME: list[tuple[str, str, str, str, str, list[tuple[str, str, str, str]]]] = [
    (
        "session",
        "13:30",
        "13:40",
        "Opening remarks",
        "開幕致詞",
        [("speaker", "Chen Chi-Mai", "陳其邁", "Mayor of Kaohsiung")],
    ),
    (
        "session",
        "13:40",
        "14:50",
        "Session 2: Working with Nature for People, Climate and Biodiversity",
        "第二場：與自然共事，為人、氣候與生物多樣性",
        [
            ("moderator", "Lin Chia-Hao", "林家豪", "Professor"),
            ("speaker", "Maria Santos", "", "Deputy Mayor"),
        ],
    ),
    ("break", "14:50", "15:10", "Tea break", "茶敘", []),
    (
        "session",
        "15:10",
        "16:30",
        "Session 3: Innovating Green Mobility",
        "第三場：創新綠色交通",
        [
            ("moderator", "Wang Tzu-Yu", "王子瑜", "Director"),
            ("speaker", "Kenji Watanabe", "", "Transport planner"),
        ],
    ),
    ("session", "16:30", "16:45", "Closing", "閉幕", []),
]

SURNAMES = [("Chen", "陳"), ("Lin", "林"), ("Huang", "黃"), ("Chang", "張"), ("Lee", "李")]
GIVEN = [("Mei-Ling", "美玲"), ("Chia-Hao", "家豪"), ("Tzu-Yu", "子瑜"), ("Wen-Chieh", "文傑")]
CATEGORIES = ["delegate", "delegate", "delegate", "vip", "speaker", "media", "staff"]


class Refused(Exception):
    """A request the API refused, or a check that failed."""


def _message(text: str) -> str:
    """The API's error envelope as a line (and its first refused guests), or the text."""
    try:
        envelope = json.loads(text)["error"]
        message = f"{envelope['code']}: {envelope['message']}"
        for row in envelope.get("rows", [])[:5]:
            message += f"\n  guest {row['index']}: {row['message']}"
        return message
    except (ValueError, KeyError, TypeError):
        return text[:300]


class Api:
    def __init__(self, base: str, token: str) -> None:
        self.base = base.rstrip("/") + "/api/v1"
        self.token = token
        self.requests = 0

    def call(
        self, method: str, path: str, body: Any = None, key: str | None = None, **query: Any
    ) -> Any:
        url = self.base + path
        if query:
            url += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if key:
            headers["Idempotency-Key"] = key
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        for attempt in range(RETRIES + 1):
            self.requests += 1
            try:
                with urllib.request.urlopen(request, timeout=120) as answer:
                    return json.loads(answer.read() or b"null")
            except urllib.error.HTTPError as error:
                text = error.read().decode("utf-8", "replace")
                if error.code in (429, 503) and attempt < RETRIES:
                    # Busy or over the token's rate: nothing was written; wait and ask again.
                    wait = error.headers.get("Retry-After", "")
                    time.sleep(min(int(wait), 30) if wait.isdigit() else 2**attempt)
                    continue
                raise Refused(f"{method} {path} answered {error.code}: {_message(text)}") from None
            except urllib.error.URLError as error:
                raise Refused(
                    f"{method} {path}: no answer from {self.base} ({error.reason})"
                ) from None
        raise AssertionError("unreachable")

    def pages(self, path: str, follow: str, **query: Any) -> list[dict[str, Any]]:
        """Every item of a list, page after page (`follow`: the query parameter `next` goes
        into: `page` for the guest list, `cursor` for the others)."""
        items: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            page = self.call("GET", path, limit=PAGE, **{follow: after}, **query)
            items += page["items"]
            after = page["next"]
            if after is None:
                return items


def event_body(slug: str, day: date) -> dict[str, Any]:
    zone = ZoneInfo(ZONE)

    def at(clock: str, on: date = day) -> str:
        hours, minutes = map(int, clock.split(":"))
        return datetime(on.year, on.month, on.day, hours, minutes, tzinfo=zone).isoformat()

    return {
        "slug": slug,
        **EVENT,
        "timezone": ZONE,
        "doors_open_at": at("13:10"),
        "starts_at": at("13:30"),
        "ends_at": at("16:45"),
        "rsvp_deadline": at("23:59", day - timedelta(days=5)),
        "capacity": 120,
        "held_seats": 0,
    }


def programme_body(item: tuple[str, str, str, str, str, list[tuple[str, str, str, str]]]) -> dict:
    kind, starts, ends, title_en, title_zh, people = item
    return {
        "kind": kind,
        "starts": starts,
        "ends": ends,
        "title_en": title_en,
        "title_zh": title_zh,
        "people": [
            {"role": role, "name_en": name_en, "name_zh": name_zh, "title_en": title}
            for role, name_en, name_zh, title in people
        ],
    }


def guests(slug: str, count: int) -> list[dict[str, str]]:
    """Guests with the import's columns: names in both scripts, half of them Chinese readers."""
    made = []
    for n in range(count):
        surname, given = SURNAMES[n % len(SURNAMES)], GIVEN[n // len(SURNAMES) % len(GIVEN)]
        made.append(
            {
                "email": f"guest{n:05d}@{slug}.example.org",
                "name_en": f"{surname[0]} {given[0]} {n}",
                "name_zh": f"{surname[1]}{given[1]}{n}",
                "organization": f"City {n % 40}",
                "title": "Director" if n % 3 else "",
                "category": CATEGORIES[n % len(CATEGORIES)],
                "language": "zh" if n % 2 else "en",
            }
        )
    return made


def check(condition: bool, what: str) -> None:
    if not condition:
        raise Refused(f"check failed: {what}")


def set_up(api: Api, slug: str, day: date, count: int) -> dict[str, Any]:
    def step(title: str) -> None:
        print(f"[{time.perf_counter() - started:6.2f} s] {title}", flush=True)

    started = time.perf_counter()
    step(f"creating the event {slug!r} on {day.isoformat()}")
    event = api.call("POST", "/events", event_body(slug, day), key=f"{slug}:event")
    base = f"/events/{event['id']}"

    step(f"putting {len(PROGRAMME)} items on its programme")
    for n, item in enumerate(PROGRAMME):
        api.call("POST", f"{base}/programme", programme_body(item), key=f"{slug}:programme:{n}")

    sent = guests(slug, count)
    step(f"adding {count} guests in one bulk request")
    bulk = api.call("POST", f"{base}/guests/bulk", sent, key=f"{slug}:guests")
    check(len(bulk["items"]) == count, f"the bulk answer names {len(bulk['items'])} guests")

    # A run again gets the event as it was first made; its state now is read.
    if api.call("GET", base)["state"] != "open":
        step("opening the event for answers")
        api.call("POST", f"{base}/open")
    step("queuing an invitation to every guest")
    api.call("POST", f"{base}/messages", {"kind": "invitation"}, key=f"{slug}:invite")

    step("reading it all back")
    read = api.call("GET", base)
    check(read["slug"] == slug and read["state"] == "open", f"the event reads {read['state']}")
    items = api.call("GET", f"{base}/programme")["items"]
    check(
        [(i["position"], i["title_en"]) for i in items]
        == [(n, item[3]) for n, item in enumerate(PROGRAMME, 1)],
        "the programme's items are not the ones sent, in their order",
    )
    people = sum(len(item[5]) for item in PROGRAMME)
    check(sum(len(i["people"]) for i in items) == people, "the programme's people")
    listed = api.pages(f"{base}/guests", "page")
    emails = sorted(guest["email"] for guest in listed)
    check(emails == sorted(g["email"] for g in sent), f"the guest list holds {len(listed)} guests")
    check(all(guest["state"] in ("pending", "not_sent") for guest in listed), "the guests' states")
    messages = api.pages(f"{base}/messages", "cursor", kind="invitation")
    invited = [message["guest_id"] for message in messages if message["state"] != "cancelled"]
    check(
        sorted(invited) == sorted(guest["id"] for guest in listed),
        f"{len(invited)} invitations for {len(listed)} guests",
    )
    seats = api.call("GET", f"{base}/seats")
    check(seats["capacity"] == 120, "the seats")
    step("done")
    return {
        "event": read,
        "programme": len(items),
        "guests": len(listed),
        "invitations": len(invited),
        "requests": api.requests,
        "seconds": time.perf_counter() - started,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--url", required=True, help="the app's address, e.g. http://127.0.0.1:5000"
    )
    parser.add_argument(
        "--token",
        default=os.environ.get("REGISTRAR_API_TOKEN"),
        help="an organizer API token (default: $REGISTRAR_API_TOKEN, which keeps it out of ps)",
    )
    parser.add_argument("--guests", type=int, default=500, help="guests to add (1 to 10,000)")
    parser.add_argument("--slug", default="citycop-api", help="the new event's short address")
    parser.add_argument(
        "--date",
        type=date.fromisoformat,
        default=date.today() + timedelta(days=60),
        help="the forum's day, YYYY-MM-DD (default: 60 days from today)",
    )
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("an API token is needed: --token or $REGISTRAR_API_TOKEN")
    if not 1 <= args.guests <= 10_000:
        parser.error("--guests: from 1 to 10,000 (the most one bulk request takes)")
    try:
        done = set_up(Api(args.url, args.token), args.slug, args.date, args.guests)
    except Refused as error:
        print(f"Stopped: {error}", file=sys.stderr)
        return 1
    event = done["event"]
    print(
        f"Event {event['id']} ({event['slug']}, {event['state']}): {done['programme']} programme "
        f"items, {done['guests']} guests, {done['invitations']} invitations; "
        f"{done['requests']} requests in {done['seconds']:.1f} s."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
