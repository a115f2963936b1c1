"""A form that did not validate opens with a summary of its errors at the top (GOV.UK's error
summary), each a link to its field; the fields keep their own messages and what was typed."""

from __future__ import annotations

import io
import re

from support.factories import invitation_path, make_event, make_guest

from registrar.models import Language


def summary(page: str) -> str:
    """The error summary's markup; the test fails when the page has none."""
    found = re.search(r'<div class="error-summary"[^>]*>.*?</div>', page, re.S)
    assert found is not None, "no error summary on the page"
    return found.group(0)


def links(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary(page))


def test_the_rsvp_form_opens_with_its_errors_linked_and_keeps_what_was_typed(client, app):
    guest = make_guest(make_event())
    typed = {
        "attending": "yes",
        "dietary": "vegetarian, no nuts",
        "access_needs": "a seat near the door",
        "note": "Arriving from the airport, may be 10 minutes late.",
        "name_zh": "改過的名字",
        "name_en": "N" * 201,
    }
    response = client.post(invitation_path(guest), data=typed)
    assert response.status_code == 400
    page = response.get_data(as_text=True)

    box = summary(page)
    assert 'tabindex="-1"' in box and "autofocus" in box
    assert "There is a problem" in box
    # The summary is the first thing in the form, before the first question.
    form = page.split('<form method="post"', 1)[1]
    assert form.index("error-summary") < form.index('name="attending"')
    # Each error links to its field: the channel's first choice, the name's input.
    assert links(page) == [
        ("channel-0", "Please choose the channel you will listen on."),
        ("name_en", "At most 200 characters, please."),
    ]
    assert re.search(r'<input[^>]*id="channel-0"', page)
    assert re.search(r'<input[^>]*id="name_en"', page)
    # The fields keep their own messages.
    assert 'id="channel-error"' in page and 'id="name_en-error"' in page
    # Nothing typed is lost.
    assert re.search(r'<input[^>]*checked[^>]*value="yes"|<input[^>]*value="yes"[^>]*checked', page)
    assert 'value="vegetarian, no nuts"' in page
    assert 'value="a seat near the door"' in page
    assert "Arriving from the airport, may be 10 minutes late.</textarea>" in page
    assert 'value="改過的名字"' in page
    # The script that focuses it comes from our own files (no inline script may run).
    assert re.search(r'<script src="/static/forms\.js[^"]*" defer>', page)


def test_the_chosen_channel_is_kept_when_another_field_is_wrong(client, app):
    guest = make_guest(make_event())
    response = client.post(
        invitation_path(guest), data={"attending": "yes", "channel": "zh", "note": "n" * 1001}
    )
    page = response.get_data(as_text=True)
    assert links(page) == [("note", "At most 1000 characters, please.")]
    assert re.search(r'<input[^>]*checked[^>]*value="zh"|<input[^>]*value="zh"[^>]*checked', page)


def test_the_summary_speaks_the_guests_language(client, app):
    guest = make_guest(make_event(), language=Language.ZH_HANT)
    response = client.post(invitation_path(guest), data={"attending": "yes"})
    box = summary(response.get_data(as_text=True))
    assert "請修正下列問題" in box
    assert "請選擇您要收聽的頻道" in box


def test_a_form_without_errors_has_no_summary(client, app):
    guest = make_guest(make_event())
    page = client.get(invitation_path(guest)).get_data(as_text=True)
    assert "error-summary" not in page
    assert "forms.js" not in page


def test_console_forms_open_with_the_summary_too(organizer_client, app):
    event = make_event()
    response = organizer_client.post(
        f"/console/events/{event.id}/guests/new",
        data={"name_en": "Thulani Mkhonta", "email": "", "category": "speaker", "language": "en"},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert links(page) == [("email", "Please enter the guest's e-mail.")]
    assert 'value="Thulani Mkhonta"' in page

    response = organizer_client.post(
        f"/console/events/{event.id}/import",
        data={"file": (io.BytesIO(b""), "")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert links(page) == [("file", "Please choose the CSV file to import.")]
    # Said once, in the summary and next to the field, not flashed a third time above.
    assert 'class="flash flash-error"' not in page


def test_the_login_form_opens_with_the_summary(client, app):
    response = client.post("/login", data={"email": "", "password": ""})
    page = response.get_data(as_text=True)
    assert [target for target, _message in links(page)] == ["email", "password"]
