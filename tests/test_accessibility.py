"""Accessibility of every page in a real browser: axe-core, 200% zoom, and printed lists.

axe-core (tests/vendor/axe-core/, test set-up only) runs in headless Chromium on the guest's
invitation page in each state, the door scanner idle and showing its verdicts, the login page
and every console screen, in English and in Chinese; no violation of impact serious or critical
may remain. At 200% zoom no page may scroll sideways; printed lists show the table only.

One browser and one live server for the module: the pages only read what the module's set-up
wrote (the scanner's own check-ins aside), so the tests can share them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from support.app import TEMPLATES, TEST_SECRET
from support.browser import PHONE, TIMEOUT_MS, launch_chromium, needs_chromium
from support.factories import invitation_path, make_guest
from support.live_server import serving
from support.sessions import choose, make_sessions_event

from registrar import create_app, demo, tokens
from registrar.extensions import db
from registrar.mail import campaigns, delivery
from registrar.models import Airport, Channel, GuestTravel, HotelChoice, Language
from registrar.services import audit, door, invitations, rsvp, seats

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
pytestmark = needs_chromium

SCREENSHOTS = Path(__file__).parent / "screenshots"
LANGUAGES = ["en", "zh_Hant"]
HTML_LANG = {"en": "en", "zh_Hant": "zh-Hant-TW"}
DESKTOP = {"width": 1280, "height": 800}
# What a 1280x800 screen shows at 200% browser zoom: half the CSS pixels, each drawn twice.
ZOOMED = {"viewport": {"width": 640, "height": 400}, "device_scale_factor": 2}
# The impacts that fail a test; A11Y_IMPACTS="minor moderate serious critical" shows them all.
BLOCKING = tuple(os.environ.get("A11Y_IMPACTS", "serious critical").split())


@dataclass(frozen=True)
class Site:
    base: str
    event_id: int
    pending: str  # invitation paths, by the guest's state
    confirmed: str
    waitlisted: str
    declined: str
    guests: dict[str, int]  # guest ids by state
    item: int  # the programme's first item
    badge_codes: dict[str, str]  # a confirmed guest's badge code for each language's scan
    # A guest of an event with sessions, confirmed in Session 3 and waitlisted in Session 2.
    partly: str = ""

    def url(self, path: str, lang: str) -> str:
        return f"{self.base}{path}{'&' if '?' in path else '?'}lang={lang}"


def _seed() -> dict:
    """The demo forum with its programme, guests and answers, plus one guest in every state."""
    result = demo.seed(date.today())
    event, guests = result.event, result.guests
    # Three seats more than the demo's answers take: one for a guest who sees the badge, two for
    # the scanner's check-ins (one per language). Then the room is full, and a "yes" waits.
    # The demo's guests choose sessions: the room's capacity applies to each (as full as the
    # other, a guest choosing one of them in each).
    counts = seats.sessions.fullest(event) or seats.seat_counts(event)
    capacity = counts.confirmed + event.held_seats + 3
    seats.set_capacity(event.id, capacity, event.held_seats, audit.SYSTEM)
    pending, declined = guests[5], guests[9]
    confirmed = make_guest(event, name_en="Lena Fischer", name_zh="費麗娜", language=Language.EN)
    scanned = [make_guest(event, name_en=f"Door Guest {n}", name_zh=f"門口來賓{n}") for n in (1, 2)]
    for guest in [confirmed, *scanned]:
        rsvp.answer(guest.id, guest.token_version, rsvp.RsvpAnswer(True, Channel.EN), audit.GUEST)
    waitlisted = [guests[8], guests[11]]
    for guest in waitlisted:
        rsvp.answer(guest.id, guest.token_version, rsvp.RsvpAnswer(True, Channel.ZH), audit.GUEST)
    invitations.revoke(guests[12].id, audit.SYSTEM)
    campaigns.send_invitations(event, audit.SYSTEM)
    door.create_link(event, "North door", 4, audit.SYSTEM)
    _travels(event, confirmed)
    db.session.commit()
    delivery.deliver_due(limit=3)
    db.session.commit()
    sessions_event, session_2, session_3 = make_sessions_event(capacity=1)
    choose(make_guest(sessions_event), session_2)
    partly = make_guest(sessions_event, name_en="Lin Mei-Hua", name_zh="林美華")
    choose(partly, session_2, session_3)
    return {
        "partly": invitation_path(partly),
        "event_id": event.id,
        "pending": invitation_path(pending),
        "confirmed": invitation_path(confirmed),
        "waitlisted": invitation_path(waitlisted[0]),
        "declined": invitation_path(declined),
        "guests": {"pending": pending.id, "confirmed": confirmed.id, "declined": declined.id},
        "item": event.agenda[0].id,
        "badge_codes": {
            lang: tokens.badge_code(event.id, guest.id, guest.badge_version)
            for lang, guest in zip(LANGUAGES, scanned, strict=True)
        },
    }


def _travels(event, guest) -> None:
    """The confirmed guest is offered travel and gave a flight into KHH with a pickup."""
    guest.travel_offered = True
    event.travel_hotels = "Grand Hi-Lai Hotel\nHotel Nikko Kaohsiung"
    day = event.starts_at.date()
    db.session.add(
        GuestTravel(
            event_id=event.id,
            guest_id=guest.id,
            arrival_date=day - timedelta(days=1),
            arrival_time=time(14, 35),
            arrival_flight="BR 27",
            arrival_airport=Airport.KHH,
            arrival_pickup=True,
            departure_date=day + timedelta(days=1),
            departure_time=time(9, 10),
            departure_flight="CI 61",
            departure_airport=Airport.OTHER,
            departure_airport_name="Tainan",
            departure_pickup=True,
            hotel_choice=HotelChoice.BOOKED,
            hotel_name="Grand Hi-Lai Hotel",
            check_in=day - timedelta(days=1),
            check_out=day + timedelta(days=1),
        )
    )


# SQLite only, like the other browser tests: the database does not change the markup, and
# every page and state checked here is also checked on PostgreSQL by the route tests.
@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The demo's data served on 127.0.0.1, for the whole module."""
    folder = tmp_path_factory.mktemp("accessibility")
    database_url = f"sqlite:///{folder / 'registrar.sqlite'}"
    with pytest.MonkeyPatch.context() as patch:
        (folder / "instance").mkdir()
        patch.setenv("REGISTRAR_INSTANCE_PATH", str(folder / "instance"))
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": TEST_SECRET,
                "SQLALCHEMY_DATABASE_URI": database_url,
                "WTF_CSRF_ENABLED": True,
                "REGISTRAR_BASE_URL": "http://localhost",
                "RATELIMIT_ENABLED": False,
            }
        )
        app.jinja_env.bytecode_cache = TEMPLATES
        with app.app_context():
            db.create_all()
            seeded = _seed()
            # The server's requests must not wait for a transaction of ours (SQLite).
            db.session.remove()
            with serving(app) as base:
                yield Site(base=base, **seeded)
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as runner:
        browser = launch_chromium(runner)
        yield browser
        browser.close()


