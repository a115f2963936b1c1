"""The file commands through the CLI runner: event export, import, copy, list; guest import."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from support.event_files import FORUM, programme_of, rows
from support.factories import make_event, make_guest

from registrar.extensions import db
from registrar.models import Event, Guest
from registrar.services import audit, event_files
from registrar.services.event_details import EventDetails


def run(runner, *args):
    """As from a fresh shell: the test's transaction ends first, and is read afresh after."""
    db.session.commit()
    result = runner.invoke(args=list(args))
    db.session.rollback()
    return result


def event(slug: str) -> Event:
    return db.session.scalar(sa.select(Event).where(Event.slug == slug))


def test_import_creates_then_export_and_import_again_changes_nothing(runner, app, tmp_path):
    path = tmp_path / "harbour.toml"
    path.write_text(FORUM, "utf-8")
    created = run(runner, "event", "import", str(path))
    assert created.exit_code == 0, created.output
    assert "Created harbour-forum with 3 programme items, as a draft" in created.output

    exported = run(runner, "event", "export", "harbour-forum")
    assert exported.exit_code == 0
    assert exported.output.startswith(event_files.HEADER)
    before = rows()
    path.write_text(exported.output, "utf-8")
    again = run(runner, "event", "import", str(path))
    assert again.exit_code == 0
    assert "harbour-forum already matches harbour.toml: nothing changed." in again.output
    assert rows() == before


def test_export_to_a_file_writes_what_reads_back_as_the_event(runner, app, tmp_path):
    # Times to the minute, as the console and the file take them.
    starts = datetime(2027, 5, 4, 1, 30, tzinfo=UTC)
    forum = make_event(
        doors_open_at=starts - timedelta(minutes=20),
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        rsvp_deadline=starts - timedelta(days=2, hours=5),
    )
    target = tmp_path / "out.toml"
    result = run(runner, "event", "export", forum.slug, "-o", str(target))
    assert result.exit_code == 0
    assert event_files.read_event_file(target.read_text("utf-8")).details == EventDetails.of(
        event(forum.slug)
    )


def test_a_bad_file_names_file_line_and_key_and_fails(runner, app, tmp_path):
    path = tmp_path / "harbour.toml"
    path.write_text(FORUM.replace("capacity = 120", "capacity = 12.5"), "utf-8")
    before = rows()
    result = run(runner, "event", "import", str(path))
    assert result.exit_code == 1
    assert "harbour.toml, line 33: room.capacity: must be a whole number" in result.output
    assert "Nothing was saved." in result.output
    assert rows() == before


def test_dry_run_says_what_would_change_and_saves_nothing(runner, app, tmp_path):
    path = tmp_path / "harbour.toml"
    path.write_text(FORUM, "utf-8")
    run(runner, "event", "import", str(path))
    path.write_text(FORUM.replace("capacity = 120", "capacity = 150"), "utf-8")
    before = rows()
    result = run(runner, "event", "import", str(path), "--dry-run")
    assert result.exit_code == 0
    assert "Dry run: nothing was saved" in result.output
    assert "Updated harbour-forum: room.capacity." in result.output
    assert rows() == before
    assert event("harbour-forum").capacity == 120


def test_a_change_guests_were_told_needs_notify(runner, app, tmp_path):
    path = tmp_path / "harbour.toml"
    path.write_text(FORUM, "utf-8")
    run(runner, "event", "import", str(path))
    guest = make_guest(event("harbour-forum"))
    guest.sent_at = datetime.now(UTC)
    # The English venue: the guest reads English (a change only in the other script tells
    # nobody anything, and needs no notice).
    path.write_text(
        FORUM.replace('en = "Pier-2 Art Center"', 'en = "Pier-2, Dayi Warehouse"'), "utf-8"
    )

    refused = run(runner, "event", "import", str(path))
    assert refused.exit_code == 1
    assert "changes what they were told: venue.en. 1 invited guests" in refused.output
    assert "--notify" in refused.output
    assert event("harbour-forum").venue_en == "Pier-2 Art Center"

    told = run(runner, "event", "import", str(path), "--notify")
    assert told.exit_code == 0, told.output
    assert "Invited guests will be told of the change: venue.en." in told.output
    assert event("harbour-forum").venue_en == "Pier-2, Dayi Warehouse"


def test_copy_moves_every_time_by_the_same_amount(runner, app):
    source = event_files.import_event(event_files.read_event_file(FORUM), audit.SYSTEM).event
    db.session.commit()
    result = run(runner, "event", "copy", "harbour-forum", "harbour-2027", "--date", "2027-03-02")
    assert result.exit_code == 0, result.output
    assert "a draft on 2027-03-02 with 3 programme items" in result.output

    copy, source = event("harbour-2027"), event("harbour-forum")
    shift = copy.starts_at - source.starts_at
    assert shift > timedelta(days=100) and shift % timedelta(days=1) == timedelta(0)
    for name in ("doors_open_at", "ends_at", "rsvp_deadline"):
        assert getattr(copy, name) - getattr(source, name) == shift, name
    for moved, item in zip(programme_of(copy), programme_of(source), strict=True):
        assert (moved[4] - item[4], moved[5] - item[5]) == (shift, shift)
        assert moved[:4] + moved[6:] == item[:4] + item[6:]  # people, titles included


