"""Badges: who has one, the QR code read back by a real decoder, the PDFs, the guest's and
the organizer's downloads, and re-issuing.

The PDF tests read the files with Debian's poppler-utils (pdftoppm, pdftotext, pdfinfo,
pdffonts), which scripts/test installs when it may; without them those tests are skipped.
"""

from __future__ import annotations

import io
import random
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest
import qrcode
import qrcode.util
import sqlalchemy as sa
import zxingcpp
from PIL import Image
from support.app import confirm, text
from support.auth import logged_in
from support.factories import answer, invitation_path, make_event, make_guest, make_staff

from registrar import tokens
from registrar.errors import NoBadge
from registrar.extensions import db
from registrar.models import AuditEntry, Category, Channel, Guest, Language
from registrar.services import audit, badges, invitations

POPPLER = ("pdftoppm", "pdftotext", "pdfinfo", "pdffonts")
needs_poppler = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in POPPLER),
    reason="poppler-utils (pdftoppm, pdftotext, pdfinfo, pdffonts) is not installed; "
    "scripts/test installs it when run as root with apt-get",
)


def confirmed(event, channel: Channel = Channel.EN, **fields) -> Guest:
    guest = make_guest(event, **fields)
    answer(guest, channel=channel)
    assert badges.has_badge(guest)
    return guest


def lai(event, **fields) -> Guest:
    values = dict(
        name_en="Lai Ching-Ming",
        name_zh="賴慶明",
        organization="National Chung Hsing University",
        title="Distinguished Professor",
        category=Category.SPEAKER,
        language=Language.ZH_HANT,
    )
    return confirmed(event, Channel.ZH, **(values | fields))


def decode(image: Image.Image) -> list:
    return [r for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]


def decode_png(png: bytes) -> list:
    return decode(Image.open(io.BytesIO(png)))


def run(*args: str | Path) -> str:
    return subprocess.run(
        [str(a) for a in args], check=True, capture_output=True, text=True, timeout=60
    ).stdout


def pdf_pages(pdf: bytes, tmp_path: Path, dpi: int = 150) -> list[Image.Image]:
    """The PDF drawn by poppler, one image a page."""
    source = tmp_path / "badge.pdf"
    source.write_bytes(pdf)
    run("pdftoppm", "-r", str(dpi), "-png", source, tmp_path / "page")
    return [Image.open(p) for p in sorted(tmp_path.glob("page-*.png"))]


def pdf_info(pdf: bytes, tmp_path: Path) -> dict[str, str]:
    source = tmp_path / "info.pdf"
    source.write_bytes(pdf)
    lines = run("pdfinfo", source).splitlines()
    return {k.strip(): v.strip() for k, _sep, v in (line.partition(":") for line in lines)}


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    source = tmp_path / "text.pdf"
    source.write_bytes(pdf)
    return run("pdftotext", "-enc", "UTF-8", source, "-")


# -- who has a badge -------------------------------------------------------------------------


def test_only_a_confirmed_guest_whose_invitation_stands_has_a_badge(app):
    event = make_event(capacity=1)
    holder = confirmed(event)
    unanswered = make_guest(event)
    declined = make_guest(event)
    answer(declined, attending=False)
    waitlisted = make_guest(event)
    answer(waitlisted)
    assert waitlisted.seat.state.value == "waitlisted"

    assert badges.has_badge(holder)
    assert badges.badge_code_for(holder) == tokens.badge_code(event.id, holder.id, 1)
    for guest in (unanswered, declined, waitlisted):
        assert not badges.has_badge(guest)
        with pytest.raises(NoBadge):
            badges.badge_code_for(guest)
        with pytest.raises(NoBadge):
            badges.badge_pdf(guest)

    invitations.revoke(holder.id, audit.SYSTEM)
    db.session.commit()
    assert not badges.has_badge(holder)
    with pytest.raises(NoBadge):
        badges.badge_code_for(holder)


def test_the_printing_list_holds_the_confirmed_guests_alphabetically(app):
    event = make_event(capacity=3)
    zoe = confirmed(event, name_en="Zoe Example", name_zh="")
    chen = confirmed(event, name_en="", name_zh="陳勁甫")
    amelia = confirmed(event, name_en="amelia Clarke", name_zh="")
    answer(make_guest(event, name_en="Wendy Waitlisted"))
    make_guest(event, name_en="Nora No-Answer")
    revoked = make_guest(event, name_en="Bob Revoked")
    invitations.revoke(revoked.id, audit.SYSTEM)
    confirmed(make_event(), name_en="Aaron Elsewhere")
    db.session.commit()

    assert [g.id for g in badges.guests_with_badges(event)] == [amelia.id, zoe.id, chen.id]