def _context(chromium, **options):
    # The pages' policy (script-src 'self') refuses the inline script add_script_tag makes;
    # axe needs to run in the page, the application's policy stays as it is.
    context = chromium.new_context(bypass_csp=True, locale="en-GB", **options)
    context.set_default_timeout(TIMEOUT_MS)
    return context


@pytest.fixture(scope="module")
def visitor(chromium, site):
    """A guest's phone, logged in nowhere."""
    context = _context(chromium, viewport=PHONE, is_mobile=True, has_touch=True)
    yield context
    context.close()


@pytest.fixture(scope="module")
def organizer(chromium, site):
    """A laptop with the organizer logged in."""
    context = _context(chromium, viewport=DESKTOP)
    page = context.new_page()
    _log_in(page, site.base)
    page.close()
    yield context
    context.close()


def _log_in(page, base: str) -> None:
    page.goto(base + "/login")
    page.fill("#email", demo.ORGANIZER_EMAIL)
    page.fill("#password", demo.ORGANIZER_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/console/" in page.url, "the organizer could not log in"


@pytest.fixture
def page_of():
    """Opens pages in a context and closes them after the test."""
    opened = []

    def open_in(context):
        page = context.new_page()
        opened.append(page)
        return page

    yield open_in
    for page in opened:
        page.close()


def _violations(page, within: str | None = None, *, clock_stopped: bool = False) -> list[dict]:
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    run = "axe.run(within || document, {resultTypes: ['violations']})"
    if not clock_stopped:
        results = page.evaluate(f"within => {run}", within)
    else:
        # axe waits on timers of its own: let the stopped clock tick, a millisecond at a time.
        page.evaluate(
            f"within => {{ window.__axe = null; {run}.then(r => window.__axe = r); }}", within
        )
        for _ in range(1000):
            page.clock.run_for(1)
            results = page.evaluate("window.__axe")
            if results is not None:
                break
        else:
            pytest.fail("axe did not finish within 1000 ticks of the stopped clock")
    return [v for v in results["violations"] if v["impact"] in BLOCKING]


def _report(where: str, violations: list[dict]) -> str:
    lines = [
        f"{where}: {len(violations)} accessibility violation(s) of impact {'/'.join(BLOCKING)}"
    ]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:8]:
            target = " >> ".join(str(t) for t in node["target"])
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    {target}: {summary[:300]}")
        if len(violation["nodes"]) > 8:
            lines.append(f"    … and {len(violation['nodes']) - 8} more")
        lines.append(f"    {violation['helpUrl']}")
    return "\n".join(lines)


