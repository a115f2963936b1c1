"""The console's page of a guest's accompanying persons: add, change, remove; bad posts and
double submits change nothing; the guest list marks them; the badge PDF says whom they
accompany and its QR code is theirs."""

from __future__ import annotations

import subprocess

import pytest
import sqlalchemy as sa
from support.app import text
from support.factories import answer, make_event, make_guest

from registrar import tokens
from registrar.extensions import db
from registrar.models import AuditEntry, Category, CompanionRole, Guest, SeatState

zxingcpp = pytest.importorskip("zxingcpp")


def audit_count() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))


def companions_of(guest: Guest) -> list[Guest]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(Guest).where(Guest.principal_id == guest.id).order_by(Guest.id)
        )
    )


def mayor_of(take_seats: bool = True, capacity: int = 10) -> Guest:
    event = make_event(
        capacity=capacity, companion_limits="vip=2", companions_take_seats=take_seats
    )
    mayor = make_guest(event, category=Category.VIP, name_en="Chen Chi-Mai", name_zh="陳其邁")
    answer(mayor)
    return mayor


def post(client, path: str, **data) -> str:
    response = client.post(path, data={"csrf_token": "", **data})
    assert response.status_code in (200, 302, 400, 409), response.status_code
    if response.status_code == 302:
        return text(client.get(response.headers["Location"]))
    return text(response)


def test_an_organizer_adds_changes_and_removes_an_accompanying_person(organizer_client):
    mayor = mayor_of()
    page_path = f"/console/guests/{mayor.id}/companions"
    page = text(organizer_client.get(page_path))
    assert "Up to 2" in page

    page = post(organizer_client, page_path, role="aide", name_en="Wang Mei-Ling", name_zh="王美玲")
    assert "Accompanying person added" in page
    (aide,) = companions_of(mayor)
    assert aide.companion_role == CompanionRole.AIDE and aide.seat.state == SeatState.CONFIRMED
    assert "王美玲" in page

    # The same form sent twice names nobody twice.
    before = audit_count()
    page = post(organizer_client, page_path, role="aide", name_en="Wang Mei-Ling", name_zh="王美玲")
    assert "named already" in page
    assert len(companions_of(mayor)) == 1 and audit_count() == before

    edit = f"/console/guests/{aide.id}/companion/edit"
    prefix = f"c{aide.id}-"
    page = post(
        organizer_client,
        edit,
        **{
            f"{prefix}role": "interpreter",
            f"{prefix}name_en": "Wang Mei-Ling",
            f"{prefix}name_zh": "",
        },
    )
    assert "Saved" in page
    (aide,) = companions_of(mayor)
    assert aide.companion_role == CompanionRole.INTERPRETER and aide.name_zh == ""

    page = post(organizer_client, f"/console/guests/{aide.id}/companion/remove")
    assert "seat is free" in page
    (aide,) = companions_of(mayor)
    assert aide.is_revoked and aide.seat is None
    before = audit_count()
    page = post(organizer_client, f"/console/guests/{aide.id}/companion/remove")
    assert "removed already" in page
    assert audit_count() == before