# -- the QR code -----------------------------------------------------------------------------


def test_the_qr_code_reads_back_as_the_badge_code_at_version_2_or_3_level_m(app):
    event = make_event()
    guest = lai(event)
    code = badges.badge_code_for(guest)
    # Digits, capitals and ':' only: the QR code's alphanumeric mode, hence its small size.
    assert re.fullmatch(r"[0-9A-Z:]+", code)

    (result,) = decode_png(badges.qr_png(code))
    assert result.text == code
    assert result.ec_level == "M"
    assert int(result.extra["Version"]) <= 3
    claim = tokens.read_badge_code(result.text)
    assert (claim.event_id, claim.guest_id, claim.version) == (event.id, guest.id, 1)


def test_the_qr_code_png_is_large_enough_to_scan_from_a_screen(app):
    guest = confirmed(make_event())
    png = badges.qr_png(badges.badge_code_for(guest), box_size=12)
    image = Image.open(io.BytesIO(png))
    assert image.width == image.height >= 260
    # The quiet zone: four white modules all round.
    corner = image.convert("L").crop((0, 0, 4 * 12, 4 * 12))
    assert corner.getextrema() == (255, 255)


def test_the_qr_code_png_has_the_pixels_qrcode_itself_draws():
    for code, box_size, border in (("B1:12:345:ABCDEFGH", 8, 4), ("B1:7:1:XYZ", 12, 2)):
        stock = qrcode.QRCode(
            error_correction=badges.QR_ERROR_CORRECTION, box_size=box_size, border=border
        )
        stock.add_data(code)
        stock.make(fit=True)
        expected = stock.make_image(fill_color="black", back_color="white").get_image()
        drawn = Image.open(io.BytesIO(badges.qr_png(code, box_size=box_size, border=border)))
        assert (drawn.mode, drawn.size) == (expected.mode, expected.size)
        assert drawn.tobytes() == expected.tobytes()


def test_a_code_too_long_for_a_small_qr_code_is_refused():
    with pytest.raises(ValueError, match="version"):
        badges.qr_png("B1:" + "X" * 120)


# -- the PDFs --------------------------------------------------------------------------------


@needs_poppler
def test_a_badge_pdf_carries_both_names_in_an_embedded_font_and_a_readable_qr_code(app, tmp_path):
    event = make_event()
    guest = lai(event)
    pdf = badges.badge_pdf(guest)
    assert pdf.startswith(b"%PDF")
    # The font is cut down to the characters used, not the whole 5 MB collection.
    assert len(pdf) < 150_000

    words = pdf_text(pdf, tmp_path)
    for expected in ("賴慶明", "Lai Ching-Ming", "National Chung Hsing University", "與談人"):
        assert expected in words
    assert "SPEAKER" in words and "口譯耳機頻道" in words
    assert "中" in words  # the headset channel

    info = pdf_info(pdf, tmp_path)
    assert info["Pages"] == "1"
    assert info["Page size"].startswith("255.12 x 368.5")  # 90 x 130 mm
    fonts = run("pdffonts", tmp_path / "info.pdf").splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts  # embedded

    (page,) = pdf_pages(pdf, tmp_path)
    (result,) = decode(page)
    assert result.text == badges.badge_code_for(guest)
    assert int(result.extra["Version"]) <= 3


def test_a_badge_embeds_the_font_cut_for_its_characters_once_not_cut_again(app):
    from registrar.services.badges.face import badge_face
    from registrar.services.badges.typeset import font_subset

    guest = lai(make_event())
    pdf = badges.badge_pdf(guest)
    cut = font_subset(badge_face(guest).texts())
    streams = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        try:
            streams.append(zlib.decompress(stream))
        except zlib.error:
            streams.append(stream)  # stored as it is
    # The font program in the PDF is HarfBuzz's cut byte for byte: the glyph numbers the
    # page uses are that font's own.
    assert cut in streams