def assert_accessible(page, where: str, within: str | None = None, **options) -> None:
    violations = _violations(page, within, **options)
    assert not violations, _report(where, violations)


def _open(page, url: str, lang: str) -> None:
    response = page.goto(url)
    assert response is not None and response.ok, f"{url}: {response and response.status}"
    assert page.locator("html").get_attribute("lang") == HTML_LANG[lang]


# -- the guest -------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("state", ["pending", "confirmed", "waitlisted", "declined"])
def test_invitation_page(site, visitor, page_of, state, lang):
    page = page_of(visitor)
    _open(page, site.url(getattr(site, state), lang), lang)
    assert f"status-{state}" in page.locator("#status").get_attribute("class")
    if state == "confirmed":
        page.locator("img.badge-qr").wait_for()
    assert_accessible(page, f"invitation page, {state}, {lang}")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_invitation_page_of_a_guest_confirmed_in_one_session_and_waiting_for_another(
    site, visitor, page_of, lang
):
    page = page_of(visitor)
    _open(page, site.url(site.partly, lang), lang)
    page.locator("img.badge-qr").wait_for()
    assert page.locator(".session-partly").is_visible()
    assert page.locator(".session-place").count() == 2
    assert page.locator(".badge-session").count() == 1
    _no_sideways_scrolling(page, f"invitation page with sessions, {lang}")
    assert_accessible(page, f"invitation page with sessions, {lang}")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_invitation_page_with_errors(site, visitor, page_of, lang):
    """An answer the form refuses: the errors must be as readable as the rest."""
    page = page_of(visitor)
    _open(page, site.url(site.pending, lang), lang)
    page.check("input[name=attending][value=yes]")
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    assert page.locator(".has-error").count() >= 1
    assert_accessible(page, f"invitation page with errors, {lang}")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_travel_page(site, visitor, page_of, lang):
    """A travelling guest's flights and hotel on a phone, and the form refusing a bad flight."""
    page = page_of(visitor)
    _open(page, site.url(f"{site.confirmed}/travel", lang), lang)
    page.locator("#travel-given").wait_for()
    assert_accessible(page, f"travel page, {lang}")
    _no_sideways_scrolling(page, "travel page")
    page.fill("#arrival_flight", "not a flight")
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    assert page.locator(".has-error").count() >= 1
    assert_accessible(page, f"travel page with errors, {lang}")


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(
    "path",
    ["/", "/login", "/login/forgot", "/no-such-page", "/letters/L1-1-AAAAAAAAAAAAAAAA"],
    ids=["home", "login", "forgot", "404", "letter-not-valid"],
)
def test_public_pages(site, chromium, page_of, path, lang):
    context = _context(chromium, viewport=PHONE, is_mobile=True)
    try:
        page = context.new_page()
        response = page.goto(site.url(path, lang))
        assert response is not None and response.status in (200, 404)
        assert page.locator("html").get_attribute("lang") == HTML_LANG[lang]
        assert_accessible(page, f"{path}, {lang}")
        if path == "/login":
            page.fill("#email", "nobody@example.org")
            page.fill("#password", "wrong")
            page.click("button[type=submit]")
            page.wait_for_load_state()
            assert_accessible(page, f"login refused, {lang}")
    finally:
        context.close()


