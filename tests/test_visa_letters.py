"""Visa invitation letters: the passport details a guest gives, the letter an organizer issues,
its verification, its PDF, and how long the passport details are kept."""

from __future__ import annotations

import csv
import io
import subprocess
from datetime import date, timedelta

import openpyxl
import pytest
import sqlalchemy as sa
from support.app import text
from support.auth import api_bearer, logged_in
from support.factories import invitation_path, make_event, make_guest, make_staff
from support.travel import LETTERHEAD

from registrar import tokens
from registrar.errors import InvalidAnswer
from registrar.extensions import db
from registrar.mail import delivery
from registrar.models import (
    ApiRole,
    AuditEntry,
    Category,
    GuestPassport,
    Language,
    Role,
    VisaLetter,
)
from registrar.services import audit, exports, invitations
from registrar.services.guests import erasure
from registrar.services.travel import letter_pdf, letters, passports

MAYOR = passports.PassportDetails(
    name="MAGAGULA Sibusiso",
    nationality="Eswatini",
    number="SZ1234567",
    birth_date=date(1971, 3, 9),
)


def travelling_guest(**event_fields):
    event = make_event(travel_categories="speaker", **{**LETTERHEAD, **event_fields})
    return make_guest(event, category=Category.SPEAKER, name_en="Sibusiso Magagula")


def ask(guest, details=MAYOR, now=None):
    passport = passports.ask_for_letter(guest.id, guest.token_version, details, now=now)
    db.session.commit()
    return passport


def issue(guest, now=None):
    letter = letters.issue(guest.id, "staff:1", now=now)
    db.session.commit()
    return letter


def test_a_guest_offered_travel_asks_for_a_letter_and_an_organizer_issues_it(app):
    guest = travelling_guest()
    ask(guest)
    letter = issue(guest)
    assert letter.serial == 1 and letter.facts["number"] == "SZ1234567"
    found = letters.verify(letters.code_of(letter))
    assert found is not None
    assert found.name == "MAGAGULA Sibusiso" and found.passport_number == "••••••567"
    actions = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.guest_id == guest.id)
    ).all()
    assert "passport.given" in actions and "letter.issued" in actions
    # The audit log says that it happened, never what the passport says.
    details = db.session.scalars(
        sa.select(AuditEntry.details).where(AuditEntry.guest_id == guest.id)
    ).all()
    assert "SZ1234567" not in repr(details)


@pytest.mark.parametrize(
    "details",
    [
        passports.PassportDetails(
            name="", nationality="Eswatini", number="SZ12345", birth_date=date(1970, 1, 1)
        ),
        passports.PassportDetails(
            name="A", nationality="Eswatini", number="SZ12", birth_date=date(1970, 1, 1)
        ),
        passports.PassportDetails(
            name="A", nationality="Eswatini", number="SZ-123456", birth_date=date(1970, 1, 1)
        ),
        passports.PassportDetails(
            name="A",
            nationality="Eswatini",
            number="SZ123456",
            birth_date=date.today() + timedelta(days=2),
        ),
        passports.PassportDetails(
            name="A", nationality="Eswatini", number="SZ123456", birth_date=date(1850, 1, 1)
        ),
        passports.PassportDetails(
            name="A\nB", nationality="Eswatini", number="SZ123456", birth_date=date(1970, 1, 1)
        ),
    ],
)
def test_bad_passport_details_are_refused_and_nothing_is_stored(app, details):
    guest = travelling_guest()
    with pytest.raises(InvalidAnswer):
        ask(guest, details)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GuestPassport)) == 0


def test_a_guest_not_offered_travel_cannot_ask(app):
    event = make_event(**LETTERHEAD)
    guest = make_guest(event, category=Category.DELEGATE)
    with pytest.raises(passports.PassportRefused):
        ask(guest)


def test_reissuing_makes_the_earlier_letter_invalid(app):
    guest = travelling_guest()
    ask(guest)
    first = issue(guest)
    second = issue(guest)
    assert second.serial == 2
    assert letters.verify(letters.code_of(first)) is None
    assert letters.verify(letters.code_of(second)) is not None


def test_a_tampered_or_unknown_code_is_not_valid(app):
    guest = travelling_guest()
    ask(guest)
    code = letters.code_of(issue(guest))
    assert letters.verify(code[:-1] + ("A" if code[-1] != "A" else "B")) is None
    assert letters.verify(tokens.letter_code(9999)) is None
    assert letters.verify("garbage") is None
    assert letters.verify(tokens.badge_code(1, 1, 1)) is None