def test_copy_to_a_slug_in_use_fails_and_adds_nothing(runner, app):
    first, second = make_event(), make_event()
    before = rows()
    result = run(runner, "event", "copy", first.slug, second.slug, "--date", "2027-03-02")
    assert result.exit_code == 1
    assert "slug: Another event already has this short address." in result.output
    assert rows() == before


def test_list_shows_every_event_with_its_state_and_counts(runner, app):
    forum = make_event()
    make_guest(forum).sent_at = datetime.now(UTC)
    result = run(runner, "event", "list")
    assert result.exit_code == 0
    (line,) = [line for line in result.output.splitlines() if line.startswith(forum.slug)]
    assert "\topen\t" in line and "1 invited, 0 confirmed, 0 waitlisted" in line


# -- guest import ----------------------------------------------------------------------------

GUESTS = """\
name_en,name_zh,email,organization,title,category,language
Chen Mei-Ling,陳美玲,mei-ling.chen@example.org,Kaohsiung City Government,Director,speaker,en
,林志明,chih-ming.lin@example.org,高雄市政府環境保護局,科長,delegate,zh_Hant
"""


def guests() -> list[str]:
    return sorted(db.session.scalars(sa.select(Guest.email)))


def test_guest_import_previews_without_yes_and_imports_with_it(runner, app, tmp_path):
    forum = make_event()
    path = tmp_path / "guests.csv"
    path.write_text(GUESTS, "utf-8")

    preview = run(runner, "guest", "import", str(path), "--event", forum.slug)
    assert preview.exit_code == 0, preview.output
    assert "2 new, 0 updated, 0 unchanged, 0 with errors." in preview.output
    assert "row 2: new guest mei-ling.chen@example.org" in preview.output
    assert "run again with --yes" in preview.output
    assert guests() == []

    done = run(runner, "guest", "import", str(path), "--event", forum.slug, "--yes")
    assert done.exit_code == 0, done.output
    assert f"Imported into {forum.slug}: 2 new, 0 updated, 0 unchanged." in done.output
    assert guests() == ["chih-ming.lin@example.org", "mei-ling.chen@example.org"]


def test_guest_import_with_a_bad_row_names_it_and_imports_nothing(runner, app, tmp_path):
    forum = make_event()
    path = tmp_path / "guests.csv"
    path.write_text(GUESTS + "Nobody,,not-an-address,,,,\n", "utf-8")
    for extra in ((), ("--yes",)):
        result = run(runner, "guest", "import", str(path), "--event", forum.slug, *extra)
        assert result.exit_code == 1
        assert "2 new, 0 updated, 0 unchanged, 1 with errors." in result.output
        assert "row 4, email:" in result.output
        assert "Nothing was imported" in result.output
        assert guests() == []


def test_guest_import_of_the_good_rows_only_gives_the_bad_ones_back(runner, app, tmp_path):
    forum = make_event()
    path, rejected = tmp_path / "guests.csv", tmp_path / "to-correct.csv"
    path.write_text(GUESTS + "Nobody,,not-an-address,,,,\n", "utf-8")
    alone = run(runner, "guest", "import", str(path), "--event", forum.slug, "--good-rows-only")
    assert alone.exit_code == 2 and "give --yes with it" in alone.output
    done = run(
        runner,
        "guest",
        "import",
        str(path),
        "--event",
        forum.slug,
        "--good-rows-only",
        "--yes",
        "--rejected",
        str(rejected),
    )
    assert done.exit_code == 0, done.output
    assert "2 new, 0 updated, 0 unchanged; left out, with errors: 1." in done.output
    assert guests() == ["chih-ming.lin@example.org", "mei-ling.chen@example.org"]
    back = rejected.read_text("utf-8-sig").splitlines()
    assert len(back) == 2 and back[1].startswith("Nobody,,not-an-address")
    assert "reason" in back[0]
    # Corrected, the file of rejected rows imports as it is (its reason column is read past).
    rejected.write_text(
        rejected.read_text("utf-8-sig").replace("not-an-address", "nobody@example.org"), "utf-8"
    )
    again = run(runner, "guest", "import", str(rejected), "--event", forum.slug, "--yes")
    assert again.exit_code == 0, again.output
    assert "nobody@example.org" in guests()


def test_guest_import_needs_the_event_named(runner, app, tmp_path):
    path = tmp_path / "guests.csv"
    path.write_text(GUESTS, "utf-8")
    result = run(runner, "guest", "import", str(path))
    assert result.exit_code == 2
    assert "--event" in result.output