# -- the door --------------------------------------------------------------------------------


def _scanner(page, site: Site, lang: str) -> None:
    _open(page, site.url(f"/door/events/{site.event_id}", lang), lang)
    page.wait_for_selector("body[data-door-ready]")


def _scan(page, code: str, kind: str):
    page.fill("#code", code)
    page.press("#code", "Enter")
    verdict = page.locator(f"#verdict.verdict-{kind}")
    verdict.wait_for(state="visible")
    return verdict


@pytest.mark.parametrize("lang", LANGUAGES)
def test_scanner(site, chromium, organizer, lang):
    # A context of its own: its clock is stopped while axe reads each verdict.
    context = _context(chromium, viewport=DESKTOP, storage_state=organizer.storage_state())
    try:
        page = context.new_page()
        page.clock.install()
        _scanner(page, site, lang)
        assert_accessible(page, f"scanner, idle, {lang}")

        code = site.badge_codes[lang]
        for kind, scanned in (("good", code), ("warn", code), ("bad", code[:-3] + "AAA")):
            verdict = _scan(page, scanned, kind)
            # A verdict goes by itself after a few seconds: time stands still meanwhile.
            page.clock.pause_at(page.evaluate("Date.now()") / 1000 + 0.5)
            # Said in words and shown with an icon, not by its colour alone.
            assert verdict.locator(".verdict-title").inner_text().strip()
            assert verdict.locator(f".verdict-icon .icon-{kind}").is_visible()
            assert_accessible(page, f"scanner, verdict {kind}, {lang}", clock_stopped=True)
            page.clock.resume()
            page.locator("#verdict").click(position={"x": 8, "y": 8})
            page.locator("#verdict").wait_for(state="hidden")
    finally:
        context.close()


# -- the console -----------------------------------------------------------------------------

CONSOLE = {
    "dashboard": "/console/events/{event}/dashboard",
    "guests": "/console/events/{event}/guests",
    "guests-filtered": "/console/events/{event}/guests?state=waitlisted&q=e",
    "guest-new": "/console/events/{event}/guests/new",
    "guest-edit": "/console/guests/{confirmed}/edit",
    "guest-answer": "/console/guests/{pending}/answer",
    "guest-messages": "/console/guests/{pending}/messages",
    "guest-erase": "/console/guests/{declined}/erase",
    "guest-revoke": "/console/guests/{confirmed}/revoke",
    "guest-rotate": "/console/guests/{confirmed}/rotate",
    "guest-link": "/console/guests/{confirmed}/link",
    "import": "/console/events/{event}/import",
    "mail": "/console/events/{event}/mail",
    "mail-preview": "/console/events/{event}/mail/preview?kind=confirmation&guest={confirmed}",
    "waitlist": "/console/events/{event}/waitlist",
    "exports": "/console/events/{event}/exports",
    "audit-log": "/console/events/{event}/audit",
    "door-links": "/console/events/{event}/door-links",
    "programme": "/console/events/{event}/programme",
    "programme-new": "/console/events/{event}/programme/new",
    "programme-item": "/console/events/{event}/programme/{item}/edit",
    "programme-person-new": "/console/events/{event}/programme/{item}/people/new",
    "team": "/console/events/{event}/team",
    "staff-accounts": "/console/team",
    "events": "/console/events",
    "event-new": "/console/events/new",
    "event-edit": "/console/events/{event}/edit",
    "event-cancel": "/console/events/{event}/cancel",
    "arrival-desk": "/protocol/events/{event}/arrivals",
    "mc-list": "/protocol/events/{event}/mc",
    "holds": "/console/events/{event}/holds",
    "seating": "/console/events/{event}/seating",
    "guest-companions": "/console/guests/{confirmed}/companions",
    "travel": "/console/events/{event}/travel",
    "guest-visa-letter": "/console/guests/{confirmed}/visa-letter",
    "questions": "/console/events/{event}/questions",
    "question-new": "/console/events/{event}/questions/new",
}