def test_no_letter_without_a_request_or_with_an_incomplete_letterhead(app):
    guest = travelling_guest()
    with pytest.raises(letters.LetterRefused):
        issue(guest)
    db.session.rollback()
    other = travelling_guest(letter_signatory="")
    ask(other)
    with pytest.raises(letters.LetterRefused):
        issue(other)


def test_withdrawing_deletes_the_passport_and_ends_the_letter(app):
    guest = travelling_guest()
    ask(guest)
    letter = issue(guest)
    passports.withdraw(guest.id, guest.token_version)
    db.session.commit()
    assert passports.passport_of(guest) is None
    assert db.session.get(VisaLetter, letter.id).facts == {}
    assert letters.verify(letters.code_of(letter)) is None


def test_passport_data_is_dropped_after_the_retention_days(app):
    guest = travelling_guest()
    ask(guest)
    letter = issue(guest)
    event = guest.event
    days = app.config["REGISTRAR_PASSPORT_RETENTION_DAYS"]
    just_before = event.ends_at + timedelta(days=days) - timedelta(minutes=1)
    after = event.ends_at + timedelta(days=days, minutes=1)
    assert passports.drop_expired(now=just_before) == 0
    assert passports.passport_of(guest, now=just_before) is not None
    assert letters.verify(letters.code_of(letter), now=just_before) is not None
    # Past it, every read treats the data as gone, before anything dropped it...
    assert passports.passport_of(guest, now=after) is None
    assert letters.verify(letters.code_of(letter), now=after) is None
    # ...and the drop deletes it.
    assert passports.drop_expired(now=after) == 1
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GuestPassport)) == 0
    assert db.session.get(VisaLetter, letter.id).facts == {}
    assert letters.verify(letters.code_of(letter), now=just_before) is None


def test_the_letter_pdf_reads_back_in_both_scripts(app, tmp_path):
    guest = travelling_guest(
        title_en="Innovating for Climate-Neutral Cities", title_zh="以社區力量創新邁向淨零城市"
    )
    ask(guest)
    letter = issue(guest)
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(letter_pdf.letter_pdf(letter))
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    for expected in (
        "Kaohsiung City Government",
        "高雄市政府",
        "MAGAGULA Sibusiso",
        "Eswatini",
        "SZ1234567",
        "9 March 1971",
        "1971年3月9日",
        "Innovating for Climate-Neutral Cities",
        "以社區力量創新邁向淨零城市",
        "Chen Chi-Mai",
        "市長",
        "Visa invitation letter",
        "簽證邀請函",
        "敬啟者",
        "To whom it may concern",
        "驗證碼",
        letters.code_of(letter),
        letters.verification_url(letter),
    ):
        # Chinese lines may break between any two characters: compared without spaces.
        assert expected in flat or expected.replace(" ", "") in flat.replace(" ", ""), expected


# -- the guest's page and the verification page -----------------------------------------------


def _post_passport(client, guest, **fields):
    values = {
        "passport-name": "MAGAGULA Sibusiso",
        "passport-nationality": "Eswatini",
        "passport-number": "SZ1234567",
        "passport-birth_date": "1971-03-09",
    }
    values.update({f"passport-{k}": v for k, v in fields.items()})
    return client.post(f"{invitation_path(guest)}/letter", data=values)


def _passports() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(GuestPassport))


def test_the_guest_asks_for_a_letter_on_their_page(app, client):
    guest = travelling_guest()
    page = client.get(invitation_path(guest))
    assert "Visa invitation letter" in text(page)
    response = _post_passport(client, guest)
    assert response.status_code == 302
    assert passports.passport_of(guest).number == "SZ1234567"
    page = client.get(invitation_path(guest))
    assert 'data-letter-state="asked"' in page.text
    assert "SZ1234567" in page.text


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "Please give your name as in the passport."),
        ({"number": "12"}, "A passport number has 5 to 20 letters and digits"),
        ({"number": "AB12345678901234567890X"}, "A passport number has 5 to 20 letters"),
        ({"birth_date": "2999-01-01"}, "The date of birth cannot be in the future."),
        ({"birth_date": "1801-01-01"}, "the year looks wrong"),
        ({"birth_date": "9 March"}, "Please give the date as year-month-day."),
    ],
)
def test_bad_passport_details_on_the_page_store_nothing(app, client, fields, message):
    guest = travelling_guest()
    response = _post_passport(client, guest, **fields)
    assert response.status_code in (400, 409)
    assert message in text(response)
    assert _passports() == 0


