"""The event's letterhead for visa invitation letters: edited in the console, through the API
and in the event's file, where it reads, writes and reads back unchanged."""

from __future__ import annotations

from support.auth import api_bearer
from support.event_files import FORUM
from support.event_form import edit_form
from support.factories import make_event, make_staff

from registrar.extensions import db
from registrar.models import ApiRole, Event
from registrar.services import audit, event_files

LETTER = (
    FORUM
    + """
[letter]
organizer.en = "Kaohsiung City Government"
organizer.zh = "高雄市政府"
address.en = "No. 2, Sihwei 3rd Rd., Kaohsiung"
address.zh = "高雄市苓雅區四維三路2號"
signatory = "Chen Chi-Mai"
signatory_title.en = "Mayor"
signatory_title.zh = "市長"
"""
)


def _imported(text: str) -> event_files.FileImport:
    result = event_files.import_event(event_files.read_event_file(text), audit.SYSTEM)
    db.session.commit()
    return result


def test_the_letter_section_is_read_written_and_read_back_unchanged(app):
    assert "[letter]" not in FORUM
    event = _imported(LETTER).event
    assert event.letter_organizer_zh == "高雄市政府"
    assert event.letter_signatory == "Chen Chi-Mai"
    assert event.letter_signatory_title_en == "Mayor"
    written = event_files.export_event(event)
    assert '[letter]\norganizer.en = "Kaohsiung City Government"' in written
    assert 'signatory = "Chen Chi-Mai"' in written
    assert not _imported(written).changed_anything
    # Left out, the letterhead is empty again, and no [letter] is written.
    assert _imported(FORUM).changes["letter_signatory"] == ("Chen Chi-Mai", "")
    assert "\n[letter]" not in event_files.export_event(event)


def test_a_letter_key_unknown_is_named_with_its_line(app):
    text = FORUM + '\n[letter]\nseal = "round"\n'
    try:
        _imported(text)
    except event_files.EventFileError as refused:
        assert "letter.seal" in str(refused)
    else:
        raise AssertionError("an unknown key was taken")


def test_the_console_editor_saves_the_letterhead(organizer_client):
    event = make_event()
    form = edit_form(
        event,
        letter_organizer_en="Kaohsiung City Government",
        letter_signatory="Chen Chi-Mai",
        letter_signatory_title_zh="市長",
    )
    response = organizer_client.post(f"/console/events/{event.id}/edit", data=form)
    assert response.status_code == 302
    event = db.session.get_one(Event, event.id)
    db.session.refresh(event)
    assert (event.letter_organizer_en, event.letter_signatory_title_zh) == (
        "Kaohsiung City Government",
        "市長",
    )
    page = organizer_client.get(f"/console/events/{event.id}/edit").text
    assert "Visa invitation letters" in page and 'value="Chen Chi-Mai"' in page
    too_long = edit_form(event, letter_signatory="x" * 201)
    refused = organizer_client.post(f"/console/events/{event.id}/edit", data=too_long)
    assert refused.status_code == 400
    db.session.refresh(event)
    assert event.letter_signatory == "Chen Chi-Mai"


def test_the_api_reads_and_changes_the_letterhead(client):
    event = make_event()
    writer = api_bearer(make_staff(), event, ApiRole.ORGANIZER, name="writer")
    changed = client.patch(
        f"/api/v1/events/{event.id}",
        json={"letter_organizer_zh": "高雄市政府", "letter_signatory": "Chen Chi-Mai"},
        headers=writer,
    )
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert body["letter_organizer_zh"] == "高雄市政府"
    assert body["letter_signatory"] == "Chen Chi-Mai"
    assert body["letter_address_en"] == ""