def _console_path(site: Site, screen: str) -> str:
    return CONSOLE[screen].format(event=site.event_id, item=site.item, **site.guests)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("screen", list(CONSOLE))
def test_console_page(site, organizer, page_of, screen, lang):
    page = page_of(organizer)
    _open(page, site.url(_console_path(site, screen), lang), lang)
    assert_accessible(page, f"console {screen}, {lang}")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_console_api_reference(site, organizer, page_of, lang):
    """The API reference once its viewer (the vendored Swagger UI) has drawn the document."""
    page = page_of(organizer)
    _open(page, site.url("/console/api-reference", lang), lang)
    page.wait_for_selector("#api-reference[data-rendered=true] .opblock")
    assert_accessible(page, f"console api-reference, {lang}")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_console_import_preview(site, organizer, page_of, tmp_path, lang):
    rows = [
        "name_en,name_zh,email,organization,title,category,language",
        "Nora Lin,林諾拉,nora.lin@example.org,ICLEI,,delegate,en",
        "Bad Row,,not-an-address,ICLEI,,nobody,xx",
    ]
    upload = tmp_path / "guests.csv"
    upload.write_text("\r\n".join(rows) + "\r\n", encoding="utf-8")
    page = page_of(organizer)
    _open(page, site.url(_console_path(site, "import"), lang), lang)
    page.set_input_files("input[type=file]", str(upload))
    page.click("form[enctype] button[type=submit]")
    page.wait_for_load_state()
    assert "/import/" in page.url
    assert_accessible(page, f"console import preview, {lang}")


# -- 200% zoom and print ---------------------------------------------------------------------


def _no_sideways_scrolling(page, where: str) -> None:
    widths = page.evaluate(
        "({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert widths["scroll"] <= widths["inner"] + 1, f"{where} scrolls sideways: {widths}"


def _reachable(page, selector: str, where: str) -> None:
    """On screen once scrolled to, and not cut off at the sides."""
    target = page.locator(selector).first
    target.scroll_into_view_if_needed()
    assert target.is_visible(), f"{where}: {selector} is not visible"
    box = target.bounding_box()
    width = page.evaluate("window.innerWidth")
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 1, (
        f"{where}: {selector} is cut off ({box}, window {width} px wide)"
    )


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), type="jpeg", quality=70)


@pytest.fixture
def zoomed(chromium, organizer):
    """The organizer's laptop at 200% zoom."""
    context = _context(chromium, storage_state=organizer.storage_state(), **ZOOMED)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_main_pages_at_200_percent_zoom(site, zoomed, lang):
    page = zoomed
    _open(page, site.url(site.pending, lang), lang)
    _no_sideways_scrolling(page, "invitation page")
    _reachable(page, "button[type=submit].primary", "invitation page")
    _reachable(page, ".lang a", "invitation page")

    _scanner(page, site, lang)
    _no_sideways_scrolling(page, "scanner")
    for selector in ("#code", "#code-form button[type=submit]", "#camera-toggle", "#search"):
        _reachable(page, selector, "scanner")
    if lang == "en":
        page.evaluate("window.scrollTo(0, 0)")
        _shot(page, "door-scanner-zoom-200.jpg")

    _open(page, site.url(_console_path(site, "guests"), lang), lang)
    _no_sideways_scrolling(page, "guest list")
    for selector in (".page-actions a.button", ".guest-filters button[type=submit]"):
        _reachable(page, selector, "guest list")
    _reachable(page, ".guest-list .actions a", "guest list")
    if lang == "en":
        page.evaluate("window.scrollTo(0, 0)")
        _shot(page, "console-guests-zoom-200.jpg")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_page_scrolls_sideways_at_200_percent_zoom(site, zoomed, lang):
    """Every other page too; a wide table may scroll inside its own box, the page may not."""
    paths = [site.confirmed, site.waitlisted, site.declined]
    paths += [_console_path(site, screen) for screen in CONSOLE]
    wide = []
    for path in paths:
        _open(zoomed, site.url(path, lang), lang)
        widths = zoomed.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if widths[0] > widths[1] + 1:
            wide.append(f"{path}: {widths[0]} px wide in a {widths[1]} px window")
    assert not wide, "pages scroll sideways at 200% zoom:\n" + "\n".join(wide)