@needs_poppler
def test_a_sheet_of_five_badges_has_two_a4_pages_and_every_code_reads_back(app, tmp_path):
    event = make_event(capacity=10)
    guests = [lai(event)] + [
        confirmed(event, channel, category=category)
        for channel, category in [
            (Channel.EN, Category.DELEGATE),
            (Channel.FLOOR, Category.MODERATOR),
            (Channel.ZH, Category.PRESS),
            (Channel.EN, Category.VIP),
        ]
    ]
    pdf = badges.badge_sheet_pdf(badges.guests_with_badges(event))

    info = pdf_info(pdf, tmp_path)
    assert info["Pages"] == "2"
    assert info["Page size"].startswith("595.2")  # A4
    pages = pdf_pages(pdf, tmp_path, dpi=120)
    found = [r.text for page in pages for r in decode(page)]
    assert sorted(found) == sorted(badges.badge_code_for(g) for g in guests)
    assert [len(decode(page)) for page in pages] == [4, 1]

    words = pdf_text(pdf, tmp_path)
    for guest in guests:
        assert guest.name_en in words
    assert "MODERATOR" in words and "Floor" in words


def test_no_sheet_without_a_confirmed_guest(app):
    event = make_event()
    answer(make_guest(event), attending=False)
    with pytest.raises(NoBadge):
        badges.badge_sheet_pdf(badges.guests_with_badges(event))


# -- the guest's badge -----------------------------------------------------------------------


def test_a_confirmed_guest_sees_the_badge_and_downloads_it(client, app):
    guest = lai(make_event())
    path = invitation_path(guest)
    code = badges.badge_code_for(guest)

    page = client.get(path)
    assert page.status_code == 200
    html = text(page)
    assert f'src="{path}/badge.png"' in html
    assert f'href="{path}/badge.pdf"' in html
    assert "下載名牌（PDF）" in html  # the guest reads Chinese

    png = client.get(f"{path}/badge.png")
    assert png.status_code == 200
    assert png.mimetype == "image/png"
    assert "no-store" in png.headers["Cache-Control"]
    (result,) = decode_png(png.data)
    assert result.text == code
    assert Image.open(io.BytesIO(png.data)).width >= 260

    pdf = client.get(f"{path}/badge.pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    assert "no-store" in pdf.headers["Cache-Control"]
    assert "attachment" in pdf.headers["Content-Disposition"]


def _no_badge_for(client, path: str, status: int) -> None:
    page = client.get(path)
    assert page.status_code == 200
    assert "badge.png" not in page.get_data(as_text=True)
    for suffix in ("badge.png", "badge.pdf"):
        response = client.get(f"{path}/{suffix}")
        assert response.status_code == status
        assert response.mimetype == "text/html"
        assert "no-store" in response.headers["Cache-Control"]


def test_waitlisted_declined_and_unanswered_guests_have_no_badge(client, app):
    event = make_event(capacity=1)
    confirmed(event)
    waitlisted = make_guest(event)
    answer(waitlisted)
    declined = make_guest(event)
    answer(declined, attending=False)
    unanswered = make_guest(event)
    for guest in (waitlisted, declined, unanswered):
        _no_badge_for(client, invitation_path(guest), 404)

    response = client.get(f"{invitation_path(waitlisted)}/badge.png")
    assert "No badge" in text(response)  # the friendly error page


def test_a_revoked_or_tampered_link_gets_no_badge(client, app):
    guest = confirmed(make_event())
    old_path = invitation_path(guest)
    token = old_path.rsplit("/", 1)[1]
    tampered = f"/i/{token[:-2]}{'A' if token[-2] != 'A' else 'B'}{token[-1]}"
    for suffix in ("badge.png", "badge.pdf"):
        assert client.get(f"{tampered}/{suffix}").status_code == 404
        assert client.get(f"/i/garbage/{suffix}").status_code == 404

    invitations.revoke(guest.id, audit.SYSTEM)
    db.session.commit()
    for suffix in ("badge.png", "badge.pdf"):
        response = client.get(f"{old_path}/{suffix}")
        assert response.status_code == 410
        assert response.mimetype == "text/html"


# -- re-issuing ------------------------------------------------------------------------------


def test_reissuing_makes_the_old_code_stale(app):
    guest = confirmed(make_event())
    old_code = badges.badge_code_for(guest)
    badges.reissue(guest.id, "staff:1")
    db.session.commit()

    assert guest.badge_version == 2
    assert tokens.read_badge_code(old_code).version != guest.badge_version
    assert badges.badge_code_for(guest) != old_code
    entry = db.session.scalar(
        sa.select(AuditEntry).where(
            AuditEntry.action == "badge.reissued", AuditEntry.guest_id == guest.id
        )
    )
    assert entry.actor == "staff:1" and entry.details == {"version": 2}


def test_no_reissue_without_a_badge(app):
    guest = make_guest(make_event())
    with pytest.raises(NoBadge):
        badges.reissue(guest.id, audit.SYSTEM)


def test_revoking_an_invitation_also_retires_the_badge(app):
    guest = confirmed(make_event())
    old_code = badges.badge_code_for(guest)
    invitations.revoke(guest.id, audit.SYSTEM)
    db.session.commit()
    assert tokens.read_badge_code(old_code).version != guest.badge_version


# -- the organizer's badges ------------------------------------------------------------------


def test_the_console_prints_badges_and_reissues_one(client, app):
    event = make_event(capacity=1)
    guest = lai(event)
    waitlisted = make_guest(event)
    answer(waitlisted)
    assert client.get(f"/console/events/{event.id}/badges.pdf").status_code in (302, 401)
    make_staff()
    logged_in(client)

    page = text(client.get(f"/console/events/{event.id}/guests"))
    assert f"/console/events/{event.id}/badges.pdf" in page
    assert f"/console/guests/{guest.id}/badge.pdf" in page
    assert f"/console/guests/{guest.id}/reissue-badge" in page
    assert f"/console/guests/{waitlisted.id}/reissue-badge" not in page

    sheet = client.get(f"/console/events/{event.id}/badges.pdf")
    assert sheet.status_code == 200 and sheet.mimetype == "application/pdf"
    assert "no-store" in sheet.headers["Cache-Control"]
    one = client.get(f"/console/guests/{guest.id}/badge.pdf")
    assert one.status_code == 200 and one.data.startswith(b"%PDF")
    assert client.get(f"/console/guests/{waitlisted.id}/badge.pdf").status_code == 404

    old_code = badges.badge_code_for(guest)
    response = confirm(client, f"/console/guests/{guest.id}/reissue-badge")
    assert response.status_code == 302
    db.session.expire_all()
    assert tokens.read_badge_code(old_code).version != db.session.get(Guest, guest.id).badge_version
    # A waitlisted guest has no badge: the page says so and offers no button.
    page = text(client.get(f"/console/guests/{waitlisted.id}/reissue-badge"))
    assert "There is no badge to replace" in page
    response = client.post(f"/console/guests/{waitlisted.id}/reissue-badge", data={"confirm": "1"})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Guest, waitlisted.id).badge_version == 1


