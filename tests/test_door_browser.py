"""The door scanner in a real browser: camera, scanner-gun field, search, exit, offline queue.

Headless Chromium (Debian's package, /usr/bin/chromium) driven by Playwright, its camera fed
from a one-frame Y4M file that shows a guest's badge QR code. scripts/test installs Chromium
when it is missing; without it these tests are skipped.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import request
from support.auth import PASSWORD
from support.browser import PHONE, TIMEOUT_MS, camera_file, in_browser
from support.factories import answer, make_event, make_guest, make_staff
from support.live_server import read as _read
from support.live_server import serving

from registrar import tokens
from registrar.extensions import db
from registrar.models import (
    Category,
    Channel,
    CheckIn,
    DoorNoAnswer,
    Event,
    Guest,
    Role,
    Scan,
    Verdict,
)
from registrar.services import audit, door, rsvp

playwright = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed: pip install -e '.[test]'"
)

pytestmark = in_browser

SCREENSHOTS = Path(__file__).parent / "screenshots"
# The page retries its queue every 5 s.
SYNC_WAIT_MS = 12_000


def _confirmed(event: Event, channel: Channel = Channel.EN, **fields) -> Guest:
    guest = make_guest(event, **fields)
    answer(guest, channel=channel)
    return guest


def _code(guest: Guest) -> str:
    return tokens.badge_code(guest.event_id, guest.id, guest.badge_version)


def _scans(event_id: int) -> list[Scan]:
    return _read(
        lambda: list(
            db.session.scalars(sa.select(Scan).where(Scan.event_id == event_id).order_by(Scan.id))
        )
    )


class Scanner:
    """The door page as a volunteer uses it, plus a record of what it fetched."""

    def __init__(self, context, base_url: str):
        self.context = context
        self.base_url = base_url
        self.page = context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.elsewhere: list[str] = []
        self.page.on("request", self._note_request)
        self.page.on("requestfailed", lambda r: print("request failed", r.url, r.failure))
        # Shown by pytest when a test fails.
        self.page.on(
            "console",
            lambda m: print("console", m.type, m.text) if m.type in ("error", "warning") else None,
        )

    def _note_request(self, request) -> None:
        if not request.url.startswith((self.base_url, "data:", "blob:")):
            self.elsewhere.append(request.url)

    def log_in(self, email: str) -> None:
        self.page.goto(self.base_url + "/login")
        self.page.fill("#email", email)
        self.page.fill("#password", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state()

    def open(self, path: str) -> None:
        self.page.goto(self.base_url + path)
        self.page.wait_for_selector("body[data-door-ready]")

    def type_code(self, code: str) -> None:
        self.page.fill("#code", code)
        self.page.press("#code", "Enter")

    def verdict(self, kind: str):
        """The verdict on screen, once it is of this kind (good, warn, bad, wait)."""
        overlay = self.page.locator(f"#verdict.verdict-{kind}")
        overlay.wait_for(state="visible")
        return overlay

    def dismiss(self) -> None:
        self.page.locator("#verdict").click(position={"x": 8, "y": 8})
        self.page.locator("#verdict").wait_for(state="hidden")

    def occupancy(self) -> str:
        return " ".join(self.page.locator("#occupancy").inner_text().split())

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / name))


def test_door_journey_camera_keyboard_exit_and_offline(app, tmp_path, browser):
    event = make_event(capacity=10)
    star = _confirmed(
        event,
        Channel.ZH,
        name_en="Lai Ching-Ming",
        name_zh="賴慶明",
        organization="Kaohsiung City Government",
    )
    others = [_confirmed(event) for _ in range(3)]
    make_staff("door@example.org", Role.DOOR, PASSWORD)
    camera = camera_file(_code(star), tmp_path / "badge.y4m")
    event_id, star_id, star_code = event.id, star.id, _code(star)
    other_ids, other_codes = [g.id for g in others], [_code(g) for g in others]
    db.session.commit()

    with serving(app) as url:
        chromium = browser(camera)
        context = chromium.new_context(viewport=PHONE, locale="en-GB")
        door_page = Scanner(context, url)
        page = door_page.page
        door_page.log_in("door@example.org")
        door_page.open(f"/door/events/{event_id}?gate=Main%20door")
        assert door_page.occupancy() == "0 / 10"

        # 1. The camera reads the badge: green, both names, the channel to hand out.
        page.click("#camera-toggle")
        green = door_page.verdict("good")
        assert "Checked in" in green.inner_text()
        assert page.inner_text("#verdict-name") == "Lai Ching-Ming"
        assert page.inner_text("#verdict-name-other") == "賴慶明"
        assert "Kaohsiung City Government" in page.inner_text("#verdict-org")
        assert page.inner_text("#verdict-channel-big") == "中"
        assert page.locator("#receiver").is_visible()
        assert page.get_attribute("body", "data-decoder") in ("native", "zxing-wasm")
        door_page.screenshot("door-green.png")
        # The badge stays in front of the camera; it counts once. Then the verdict goes by
        # itself and the code field is ready for the next badge.
        page.locator("#verdict").wait_for(state="hidden", timeout=5000)
        page.wait_for_timeout(1500)
        assert [s.verdict for s in _scans(event_id)] == [Verdict.OK]
        assert page.evaluate("document.activeElement.id") == "code"
        page.click("#camera-toggle")
        assert page.locator("#camera-view").is_hidden()
        assert door_page.occupancy() == "1 / 10"

        # 2. The same badge typed (as a scanner gun does): amber, with the first door and time.
        door_page.type_code(star_code)
        amber = door_page.verdict("warn")
        assert "Already checked in" in amber.inner_text()
        assert "Main door" in page.inner_text("#verdict-detail")
        door_page.dismiss()

        # 3. A tampered code: red, said in words.
        door_page.type_code(star_code[:-3] + "AAA")
        red = door_page.verdict("bad")
        assert "Not a valid badge" in red.inner_text()
        assert page.locator("#verdict-guest").is_hidden()
        door_page.screenshot("door-red.png")
        door_page.dismiss()
        assert door_page.occupancy() == "1 / 10"

        # 4. Exit.
        page.check("input[name=direction][value=out]")
        door_page.type_code(star_code)
        gone = door_page.verdict("good")
        assert "Exit recorded" in gone.inner_text()
        door_page.dismiss()
        assert door_page.occupancy() == "0 / 10"
        page.check("input[name=direction][value=in]")

        # 5. The network goes: three badges are kept on the phone, marked provisional.
        context.set_offline(True)
        page.locator("#offline-banner").wait_for(state="visible")
        for code in other_codes:
            door_page.type_code(code)
            provisional = door_page.verdict("wait")
            assert "Saved, will sync" in provisional.inner_text()
            door_page.dismiss()
        assert page.inner_text("#pending") == "Pending sync (3)"
        door_page.screenshot("door-offline.png")
        assert _read(lambda: db.session.scalars(sa.select(CheckIn.guest_id)).all()) == [star_id]

        # 6. The network comes back: the queue empties by itself.
        context.set_offline(False)
        page.locator("#pending").wait_for(state="hidden")
        page.locator("#offline-banner").wait_for(state="hidden")
        page.wait_for_function(
            "document.getElementById('occupancy-inside').textContent.trim() === '3'"
        )
        assert page.evaluate("localStorage.length") >= 1
        assert page.evaluate(f"localStorage.getItem('registrar.door.queue.v1.{event_id}')") == "[]"
        chromium.close()
        assert door_page.elsewhere == [], "the scanner fetched from outside this server"

    synced = [s for s in _scans(event_id) if s.guest_id in other_ids]
    assert sorted(s.guest_id for s in synced) == sorted(other_ids)
    assert {(s.verdict, s.offline, s.duplicate, s.gate) for s in synced} == {
        (Verdict.OK, True, False, "Main door")
    }
    assert len({s.nonce for s in synced}) == 3
    # Each scan kept the time it was read, not the time it synced.
    assert all(s.scanned_at < s.recorded_at for s in synced)
    inside = _read(
        lambda: db.session.scalars(sa.select(CheckIn.guest_id).where(CheckIn.inside)).all()
    )
    assert sorted(inside) == sorted(other_ids)
    all_scans = _scans(event_id)
    assert [s.verdict for s in all_scans if s.guest_id == star_id] == [
        Verdict.OK,
        Verdict.ALREADY_CHECKED_IN,
        Verdict.OK,
    ]
    assert len(all_scans) == 7  # star: 3, the tampered code: 1, the three synced: 3


# A browser's own BarcodeDetector, for the page's native path where headless Chromium on Linux
# has none: it reads with the vendored decoder, but the page sees only the browser's API.
NATIVE_DETECTOR = """
(() => {
  let ready = null;
  const decoder = () => ready || (ready = new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = "/static/vendor/barcode-detector/barcode-detector.ponyfill.js";
    script.onload = resolve;
    script.onerror = reject;
    document.head.appendChild(script);
  }).then(() => window.BarcodeDetectionAPI.prepareZXingModule({
    overrides: { locateFile: () => "/static/vendor/barcode-detector/zxing_reader.wasm" },
    fireImmediately: true,
  })));
  window.BarcodeDetector = class {
    static getSupportedFormats() { return decoder().then(() => ["qr_code"]); }
    constructor(options) { this.inner = new window.BarcodeDetectionAPI.BarcodeDetector(options); }
    detect(source) { return this.inner.detect(source); }
  };
})();
"""


# How many frames the camera had shown when the video started playing (the moment the page
# learns a frame is there): the first reading must be of that frame, not a later one.
FRAMES_AT_PLAYING = """
document.addEventListener("playing", (event) => {
  if (event.target.id === "camera-video" && window.framesAtPlaying === undefined) {
    window.framesAtPlaying = event.target.getVideoPlaybackQuality().totalVideoFrames;
  }
}, true);
"""


@pytest.mark.parametrize("decoder", ["zxing-wasm", "native"])
def test_the_camera_reads_the_badge_from_the_first_frame_it_delivers(
    app, tmp_path, browser, decoder
):
    event = make_event(capacity=10)
    guest = _confirmed(event, name_en="Chen Ya-Ting")
    make_staff("door@example.org", Role.DOOR, PASSWORD)
    camera = camera_file(_code(guest), tmp_path / "badge.y4m")
    event_id = event.id
    db.session.commit()

    with serving(app) as url:
        context = browser(camera).new_context(viewport=PHONE, locale="en-GB")
        if decoder == "native":
            context.add_init_script(NATIVE_DETECTOR)
        context.add_init_script(FRAMES_AT_PLAYING)
        door_page = Scanner(context, url)
        page = door_page.page
        door_page.log_in("door@example.org")
        door_page.open(f"/door/events/{event_id}")
        # The page loads its decoder by itself once it is idle, before the camera is wanted.
        page.wait_for_selector(f"body[data-decoder={decoder}]", state="attached")
        page.click("#camera-toggle")
        assert "Chen Ya-Ting" in door_page.verdict("good").inner_text()
        video = page.locator("#camera-video")
        # One decode, of the frame the camera had delivered when it started playing: no wait
        # before reading it (a fixed wait lets the camera show several more).
        assert video.get_attribute("data-read-by-detect") == "1"
        read_at = int(video.get_attribute("data-read-at-frame"))
        assert read_at == page.evaluate("window.framesAtPlaying")
    assert [s.verdict for s in _scans(event_id)] == [Verdict.OK]


def test_without_a_decoder_the_camera_stops_and_says_to_use_the_code_field(app, tmp_path, browser):
    event = make_event(capacity=10)
    guest = _confirmed(event)
    make_staff("door@example.org", Role.DOOR, PASSWORD)
    camera = camera_file(_code(guest), tmp_path / "badge.y4m")
    event_id, code = event.id, _code(guest)
    db.session.commit()

    with serving(app) as url:
        context = browser(camera).new_context(viewport=PHONE, locale="en-GB")
        context.route("**/zxing_reader.wasm", lambda route: route.abort())
        door_page = Scanner(context, url)
        page = door_page.page
        door_page.log_in("door@example.org")
        door_page.open(f"/door/events/{event_id}")
        page.click("#camera-toggle")
        state = page.locator("#camera-state")
        state.filter(has_text="This browser cannot read QR codes").wait_for()
        assert page.locator("#camera-view").is_hidden()
        assert page.get_attribute("#camera-toggle", "aria-pressed") == "false"
        # The code field still works.
        door_page.type_code(code)
        door_page.verdict("good")
    assert [s.verdict for s in _scans(event_id)] == [Verdict.OK]


def test_volunteer_link_in_chinese_finds_a_guest_by_name_and_tracks_the_receiver(app, browser):
    event = make_event(capacity=10)
    guest = _confirmed(
        event,
        Channel.EN,
        name_en="Chen Mei-Ling",
        name_zh="陳美玲",
        organization="ICLEI",
        category=Category.VIP,
    )
    link = door.create_link(event, "北門", 4, audit.SYSTEM)
    db.session.commit()
    token = tokens.door_link_token(link.id, event.id)
    event_id, guest_id, code, link_id = event.id, guest.id, _code(guest), link.id
    db.session.commit()

    with serving(app) as url:
        chromium = browser()
        context = chromium.new_context(viewport=PHONE, locale="zh-TW")
        door_page = Scanner(context, url)
        page = door_page.page
        page.goto(f"{url}/door/l/{token}")
        page.wait_for_selector("body[data-door-ready]")
        assert page.input_value("#gate") == "北門"
        assert page.locator(".door-direction-choice").all_inner_texts() == ["入場", "離場"]

        page.fill("#search", "美玲")
        result = page.locator(".door-result")
        result.wait_for()
        assert "Chen Mei-Ling" in result.inner_text()
        result.locator("button").click()
        green = door_page.verdict("good")
        assert "報到成功" in green.inner_text()
        assert page.inner_text("#verdict-name") == "陳美玲"
        assert page.inner_text("#verdict-channel-big") == "EN"
        # A VIP: the protocol desk is called, in the staff's language first, then the other.
        vip = page.locator("#verdict-vip")
        assert vip.is_visible()
        assert vip.locator("p").all_inner_texts() == [
            "貴賓：請通知禮賓組",
            "VIP — please call the protocol desk",
        ]
        assert (
            float(
                vip.locator(".verdict-vip-call").evaluate(
                    "e => parseFloat(getComputedStyle(e).fontSize)"
                )
            )
            >= 32
        )
        door_page.screenshot("door-green-zh.png")
        page.fill("#receiver", "17")
        page.click("#verdict-receiver button")
        page.locator("#verdict-message").wait_for(state="visible")
        assert page.inner_text("#verdict-message") == "已記錄接收器 17。"
        page.locator("#verdict").wait_for(state="hidden")

        page.check("input[name=direction][value=out]")
        door_page.type_code(code)
        door_page.verdict("good")
        assert not page.locator("#verdict-vip").is_visible()
        returned = page.locator("#verdict-returned")
        assert returned.inner_text() == "歸還接收器 17"
        returned.click()
        page.locator("#verdict-message").wait_for(state="visible")
        page.locator("#verdict").wait_for(state="hidden")
        chromium.close()
        assert door_page.elsewhere == []

    presence = _read(
        lambda: db.session.scalar(sa.select(CheckIn).where(CheckIn.guest_id == guest_id))
    )
    assert presence.receiver == "17"
    assert presence.receiver_returned_at is not None
    assert presence.inside is False
    scans = _scans(event_id)
    assert [(s.manual, s.direction.value, s.actor) for s in scans] == [
        (True, "in", f"door-link:{link_id}"),
        (False, "out", f"door-link:{link_id}"),
    ]


def test_full_room_offers_override_to_organizers_only(app, browser):
    event = make_event(capacity=1)
    first = _confirmed(event)
    second = make_guest(event)
    make_staff("door@example.org", Role.DOOR, PASSWORD)
    make_staff("organizer@example.org", Role.ORGANIZER, PASSWORD)
    event_id, first_code, second_code = event.id, _code(first), _code(second)
    second_id = second.id
    db.session.commit()

    with serving(app) as url:
        chromium = browser()
        volunteer = Scanner(chromium.new_context(viewport=PHONE, locale="en-GB"), url)
        volunteer.log_in("door@example.org")
        volunteer.open(f"/door/events/{event_id}")
        volunteer.type_code(first_code)
        volunteer.verdict("good")
        volunteer.dismiss()
        # The first guest cancels while inside; the waitlist's next one (here: a late "yes")
        # gets the seat, and the room is full when they arrive.
        rsvp.answer(first.id, first.token_version, rsvp.RsvpAnswer(attending=False), audit.GUEST)
        rsvp.answer(
            second_id,
            1,
            rsvp.RsvpAnswer(attending=True, channel=Channel.FLOOR),
            audit.GUEST,
        )
        db.session.commit()

        volunteer.type_code(second_code)
        full = volunteer.verdict("bad")
        assert "Room is full" in full.inner_text()
        assert volunteer.page.locator("#verdict-override").is_hidden()
        volunteer.dismiss()

        organizer = Scanner(chromium.new_context(viewport=PHONE, locale="en-GB"), url)
        organizer.log_in("organizer@example.org")
        organizer.open(f"/door/events/{event_id}")
        organizer.type_code(second_code)
        organizer.verdict("bad")
        organizer.page.click("#verdict-override")
        let_in = organizer.verdict("good")
        assert "Checked in" in let_in.inner_text()
        # Listens to the floor: no receiver to hand out.
        assert organizer.page.inner_text("#verdict-channel-name") == "No receiver"
        assert organizer.page.locator("#receiver").is_hidden()
        assert organizer.occupancy() == "2 / 1"
        chromium.close()

    overrides = [s for s in _scans(event_id) if s.override]
    assert [(s.guest_id, s.verdict) for s in overrides] == [(second_id, Verdict.OK)]


def test_queue_survives_reload_keeps_server_errors_and_drops_refused_scans(app, browser):
    event = make_event(capacity=10)
    kept, refused = _confirmed(event), _confirmed(event)
    make_staff("door@example.org", Role.DOOR, PASSWORD)
    event_id, kept_id, kept_code, refused_code = event.id, kept.id, _code(kept), _code(refused)
    refused_name = refused.name_en
    db.session.commit()
    server = {"mode": "down"}

    def scans_route(route) -> None:
        body = route.request.post_data_json or {}
        if server["mode"] == "down":
            route.fulfill(status=503, json={"error": {"code": "busy", "message": "Busy."}})
        elif body.get("code") == refused_code:
            route.fulfill(
                status=400, json={"error": {"code": "bad_request", "message": "Not like this."}}
            )
        else:
            route.continue_()

    with serving(app) as url:
        chromium = browser()
        context = chromium.new_context(viewport=PHONE, locale="en-GB")
        door_page = Scanner(context, url)
        page = door_page.page
        door_page.log_in("door@example.org")
        door_page.open(f"/door/events/{event_id}")
        page.route("**/api/v1/events/*/scans", scans_route)

        context.set_offline(True)
        for code in (kept_code, refused_code):
            door_page.type_code(code)
            door_page.verdict("wait")
            door_page.dismiss()
        # Back online, but the server answers 503: both stay queued, also across a reload.
        with page.expect_response("**/scans"):
            context.set_offline(False)
        with page.expect_response("**/scans") as answer:
            door_page.open(f"/door/events/{event_id}")  # which sends the queue at once
        assert answer.value.status == 503
        assert page.inner_text("#pending") == "Pending sync (2)"
        assert _scans(event_id) == []

        # The server is back: one goes in, the other is refused and dropped with a note.
        server["mode"] = "up"
        page.locator("#pending").wait_for(state="hidden", timeout=SYNC_WAIT_MS)
        note = page.locator("#notes li")
        assert "refused by the server: Not like this." in note.inner_text()
        # The door list on the device named the guest when the scan was saved.
        assert refused_name in note.inner_text()
        chromium.close()

    (row,) = _scans(event_id)
    assert (row.guest_id, row.verdict, row.offline) == (kept_id, Verdict.OK, True)


def test_scanner_page_opens_again_without_network_and_keeps_scanning(app, browser):
    event = make_event(capacity=10)
    guest = _confirmed(event)
    make_staff("door@example.org", Role.DOOR, PASSWORD)
    event_id, guest_id, code = event.id, guest.id, _code(guest)
    db.session.commit()
    pages_served = []
    app.before_request(
        lambda: pages_served.append(request.path) if request.path.startswith("/door/") else None
    )

    with serving(app) as url:
        chromium = browser()
        context = chromium.new_context(viewport=PHONE, locale="en-GB")
        door_page = Scanner(context, url)
        page = door_page.page
        door_page.log_in("door@example.org")
        door_page.open(f"/door/events/{event_id}?gate=East")
        # The service worker has taken a copy of the page and of what it loads.
        page.wait_for_selector("body[data-door-offline-ready]")
        pages_served.clear()

        context.set_offline(True)
        reloaded = page.reload()
        page.wait_for_selector("body[data-door-ready]")
        assert reloaded.from_service_worker
        assert pages_served == [], "the page came from the server, not from the kept copy"
        assert page.is_visible("#offline-banner")
        # The page works as before: the scan waits in the queue, across this reload too.
        door_page.type_code(code)
        door_page.verdict("wait")
        door_page.dismiss()
        assert page.inner_text("#pending") == "Pending sync (1)"
        assert _scans(event_id) == []

        context.set_offline(False)
        page.locator("#pending").wait_for(state="hidden", timeout=SYNC_WAIT_MS)
        assert [(s.guest_id, s.verdict, s.offline) for s in _scans(event_id)] == [
            (guest_id, Verdict.OK, True)
        ]
        assert door_page.elsewhere == []
        context.close()


def test_scanner_page_kept_offline_is_forgotten_when_access_ends(app, browser):
    event = make_event(capacity=10)
    link = door.create_link(event, "Volunteer", 2, audit.SYSTEM)
    db.session.commit()
    event_id, link_id, token_url = event.id, link.id, door.link_url(link)
    token_path = "/door/l/" + token_url.rsplit("/door/l/", 1)[1]

    with serving(app) as url:
        chromium = browser()
        context = chromium.new_context(viewport=PHONE, locale="en-GB")
        door_page = Scanner(context, url)
        page = door_page.page
        door_page.open(token_path)
        page.wait_for_selector("body[data-door-offline-ready]")

        # The link is withdrawn; the next load online is refused, and the copy goes with it.
        door.revoke_link(link_id, audit.SYSTEM)
        db.session.commit()
        refused = page.goto(f"{url}/door/events/{event_id}")
        assert refused.status == 410
        context.set_offline(True)
        with pytest.raises(playwright.Error, match="ERR_FAILED|ERR_INTERNET_DISCONNECTED"):
            page.goto(f"{url}/door/events/{event_id}")
        context.close()


def test_a_guest_who_never_answered_is_blue_and_let_in_where_the_event_allows(app, browser):
    event = make_event(capacity=3, door_no_answer=DoorNoAnswer.LET_IN)
    guest = make_guest(event, name_en="Wu Never-Answered", name_zh="吳未覆")
    make_staff("door@example.org", Role.DOOR, PASSWORD)
    event_id, code, guest_id = event.id, _code(guest), guest.id
    db.session.commit()

    with serving(app) as url:
        chromium = browser()
        volunteer = Scanner(chromium.new_context(viewport=PHONE, locale="en-GB"), url)
        volunteer.log_in("door@example.org")
        volunteer.open(f"/door/events/{event_id}")
        volunteer.page.fill("#search", "never")
        tag = volunteer.page.locator("#results .tag-blue")
        assert tag.inner_text() == "No answer yet"

        volunteer.type_code(code)
        asked = volunteer.verdict("ask")
        words = asked.inner_text()
        assert "No answer yet" in words and "A seat is free" in words
        assert "declined" not in words.lower() and "not attending" not in words.lower()
        colour = asked.evaluate("element => getComputedStyle(element).backgroundColor")
        assert colour == "rgb(31, 95, 168)"
        assert volunteer.page.locator(".verdict-ask .icon-ask").is_visible()
        volunteer.screenshot("door-no-answer.png")

        # The headset handed out is the channel the answer records.
        volunteer.page.select_option("#verdict-let-in-channel", "zh")
        volunteer.page.click("#verdict-let-in")
        let_in = volunteer.verdict("good")
        assert "recorded as attending" in let_in.inner_text()
        assert volunteer.occupancy() == "1 / 3"
        chromium.close()

    (scan,) = [s for s in _scans(event_id) if s.verdict == Verdict.OK]
    assert scan.guest_id == guest_id
    assert [s.verdict for s in _scans(event_id)] == [Verdict.NO_ANSWER, Verdict.OK]
    db.session.expire_all()
    answer = db.session.get(Guest, guest_id).rsvp
    assert answer.attending and answer.channel == Channel.ZH


def test_an_accompanying_person_is_let_in_and_shown_with_the_guest_they_accompany(app, browser):
    from registrar import unit_of_work
    from registrar.services import companions

    event = make_event(capacity=3, companion_limits="vip=1")
    mayor = _confirmed(event, name_en="Chen Chi-Mai", name_zh="陳其邁", category=Category.VIP)
    details = companions.CompanionDetails(name_en="Lin Chih-Hao", name_zh="林志豪")
    aide = unit_of_work.run(lambda: companions.add(mayor.id, details, "staff:1"))
    make_staff("door@example.org", Role.DOOR, PASSWORD)
    event_id, code = event.id, _code(aide)
    db.session.commit()

    with serving(app) as url:
        chromium = browser()
        volunteer = Scanner(chromium.new_context(viewport=PHONE, locale="en-GB"), url)
        volunteer.log_in("door@example.org")
        volunteer.open(f"/door/events/{event_id}")
        volunteer.type_code(code)
        good = volunteer.verdict("good")
        assert "Lin Chih-Hao" in good.inner_text()
        assert (
            volunteer.page.inner_text("#verdict-companion") == "Accompanying Chen Chi-Mai · 陳其邁"
        )
        assert "Aide" in volunteer.page.inner_text("#verdict-org")
        # Not the VIP: the door calls the protocol desk for the guest, not for the aide.
        assert not volunteer.page.locator("#verdict-vip").is_visible()
        assert volunteer.occupancy() == "1 / 3"
        chromium.close()