def test_phone_screenshots(site, chromium, organizer):
    phone = _context(
        chromium,
        storage_state=organizer.storage_state(),
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    try:
        page = phone.new_page()
        _open(page, site.url(_console_path(site, "guests"), "en"), "en")
        _no_sideways_scrolling(page, "guest list on a phone")
        _shot(page, "console-guests-phone.jpg")
        _scanner(page, site, "zh_Hant")
        _no_sideways_scrolling(page, "scanner on a phone")
        _shot(page, "door-scanner-phone-zh.jpg")
    finally:
        phone.close()


def _pdf_text(path: Path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext not found: scripts/test installs poppler-utils")
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return done.stdout.decode()


@pytest.mark.parametrize("screen", ["guests", "waitlist"])
def test_lists_print_without_the_controls(site, organizer, page_of, tmp_path, screen):
    page = page_of(organizer)
    _open(page, site.url(_console_path(site, screen), "en"), "en")
    page.emulate_media(media="print")
    for selector in (".topbar", ".console-nav", "main form", "main button"):
        hidden = page.locator(selector)
        assert all(not hidden.nth(n).is_visible() for n in range(hidden.count())), selector
    # The first table: a session event's waitlist has one per session.
    table = page.locator("main table").first
    assert table.is_visible()
    assert (
        table.locator("thead").evaluate("e => getComputedStyle(e).display").endswith("header-group")
    )
    assert page.locator(".print-title").is_visible()
    assert page.locator(".print-title").inner_text().strip().startswith("Innovating")
    # Black on white.
    colours = page.evaluate(
        "() => [getComputedStyle(document.body).backgroundColor,"
        " getComputedStyle(document.querySelector('main td')).color]"
    )
    assert colours == ["rgb(255, 255, 255)", "rgb(0, 0, 0)"]
    if screen == "guests":
        # On paper: the table's header on every sheet (the list takes more than one).
        pdf = tmp_path / "guests.pdf"
        pdf.write_bytes(page.pdf(format="A4"))
        sheets = _pdf_text(pdf).split("\f")
        sheets = [sheet for sheet in sheets if sheet.strip()]
        assert len(sheets) >= 2
        assert sheets[0].lstrip().startswith("Innovating for Climate-Neutral Cities")
        assert all("Organization" in sheet and "Channel" in sheet for sheet in sheets), sheets
        printed = "".join(sheets)
        controls = ("Log out", "Add a guest", "Actions", "New link")
        assert not any(word in printed for word in controls), printed


def test_programme_editor_on_a_phone(site, chromium, organizer):
    """The programme and an item's page at 390 px: nothing scrolls sideways, the buttons that
    move and edit are within reach, and the items' times are typed in time fields."""
    phone = _context(
        chromium,
        storage_state=organizer.storage_state(),
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    try:
        page = phone.new_page()
        _open(page, site.url(_console_path(site, "programme"), "en"), "en")
        _no_sideways_scrolling(page, "programme on a phone")
        for selector in (
            ".page-actions a.button",
            ".programme-actions a.button",
            ".move-form button",
        ):
            _reachable(page, selector, "programme on a phone")
        page.evaluate("window.scrollTo(0, 0)")
        _shot(page, "console-programme-phone.jpg")
        _open(page, site.url(_console_path(site, "programme-item"), "zh_Hant"), "zh_Hant")
        _no_sideways_scrolling(page, "programme item on a phone")
        assert page.locator("input#starts").get_attribute("type") == "time"
        _reachable(page, "button.primary", "programme item on a phone")
        _reachable(page, "#people .move-form button", "programme item on a phone")
    finally:
        phone.close()