def test_the_form_speaks_the_guests_language(app, client):
    guest = travelling_guest()
    guest.language = Language.ZH_HANT
    db.session.commit()
    assert "簽證邀請函" in text(client.get(invitation_path(guest)))
    response = _post_passport(client, guest, number="12")
    assert response.status_code == 400
    assert "護照號碼" in text(response)
    assert _passports() == 0


def test_a_guest_not_offered_travel_sees_no_form_and_cannot_post(app, client):
    event = make_event(**LETTERHEAD)
    guest = make_guest(event, category=Category.DELEGATE)
    assert "Visa invitation letter" not in text(client.get(invitation_path(guest)))
    assert _post_passport(client, guest).status_code == 409
    assert _passports() == 0


def test_a_revoked_link_cannot_ask(app, client):
    guest = travelling_guest()
    path = invitation_path(guest)
    invitations.revoke(guest.id, audit.SYSTEM)
    db.session.commit()
    assert client.post(f"{path}/letter", data={"passport-name": "X"}).status_code == 410
    assert _passports() == 0


def test_the_guest_withdraws_the_request(app, client):
    guest = travelling_guest()
    _post_passport(client, guest)
    response = client.post(f"{invitation_path(guest)}/letter/withdraw")
    assert response.status_code == 302
    assert _passports() == 0
    assert client.post(f"{invitation_path(guest)}/letter/withdraw").status_code == 409


def test_the_verification_page_shows_the_key_facts_and_nothing_more(app, client):
    guest = travelling_guest()
    ask(guest)
    first = issue(guest)
    page = client.get(f"/letters/{letters.code_of(first)}")
    assert page.status_code == 200
    shown = text(page)
    assert "This letter is genuine" in shown
    assert "MAGAGULA Sibusiso" in shown and "Eswatini" in shown and "••••••567" in shown
    assert "SZ1234567" not in page.text
    assert "1971" not in page.text  # the date of birth is not shown
    assert guest.email not in page.text
    assert "高雄市政府" in shown
    zh = client.get(f"/letters/{letters.code_of(first)}?lang=zh_Hant")
    assert "此信函為真" in text(zh)

    second = issue(guest)
    code = letters.code_of(second)
    invalid = [
        letters.code_of(first),  # issued again since
        code[:-2] + ("AA" if not code.endswith("AA") else "BB"),  # tampered
        tokens.letter_code(second.id + 100),  # unknown
        "L1-1",
    ]
    pages = [client.get(f"/letters/{bad}?lang=en") for bad in invalid]
    assert {p.status_code for p in pages} == {404}
    # One page for every invalid code, revealing nothing.
    assert len({text(p) for p in pages}) == 1
    assert "This letter is not valid" in text(pages[0])
    assert "MAGAGULA" not in pages[0].text


# -- the console ------------------------------------------------------------------------------


def test_an_organizer_sees_the_passport_and_issues_and_reissues_the_letter(organizer_client):
    guest = travelling_guest()
    page = organizer_client.get(f"/console/guests/{guest.id}/visa-letter")
    assert page.status_code == 200 and "data-no-passport" in page.text
    # Nothing asked: the organizer cannot issue.
    refused = organizer_client.post(f"/console/guests/{guest.id}/visa-letter", data={"seen": "0"})
    assert refused.status_code == 409
    assert "has not asked for a visa letter" in text(refused)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VisaLetter)) == 0

    ask(guest)
    page = organizer_client.get(f"/console/guests/{guest.id}/visa-letter")
    assert "SZ1234567" in page.text and "MAGAGULA Sibusiso" in page.text
    issued = organizer_client.post(f"/console/guests/{guest.id}/visa-letter", data={"seen": "0"})
    assert issued.status_code == 302
    first = db.session.scalar(sa.select(VisaLetter))
    pdf = organizer_client.get(f"/console/guests/{guest.id}/visa-letter.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    path = f"/console/guests/{guest.id}/visa-letter"
    # A second press of the same page's button (it showed no letter) issues nothing more.
    twice = organizer_client.post(path, data={"seen": "0"})
    assert twice.status_code == 409 and "issued meanwhile" in text(twice)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VisaLetter)) == 1
    assert letters.verify(letters.code_of(first)) is not None
    assert organizer_client.post(path, data={"seen": "1"}).status_code == 302
    assert letters.verify(letters.code_of(first)) is None
    page = organizer_client.get(f"/console/guests/{guest.id}/visa-letter")
    assert 'data-letter="2"' in page.text
    actions = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.guest_id == guest.id)
    ).all()
    assert {"letter.issued", "letter.reissued"} <= set(actions)
    assert "Letter re-issued; the earlier one is no longer valid" in text(
        organizer_client.get(f"/console/events/{guest.event_id}/audit")
    )