@pytest.mark.usefixtures("organizer_client")
def test_the_console_says_so_when_there_is_nothing_to_print(client, app):
    event = make_event()
    response = client.get(f"/console/events/{event.id}/badges.pdf", follow_redirects=True)
    assert response.status_code == 200
    assert "no badges to print" in text(response)


# -- the QR code as the sheet draws it ---------------------------------------------------------


def _stock_qr(code: str) -> tuple[tuple[bool, ...], ...]:
    qr = qrcode.QRCode(error_correction=badges.QR_ERROR_CORRECTION)
    qr.add_data(code)
    qr.make(fit=True)
    return tuple(tuple(row) for row in qr.modules)


def test_the_quick_mask_choice_makes_the_qr_codes_qrcode_itself_makes(app):
    """The mask chosen is the library's best, not a cheaper guess: same modules, every time."""
    rng = random.Random(7)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ:"
    codes = [tokens.badge_code(rng.randint(1, 999), rng.randint(1, 10**6), 1) for _ in range(60)]
    # Versions 1 to 3, as short and long as an alphanumeric code gets.
    codes += ["".join(rng.choices(alphabet, k=rng.randint(1, 60))) for _ in range(60)]
    for code in codes:
        assert badges.qr_modules(code) == _stock_qr(code), code


def test_the_penalty_points_are_qrcodes_own():
    rng = random.Random(11)
    for size in (21, 25, 29):
        for _ in range(150):
            darkness = rng.choice((0.2, 0.5, 0.8))
            modules = [[rng.random() < darkness for _ in range(size)] for _ in range(size)]
            rows = badges.qr._row_bits(modules)
            assert badges.qr._lost_point(rows, size) == qrcode.util.lost_point(modules)