@pytest.mark.parametrize(
    "data, message",
    [
        ({"role": "butler", "name_en": "Jeeves"}, "choose a role"),
        ({"role": "aide", "name_en": "  ", "name_zh": ""}, "at least one script"),
        ({"role": "aide", "name_en": "x" * 201}, "At most 200"),
        ({"role": "aide", "name_en": "Two\nLines"}, "one line"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_written(organizer_client, data, message):
    mayor = mayor_of()
    before = audit_count()
    page = post(organizer_client, f"/console/guests/{mayor.id}/companions", **data)
    assert message in page
    assert companions_of(mayor) == [] and audit_count() == before


def test_over_the_limit_and_for_a_guest_who_declined_nothing_is_written(organizer_client):
    mayor = mayor_of()
    path = f"/console/guests/{mayor.id}/companions"
    post(organizer_client, path, role="aide", name_en="One")
    post(organizer_client, path, role="security", name_en="Two")
    before = audit_count()
    page = post(organizer_client, path, role="other", name_en="Three")
    assert "at most 2" in page
    assert len(companions_of(mayor)) == 2 and audit_count() == before

    declined = make_guest(mayor.event, category=Category.VIP)
    answer(declined, attending=False)
    page = post(
        organizer_client, f"/console/guests/{declined.id}/companions", role="aide", name_en="X"
    )
    assert "said they will attend" in page
    assert companions_of(declined) == []


def test_the_guest_list_marks_them_and_links_to_their_guest(organizer_client):
    mayor = mayor_of()
    post(organizer_client, f"/console/guests/{mayor.id}/companions", role="security", name_en="Lin")
    page = text(organizer_client.get(f"/console/events/{mayor.event_id}/guests"))
    assert "Accompanying · Security" in page
    # A companion has no page of their own for more companions.
    (guard,) = companions_of(mayor)
    assert organizer_client.get(f"/console/guests/{guard.id}/companions").status_code == 404


@pytest.mark.parametrize("take_seats", [True, False])
def test_the_badge_says_whom_they_accompany_and_its_qr_is_theirs(
    organizer_client, tmp_path, take_seats
):
    mayor = mayor_of(take_seats=take_seats)
    post(
        organizer_client,
        f"/console/guests/{mayor.id}/companions",
        role="aide",
        name_en="Wang Mei-Ling",
        name_zh="王美玲",
    )
    (aide,) = companions_of(mayor)
    response = organizer_client.get(f"/console/guests/{aide.id}/badge.pdf")
    assert response.status_code == 200
    pdf = tmp_path / "badge.pdf"
    pdf.write_bytes(response.data)
    words = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for expected in (
        "王美玲",
        "Wang Mei-Ling",
        "ACCOMPANYING",
        "accompanying Chen Chi-Mai",
        "陳其邁",
    ):
        assert expected in words
    subprocess.run(["pdftoppm", "-r", "200", "-png", str(pdf), str(tmp_path / "page")], check=True)
    from PIL import Image

    (png,) = tmp_path.glob("page*.png")
    (found,) = zxingcpp.read_barcodes(Image.open(png))
    claim = tokens.read_badge_code(found.text)
    assert (claim.event_id, claim.guest_id) == (mayor.event_id, aide.id)


def test_a_guest_names_one_through_their_link_and_it_waits_for_approval(organizer_client):
    from support.factories import invitation_path

    from registrar.models import ChangeRequest, RequestState

    mayor = mayor_of()
    link = invitation_path(mayor)
    page = text(organizer_client.get(link))
    assert "Name an aide, interpreter or security officer" in page
    page = post(
        organizer_client,
        f"{link}/companion",
        **{
            "companion-role": "interpreter",
            "companion-name_en": "Lee Ann",
            "companion-name_zh": "李安",
        },
    )
    assert "The organizers will confirm" in page
    # Nothing comes in on the link alone: no accompanying person yet, only a request.
    assert companions_of(mayor) == []
    (request,) = db.session.scalars(sa.select(ChangeRequest)).all()
    assert request.state == RequestState.PENDING and request.name_zh == "李安"
    assert "李安" in page
    # The same person again, or more than the limit counting the one waiting: refused.
    page = post(
        organizer_client,
        f"{link}/companion",
        **{
            "companion-role": "interpreter",
            "companion-name_en": "Lee Ann",
            "companion-name_zh": "李安",
        },
    )
    assert "named already" in page
    post(
        organizer_client,
        f"{link}/companion",
        **{"companion-role": "aide", "companion-name_en": "B"},
    )
    page = post(
        organizer_client,
        f"{link}/companion",
        **{"companion-role": "aide", "companion-name_en": "C"},
    )
    assert "at most 2" in page

    requests_page = text(organizer_client.get(f"/console/events/{mayor.event_id}/requests"))
    assert "Accompanying person" in requests_page and "李安" in requests_page
    response = organizer_client.post(
        f"/console/events/{mayor.event_id}/requests/{request.id}/approve",
        data={"csrf_token": "", "confirm": str(request.version)},
    )
    assert response.status_code == 302
    (interpreter,) = companions_of(mayor)
    assert interpreter.name_zh == "李安" and interpreter.companion_role == CompanionRole.INTERPRETER
    assert interpreter.seat.state == SeatState.CONFIRMED
    # A second press of the same Approve names nobody twice.
    before = audit_count()
    organizer_client.post(
        f"/console/events/{mayor.event_id}/requests/{request.id}/approve",
        data={"csrf_token": "", "confirm": str(request.version)},
    )
    assert len(companions_of(mayor)) == 1 and audit_count() == before


def test_a_guest_who_declines_takes_their_waiting_requests_with_them(organizer_client):
    from support.factories import invitation_path

    from registrar.models import ChangeRequest, RequestState

    mayor = mayor_of()
    link = invitation_path(mayor)
    post(
        organizer_client,
        f"{link}/companion",
        **{"companion-role": "aide", "companion-name_en": "A"},
    )
    answer(db.session.get_one(Guest, mayor.id), attending=False)
    db.session.expire_all()
    (request,) = db.session.scalars(sa.select(ChangeRequest)).all()
    assert request.state == RequestState.SUPERSEDED
    page = text(organizer_client.get(link))
    assert "Name an aide" not in page


def test_the_event_editor_sets_the_limits_and_whether_they_take_seats(organizer_client):
    from support.event_form import edit_form

    from registrar.models import Event

    event = make_event()
    db.session.commit()
    path = f"/console/events/{event.id}/edit"
    page = text(organizer_client.get(path))
    assert "Accompanying persons each guest may bring" in page

    bad = organizer_client.post(path, data=edit_form(event, companion_limits="mayor=2"))
    assert bad.status_code == 400
    assert "Unknown category" in text(bad)
    db.session.expire_all()
    assert db.session.get_one(Event, event.id).companion_limits == ""

    form = edit_form(event, companion_limits="vip = 2, speaker=1", companions_take_seats="y")
    assert organizer_client.post(path, data=form).status_code == 302
    db.session.expire_all()
    event = db.session.get_one(Event, event.id)
    assert (event.companion_limits, event.companions_take_seats) == ("speaker=1 vip=2", True)