def test_the_travel_page_lists_who_asked_for_a_letter_those_to_issue_first(organizer_client):
    guest = travelling_guest()
    other = make_guest(guest.event, category=Category.SPEAKER, name_en="Wilfred Elrington")
    travel_page = f"/console/events/{guest.event_id}/travel"
    assert "No guest has asked for a visa letter." in text(organizer_client.get(travel_page))
    ask(guest)
    ask(other)
    issue(guest)

    def letters_listed() -> str:
        page = text(organizer_client.get(travel_page))
        return page[page.index("Visa letters") : page.index("No travel details yet")]

    page, listed = text(organizer_client.get(travel_page)), letters_listed()
    # The one still to issue comes first; the other names its letter. No passport content.
    assert listed.index("Wilfred Elrington") < listed.index("Sibusiso Magagula")
    assert "to issue" in listed and "letter no. 1 issued on" in listed
    assert "SZ1234567" not in page and "Eswatini" not in page
    # Withdrawn: off the list.
    passports.withdraw(other.id, other.token_version)
    db.session.commit()
    assert "Wilfred Elrington" not in letters_listed()
    assert "Sibusiso Magagula" in letters_listed()


def test_an_incomplete_letterhead_refuses_the_letter(organizer_client):
    guest = travelling_guest(letter_address_zh="")
    ask(guest)
    refused = organizer_client.post(f"/console/guests/{guest.id}/visa-letter", data={"seen": "0"})
    assert refused.status_code == 409 and "letterhead is incomplete" in text(refused)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VisaLetter)) == 0


def test_door_staff_and_other_events_organizers_are_refused(app, client):
    guest = travelling_guest()
    ask(guest)
    issue(guest)
    other = make_event()
    make_staff("door@example.org", Role.DOOR, events=[guest.event])
    make_staff("elsewhere@example.org", Role.ORGANIZER, events=[other])
    for email in ("door@example.org", "elsewhere@example.org"):
        logged_in(client, email)
        for path in (
            f"/console/guests/{guest.id}/visa-letter",
            f"/console/guests/{guest.id}/visa-letter.pdf",
        ):
            response = client.get(path)
            assert response.status_code == 403, (email, path)
            assert "SZ1234567" not in response.text
        assert client.post(f"/console/guests/{guest.id}/visa-letter").status_code == 403
        client.post("/logout")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VisaLetter)) == 1


# -- storage: exports, the API, erasure, retention ---------------------------------------------


def _read_csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_exports_hold_passport_details_only_when_the_organizer_chooses(organizer_client):
    guest = travelling_guest()
    ask(guest)
    base = f"/console/events/{guest.event_id}/exports/guests"
    for fmt in ("csv", "xlsx"):
        plain = organizer_client.get(f"{base}.{fmt}")
        assert plain.status_code == 200
        assert b"SZ1234567" not in plain.data and b"MAGAGULA" not in plain.data
    (row,) = _read_csv(organizer_client.get(f"{base}.csv?passports=1").data)
    assert row["Passport number"] == "SZ1234567"
    assert row["Name as in the passport"] == "MAGAGULA Sibusiso"
    assert row["Date of birth"] == "1971-03-09"
    chosen = organizer_client.get(f"{base}.xlsx?passports=1")
    workbook = openpyxl.load_workbook(io.BytesIO(chosen.data))
    assert "SZ1234567" in {cell.value for row in workbook.active.iter_rows() for cell in row}
    # The other exports never hold them.
    for kind in ("checkins", "waitlist"):
        data = organizer_client.get(
            f"/console/events/{guest.event_id}/exports/{kind}.csv?passports=1"
        ).data
        assert b"SZ1234567" not in data