def test_the_drawn_rectangles_cover_exactly_the_dark_modules(app):
    guest = lai(make_event())
    modules = badges.qr_modules(badges.badge_code_for(guest))
    covered = [
        (column + dx, row + dy)
        for column, row, width, height in badges.qr.dark_rectangles(modules)
        for dx in range(width)
        for dy in range(height)
    ]
    dark = {(c, r) for r, line in enumerate(modules) for c, is_dark in enumerate(line) if is_dark}
    assert len(covered) == len(set(covered))  # no module painted twice
    assert set(covered) == dark


# -- the organizer's badge sheet -------------------------------------------------------------


@needs_poppler
@pytest.mark.usefixtures("organizer_client")
def test_the_console_sheet_says_its_count_and_every_qr_code_reads_at_150_dpi(client, app, tmp_path):
    event = make_event(capacity=20)
    channels = [Channel.EN, Channel.ZH, Channel.FLOOR]
    guests = [
        confirmed(event, channels[n % 3], category=list(Category)[n % len(Category)])
        for n in range(9)
    ]
    answer(make_guest(event), attending=False)

    page = text(client.get(f"/console/events/{event.id}/guests"))
    assert "Print 9 badges (PDF)" in page
    assert 'data-count="9" data-pages="3"' in page
    assert "Preparing 9 badges…" in page
    assert "Ready: 9 badges on 3 pages." in page
    assert 'id="badge-sheet-status" role="status" aria-live="polite"' in page
    assert "/static/console/badges.js" in page

    sheet = client.get(
        f"/console/events/{event.id}/badges.pdf",
        headers={"Accept": "application/pdf, application/json"},
    )
    assert sheet.status_code == 200 and sheet.mimetype == "application/pdf"
    assert (sheet.headers["X-Badge-Count"], sheet.headers["X-Badge-Pages"]) == ("9", "3")
    assert f'filename="badges-{event.slug}.pdf"' in sheet.headers["Content-Disposition"]
    assert pdf_info(sheet.data, tmp_path)["Pages"] == "3"
    pages = pdf_pages(sheet.data, tmp_path, dpi=150)
    assert [len(decode(page)) for page in pages] == [4, 4, 1]
    found = [r for page in pages for r in decode(page)]
    assert sorted(r.text for r in found) == sorted(badges.badge_code_for(g) for g in guests)
    assert all(r.ec_level == "M" and int(r.extra["Version"]) <= 3 for r in found)


@pytest.mark.usefixtures("organizer_client")
def test_the_sheet_refuses_in_json_when_the_script_asks_and_there_is_nothing_to_print(client, app):
    event = make_event()
    answer(make_guest(event), attending=False)
    assert "Print 0 badges (PDF)" in text(client.get(f"/console/events/{event.id}/guests"))

    response = client.get(
        f"/console/events/{event.id}/badges.pdf",
        headers={"Accept": "application/pdf, application/json"},
    )
    assert response.status_code == 409
    assert response.json["error"]["code"] == "no_badges"
    assert "no badges to print" in response.json["error"]["message"]
    # A browser following the link itself gets the page back with the message.
    browser = client.get(
        f"/console/events/{event.id}/badges.pdf",
        headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
    )
    assert browser.status_code == 302


@needs_poppler
def test_a_kept_badge_is_never_an_older_version(app, tmp_path):
    guest = lai(make_event())
    first = badges.badge_pdf(guest)
    assert badges.badge_pdf(guest) is first  # rendered once, given again

    badges.reissue(guest.id, audit.SYSTEM)
    db.session.commit()
    reissued = badges.badge_pdf(guest)
    assert reissued != first
    (page,) = pdf_pages(reissued, tmp_path)
    (result,) = decode(page)
    assert result.text == badges.badge_code_for(guest)
    assert tokens.read_badge_code(result.text).version == 2

    # A change the badge version does not count (a name, the headset channel) is a new badge too.
    guest.name_en = "Lai Ching-Ming Jr."
    answer(guest, channel=Channel.EN)
    renamed = badges.badge_pdf(guest)
    assert renamed not in (first, reissued)
    words = pdf_text(renamed, tmp_path)
    assert "Lai Ching-Ming Jr." in words and "EN" in words