def test_the_api_gives_passport_details_only_with_its_flag(app, client):
    guest = travelling_guest()
    ask(guest)
    reader = api_bearer(make_staff(), guest.event, ApiRole.READ)
    event_path = f"/api/v1/events/{guest.event_id}"
    reads = [
        f"{event_path}/exports/guests.csv",
        f"{event_path}/exports/guests.xlsx",
        f"{event_path}/guests",
        f"{event_path}/guests/{guest.id}",
        f"{event_path}/door-search?q=Sibusiso",
        event_path,
    ]
    for path in reads:
        response = client.get(path, headers=reader)
        assert response.status_code == 200, path
        assert b"SZ1234567" not in response.data and b"MAGAGULA" not in response.data, path
    chosen = client.get(f"{event_path}/exports/guests.csv?passports=true", headers=reader)
    assert _read_csv(chosen.data)[0]["Passport number"] == "SZ1234567"
    refused = client.get(f"{event_path}/exports/guests.csv?passports=yes", headers=reader)
    assert refused.status_code == 400 and b"SZ1234567" not in refused.data


def test_erasing_the_guest_erases_the_passport_and_the_letters_copy(app):
    guest = travelling_guest()
    ask(guest)
    letter = issue(guest)
    erasure.erase(guest.id, audit.SYSTEM)
    db.session.commit()
    assert _passports() == 0
    assert db.session.get(VisaLetter, letter.id).facts == {}
    assert letters.verify(letters.code_of(letter)) is None
    assert "SZ1234567" not in exports.guests_csv(guest.event, passports=True).decode("utf-8-sig")


def test_the_cli_drops_expired_passport_details(app, runner):
    guest = travelling_guest()
    event = guest.event
    ask(guest)
    letter = issue(guest)
    help_text = runner.invoke(args=["passports", "drop-expired", "--help"])
    assert help_text.exit_code == 0 and "REGISTRAR_PASSPORT_RETENTION_DAYS" in help_text.output
    db.session.commit()
    kept = runner.invoke(args=["passports", "drop-expired"])
    assert kept.exit_code == 0 and "of 0 guests" in kept.output
    # The event ended long ago: moved on the event's side, the clock being the real one.
    event = db.session.get_one(type(event), event.id)
    event.ends_at = event.ends_at - timedelta(days=400)
    event.starts_at = event.starts_at - timedelta(days=400)
    event.doors_open_at = event.doors_open_at - timedelta(days=400)
    db.session.commit()
    dropped = runner.invoke(args=["passports", "drop-expired"])
    db.session.rollback()
    assert dropped.exit_code == 0 and "of 1 guests" in dropped.output, dropped.output
    assert _passports() == 0
    assert db.session.get(VisaLetter, letter.id).facts == {}


def test_the_mail_senders_loop_drops_expired_passport_details(app):
    guest = travelling_guest()
    ask(guest)
    event = db.session.get_one(type(guest.event), guest.event_id)
    for name in ("doors_open_at", "starts_at", "ends_at"):
        setattr(event, name, getattr(event, name) - timedelta(days=400))
    db.session.commit()
    said, looks = [], []

    def stopping() -> bool:
        looks.append(1)
        return len(looks) > 1

    delivery.watch(interval=1, limit=None, stopping=stopping, say=said.append)
    db.session.rollback()
    assert _passports() == 0
    assert any("dropped the passport details of 1 guests" in line for line in said)


def test_forged_posts_without_the_csrf_token_change_nothing(app, client, organizer_client):
    guest = travelling_guest()
    ask(guest)
    app.config["WTF_CSRF_ENABLED"] = True
    withdraw = client.post(f"{invitation_path(guest)}/letter/withdraw")
    assert withdraw.status_code == 400
    changed = _post_passport(client, guest, number="XX99999")
    assert changed.status_code == 400
    assert passports.passport_of(guest).number == "SZ1234567"
    issued = organizer_client.post(f"/console/guests/{guest.id}/visa-letter", data={"seen": "0"})
    assert issued.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VisaLetter)) == 0


def test_the_verification_page_is_not_stored(app, client):
    guest = travelling_guest()
    ask(guest)
    code = letters.code_of(issue(guest))
    for path in (f"/letters/{code}", "/letters/L1-1-AAAA"):
        assert client.get(path).headers["Cache-Control"] == "no-store"


def test_a_revoked_invitation_s_letter_does_not_verify_until_reinstated(app):
    guest = travelling_guest()
    ask(guest)
    code = letters.code_of(issue(guest))
    invitations.revoke(guest.id, audit.SYSTEM)
    db.session.commit()
    assert letters.verify(code) is None
    invitations.reinstate(guest.id, audit.SYSTEM)
    db.session.commit()
    assert letters.verify(code) is not None
