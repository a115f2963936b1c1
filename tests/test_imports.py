"""Guest-list import: the preview's verdict per row and per file, then all rows or none."""

from __future__ import annotations

import csv
import io
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from support.factories import make_event, make_guest

from registrar.extensions import db
from registrar.models import AuditEntry, Category, Event, Guest, Language
from registrar.services import audit, imports
from registrar.services.imports import Outcome, Problem, reading, use_cases

HEADER = ["name_en", "name_zh", "email", "organization", "title", "category", "language"]


def csv_file(rows, header=HEADER, delimiter=",", bom=True, encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode(encoding)


def guest_rows(count: int, start: int = 0) -> list[list[str]]:
    categories = ["speaker", "delegate", "vip", "press", "貴賓", "與會代表"]
    return [
        [
            f"Guest {n}",
            f"來賓{n}號",
            f"guest{n}@example.org",
            "高雄市政府" if n % 2 else "ICLEI",
            "Director" if n % 3 else "",
            categories[n % len(categories)],
            "zh-TW" if n % 2 else "English",
        ]
        for n in range(start, start + count)
    ]


def guest_count(event) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Guest).where(Guest.event_id == event.id)
    )


def audit_actions(event) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry.action)
            .where(AuditEntry.event_id == event.id)
            .order_by(AuditEntry.id)
        )
    )


def problems(row: imports.ImportRow) -> set[Problem]:
    return {issue.problem for issue in row.issues}


def file_problems(preview: imports.ImportPreview) -> list[Problem]:
    return [issue.problem for issue in preview.issues]


def test_template_is_a_bom_csv_that_imports_as_two_new_guests(app):
    event = make_event()
    data = imports.template_csv()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == [*HEADER, "precedence"]
    assert len(rows) == 3
    assert any("林志明" in row for row in rows)

    preview = imports.preview(event, data)
    assert preview.ok
    assert [row.outcome for row in preview.rows] == [Outcome.NEW, Outcome.NEW]
    chinese = preview.rows[1]
    assert chinese.values["category"] == "delegate"
    assert chinese.values["language"] == "zh_Hant"


def test_200_rows_with_three_bad_ones_name_exactly_those_and_write_nothing(app):
    event = make_event()
    rows = guest_rows(200)
    rows[10][2] = "not-an-address"  # Excel row 12
    rows[99][5] = "keynote"  # row 101
    rows[150][0] = rows[150][1] = ""  # row 152
    data = csv_file(rows)

    preview = imports.preview(event, data)
    assert preview.issues == []
    assert {row.row: problems(row) for row in preview.error_rows} == {
        12: {Problem.INVALID_EMAIL},
        101: {Problem.UNKNOWN_CATEGORY},
        152: {Problem.NO_NAME},
    }
    assert preview.counts[Outcome.NEW] == 197
    messages = {row.row: str(row.issues[0]) for row in preview.error_rows}
    assert "not-an-address" in messages[12]
    assert "keynote" in messages[101]
    assert "name" in messages[152]
    assert not preview.ok

    with pytest.raises(imports.ImportRejected) as rejected:
        imports.apply(event, data, actor=audit.SYSTEM)
    assert "3" in str(rejected.value)
    assert rejected.value.preview.counts[Outcome.ERROR] == 3
    db.session.commit()
    assert guest_count(event) == 0
    assert audit_actions(event) == []

    # Fixed, the same file imports every guest.
    rows[10][2] = "guest10@example.org"
    rows[99][5] = "speaker"
    rows[150][0] = "Guest 150"
    fixed = csv_file(rows)
    result = imports.apply(event, fixed, actor="staff:1", filename="guests.csv")
    db.session.commit()
    assert (result.added, result.updated, result.unchanged) == (200, 0, 0)
    assert guest_count(event) == 200
    actions = audit_actions(event)
    assert actions.count("guest.added") == 200
    assert actions.count("guest_list.imported") == 1
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "guest_list.imported")
    )
    assert entry.actor == "staff:1"
    assert entry.details == {
        "filename": "guests.csv",
        "rows": 200,
        "added": 200,
        "updated": 0,
        "unchanged": 0,
    }
    guest = db.session.scalar(sa.select(Guest).where(Guest.email == "guest7@example.org"))
    assert (guest.name_en, guest.name_zh, guest.organization) == (
        "Guest 7",
        "來賓7號",
        "高雄市政府",
    )
    assert guest.language == Language.ZH_HANT  # "zh-TW"
    assert guest.category == Category.DELEGATE  # "與會代表" (row 7 of 6 categories)
    guest4 = db.session.scalar(sa.select(Guest).where(Guest.email == "guest4@example.org"))
    assert (guest4.category, guest4.language) == (Category.VIP, Language.EN)  # "貴賓", "English"
    assert guest.id in result.added_ids

    # The same file again changes nothing and writes nothing.
    again = imports.preview(event, fixed)
    assert again.counts[Outcome.UNCHANGED] == 200 and not again.has_changes
    result = imports.apply(event, fixed, actor="staff:1")
    db.session.commit()
    assert (result.added, result.updated, result.unchanged) == (0, 0, 200)
    assert audit_actions(event) == actions


@pytest.mark.parametrize("bom", [True, False], ids=["bom", "no-bom"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
def test_bom_and_delimiters(app, bom, delimiter):
    event = make_event()
    rows = guest_rows(3)
    rows[0][3] = "City of Kaohsiung, Taiwan; Bureau of Environmental Protection"
    preview = imports.preview(event, csv_file(rows, delimiter=delimiter, bom=bom))
    assert preview.ok, [str(i) for i in preview.issues]
    assert preview.delimiter == delimiter
    assert preview.columns == HEADER
    assert [row.values["name_zh"] for row in preview.rows] == ["來賓0號", "來賓1號", "來賓2號"]
    assert preview.rows[0].values["organization"] == rows[0][3]


def test_semicolon_file_as_excel_writes_it_in_europe(app):
    event = make_event()
    data = "\ufeffname_en;email;organization\r\nAnna Schmidt;anna@example.org;ICLEI Europe\r\n"
    preview = imports.preview(event, data.encode("utf-8"))
    assert preview.ok
    assert preview.rows[0].values == {
        "name_en": "Anna Schmidt",
        "name_zh": "",
        "email": "anna@example.org",
        "organization": "ICLEI Europe",
        "title": "",
        "category": "delegate",
        "language": "en",
    }


@pytest.fixture
def sniffed(monkeypatch) -> list[str]:
    """Every sample the delimiter detection hands to csv.Sniffer: the work it asks of it."""
    samples: list[str] = []
    sniff = csv.Sniffer.sniff

    def counted(self, sample, delimiters=None):
        samples.append(sample)
        return sniff(self, sample, delimiters)

    monkeypatch.setattr(csv.Sniffer, "sniff", counted)
    return samples


# A line shaped for csv.Sniffer's worst case: its time grows with the square of the line's
# length, and 16 KB of it took seconds of CPU per upload and per view of the preview.
SNIFFER_TRAP = ',"' * 8000


def test_a_header_of_our_columns_decides_the_delimiter_without_the_sniffer(app, sniffed):
    event = make_event()
    preview = imports.preview(event, f"name_en,email\n{SNIFFER_TRAP}\n".encode())
    assert sniffed == []
    assert preview.delimiter == ","
    assert not preview.issues
    assert [row.outcome for row in preview.rows] == [Outcome.ERROR]
    assert {Problem.EXTRA_CELLS, Problem.INVALID_EMAIL} <= problems(preview.rows[0])


@pytest.mark.parametrize(
    "data",
    [f"a,b\n{SNIFFER_TRAP}\n", f"{SNIFFER_TRAP}\nname_en,email\n", SNIFFER_TRAP],
    ids=["header-not-ours", "trap-as-header", "one-line"],
)
def test_the_sniffer_is_shown_a_few_lines_only(app, sniffed, data):
    event = make_event()
    preview = imports.preview(event, data.encode())
    assert len(sniffed) == 1
    assert len(sniffed[0]) <= reading.SNIFF_CHARS < len(SNIFFER_TRAP)
    assert Problem.MISSING_COLUMN in file_problems(preview)
    assert preview.rows == []


def test_when_the_header_does_not_decide_the_sniffer_reads_the_first_lines(app, sniffed):
    event = make_event()
    # "email" is one known column whichever the delimiter: the sniffer decides between them.
    rows = "".join(f"guest{n}@example.org\tGuest {n}\n" for n in range(100))
    preview = imports.preview(event, f"email\n{rows}".encode())
    assert len(sniffed) == 1
    assert sniffed[0].splitlines() == f"email\n{rows}".splitlines()[: reading.SNIFF_LINES]
    assert preview.delimiter in reading.DELIMITERS
    assert preview.columns == ["email"]


@pytest.mark.parametrize(
    ("encoding", "named"),
    [("big5", "Big5"), ("cp950", "Big5"), ("utf-16", "UTF-16"), ("utf-16-le", "UTF-16")],
)
def test_file_not_in_utf8_says_save_as_csv_utf8(app, encoding, named):
    event = make_event()
    data = csv_file(guest_rows(2), bom=False, encoding=encoding)
    preview = imports.preview(event, data)
    assert file_problems(preview) == [Problem.NOT_UTF8]
    assert preview.rows == []
    message = str(preview.issues[0])
    assert named in message
    assert "CSV UTF-8" in message
    with pytest.raises(imports.ImportRejected) as rejected:
        imports.apply(event, data, actor=audit.SYSTEM)
    assert "CSV UTF-8" in str(rejected.value)


def test_other_encodings_and_workbooks_are_refused_with_advice(app):
    event = make_event()
    latin = "name_en,email\r\nJosé Müller,jose@example.org\r\n".encode("latin-1")
    preview = imports.preview(event, latin)
    assert file_problems(preview) == [Problem.NOT_UTF8]
    assert "CSV UTF-8" in str(preview.issues[0])

    workbook = b"PK\x03\x04" + b"\x00" * 100
    preview = imports.preview(event, workbook)
    assert file_problems(preview) == [Problem.WORKBOOK]
    assert "CSV UTF-8" in str(preview.issues[0])


def test_chinese_headers_and_words(app):
    event = make_event()
    header = [" 英文姓名 ", "中文姓名", "電子郵件", "單位", "職稱", "類別", "語言"]
    rows = [
        ["", "賴慶明", "LAI@Example.ORG", "高雄市政府", "副市長", "貴賓", "中文"],
        ["Anna Schmidt", "", "anna@example.org", "ICLEI", "Officer", "與談人", "English"],
        ["Li Wei", "李偉", "li@example.org", "", "", "Moderator", "zh"],
    ]
    preview = imports.preview(event, csv_file(rows, header=header))
    assert preview.ok, [str(i) for r in preview.rows for i in r.issues]
    assert preview.columns == HEADER
    first, second, third = preview.rows
    assert first.email == "lai@example.org"
    assert (first.values["category"], first.values["language"]) == ("vip", "zh_Hant")
    assert (second.values["category"], second.values["language"]) == ("speaker", "en")
    assert (third.values["category"], third.values["language"]) == ("moderator", "zh_Hant")


def test_headers_are_case_and_space_insensitive(app):
    event = make_event()
    header = ["  Name_EN", "E-Mail ", "ORGANIZATION", "Language"]
    preview = imports.preview(event, csv_file([["A B", "a@example.org", "X", "EN"]], header))
    assert preview.ok
    assert preview.columns == ["name_en", "email", "organization", "language"]


def test_missing_and_unknown_columns_are_file_errors(app):
    event = make_event()
    no_email = imports.preview(event, csv_file([["A", "甲"]], header=["name_en", "name_zh"]))
    assert file_problems(no_email) == [Problem.MISSING_COLUMN]
    assert no_email.rows == []
    assert "e-mail" in str(no_email.issues[0])

    no_name = imports.preview(event, csv_file([["a@example.org", "X"]], ["email", "organization"]))
    assert file_problems(no_name) == [Problem.MISSING_COLUMN]
    assert "name_en" in str(no_name.issues[0])

    extra = imports.preview(
        event,
        csv_file([["A", "a@example.org", "yes", ""]], ["name_en", "email", "Phone", "Notes"]),
    )
    assert file_problems(extra) == [Problem.UNKNOWN_COLUMN, Problem.UNKNOWN_COLUMN]
    assert "“Phone” (column C)" in str(extra.issues[0])
    assert "“Notes” (column D)" in str(extra.issues[1])
    # The rows are still checked, so that one upload shows everything to correct.
    assert [row.outcome for row in extra.rows] == [Outcome.NEW]
    assert not extra.ok
    with pytest.raises(imports.ImportRejected) as rejected:
        imports.apply(
            event,
            csv_file([["A", "a@example.org", "yes", ""]], ["name_en", "email", "Phone", "Notes"]),
            audit.SYSTEM,
        )
    assert "Phone" in str(rejected.value)
    assert guest_count(event) == 0

    twice = imports.preview(
        event, csv_file([["A", "a@example.org", "b@example.org"]], ["name_en", "email", "電子郵件"])
    )
    assert file_problems(twice) == [Problem.DUPLICATE_COLUMN]


def test_unnamed_empty_columns_are_ignored_but_stray_values_are_not(app):
    event = make_event()
    data = b"name_en,email,,\r\nAnna,anna@example.org,,\r\nBo,bo@example.org,oops,\r\n"
    preview = imports.preview(event, data)
    assert preview.issues == []
    assert [row.outcome for row in preview.rows] == [Outcome.NEW, Outcome.ERROR]
    assert problems(preview.rows[1]) == {Problem.EXTRA_CELLS}
    assert "column C" in str(preview.rows[1].issues[0]).replace("Column", "column")

    # An unquoted comma in a cell shifts the row: said, not guessed.
    shifted = b"name_en,email,organization\r\nAnna,anna@example.org,City of Kaohsiung, Taiwan\r\n"
    row = imports.preview(event, shifted).rows[0]
    assert problems(row) == {Problem.EXTRA_CELLS}


def test_duplicate_emails_in_the_file_mark_every_copy(app):
    event = make_event()
    rows = guest_rows(5)
    rows[3][2] = "Guest1@EXAMPLE.org"  # row 5 repeats row 3, in other case
    preview = imports.preview(event, csv_file(rows))
    assert {row.row: problems(row) for row in preview.error_rows} == {
        3: {Problem.DUPLICATE_EMAIL},
        5: {Problem.DUPLICATE_EMAIL},
    }
    assert "row 5" in str(preview.rows[1].issues[0])
    assert "row 3" in str(preview.rows[3].issues[0])


def test_row_level_reasons(app):
    event = make_event()
    rows = [
        ["No Mail", "", "", "", "", "", ""],
        ["Long Org", "", "long@example.org", "x" * 301, "", "", ""],
        ["Klingon", "", "k@example.org", "", "", "", "tlh"],
        ["Bad Cat", "", "cat@example.org", "", "", "sponsor", ""],
        ["", "", "noname@example.org", "", "", "", ""],
        ["Ok", "", "ok@example.org", "", "", "", ""],
    ]
    preview = imports.preview(event, csv_file(rows))
    assert [problems(row) for row in preview.rows] == [
        {Problem.MISSING_EMAIL},
        {Problem.TOO_LONG},
        {Problem.UNKNOWN_LANGUAGE},
        {Problem.UNKNOWN_CATEGORY},
        {Problem.NO_NAME},
        set(),
    ]
    assert [row.row for row in preview.rows] == [2, 3, 4, 5, 6, 7]
    long_org = preview.rows[1].issues[0]
    assert long_org.column == "organization"
    assert "300" in str(long_org) and "301" in str(long_org)
    assert "tlh" in str(preview.rows[2].issues[0])


def test_row_numbers_are_excels_with_blank_lines_and_multiline_cells(app):
    event = make_event()
    data = (
        b"name_en,email,organization\r\n"
        b'Anna,anna@example.org,"ICLEI\nEurope"\r\n'
        b",,\r\n"
        b"Bo,not-mail,\r\n"
    )
    preview = imports.preview(event, data)
    assert [(row.row, row.outcome) for row in preview.rows] == [
        (2, Outcome.NEW),
        (4, Outcome.ERROR),
    ]


def test_update_by_email_shows_the_fields_that_change(app):
    event = make_event()
    guest = make_guest(
        event,
        email="lai@example.org",
        name_en="Lai Ching-Ming",
        name_zh="賴慶明",
        organization="Kaohsiung City",
        title="Deputy Mayor",
        category=Category.DELEGATE,
        language=Language.EN,
    )
    rows = [
        # Blank title: left as it is. Same name: no change.
        [
            "Lai Ching-Ming",
            "賴慶明",
            "LAI@example.org",
            "Kaohsiung City Government",
            "",
            "VIP",
            "zh",
        ],
        ["Anna Schmidt", "", "anna@example.org", "ICLEI", "", "", ""],
    ]
    preview = imports.preview(event, csv_file(rows))
    update, new = preview.rows
    assert update.outcome == Outcome.UPDATE and update.guest_id == guest.id
    assert update.changes == [
        imports.Change("organization", "Kaohsiung City", "Kaohsiung City Government"),
        imports.Change("category", "delegate", "vip"),
        imports.Change("language", "en", "zh_Hant"),
    ]
    assert new.outcome == Outcome.NEW

    result = imports.apply(event, csv_file(rows), actor="staff:7")
    db.session.commit()
    assert (result.added, result.updated) == (1, 1)
    assert result.updated_ids == [guest.id]
    db.session.refresh(guest)
    assert guest.organization == "Kaohsiung City Government"
    assert guest.title == "Deputy Mayor"
    assert guest.category == Category.VIP
    assert guest.language == Language.ZH_HANT
    entry = db.session.scalar(
        sa.select(AuditEntry).where(
            AuditEntry.action == "guest.updated", AuditEntry.guest_id == guest.id
        )
    )
    assert entry.actor == "staff:7"
    assert entry.details["changes"]["organization"] == [
        "Kaohsiung City",
        "Kaohsiung City Government",
    ]

    assert imports.preview(event, csv_file(rows)).counts[Outcome.UNCHANGED] == 2


def test_apply_is_all_or_nothing(app):
    event = make_event()
    guest = make_guest(event, email="known@example.org", organization="Old")
    rows = guest_rows(20)
    rows.append(["Known", "", "known@example.org", "New", "", "", ""])
    rows.append(["Broken", "", "broken@", "", "", "", ""])
    before = audit_actions(event)
    with pytest.raises(imports.ImportRejected):
        imports.apply(event, csv_file(rows), actor=audit.SYSTEM)
    # The service wrote nothing, so even a caller that commits now stores nothing.
    assert not db.session.new and not db.session.dirty
    db.session.commit()
    assert guest_count(event) == 1
    db.session.refresh(guest)
    assert guest.organization == "Old"
    assert audit_actions(event) == before


def test_language_defaults_to_chinese_for_a_guest_named_only_in_chinese(app):
    event = make_event()
    rows = [
        ["", "陳美玲", "chen@example.org", "", "", "", ""],
        ["Bo", "", "bo@example.org", "", "", "", ""],
    ]
    preview = imports.preview(event, csv_file(rows))
    assert [row.values["language"] for row in preview.rows] == ["zh_Hant", "en"]


def test_empty_files_and_limits(app, monkeypatch):
    event = make_event()
    assert file_problems(imports.preview(event, b"")) == [Problem.EMPTY]
    assert file_problems(imports.preview(event, b"\xef\xbb\xbf\r\n\r\n")) == [Problem.EMPTY]
    header_only = imports.preview(event, csv_file([]))
    assert file_problems(header_only) == [Problem.NO_ROWS]

    too_big = imports.preview(event, b"x" * (imports.MAX_BYTES + 1))
    assert file_problems(too_big) == [Problem.TOO_LARGE]
    assert "2 MB" in str(too_big.issues[0])

    too_many = imports.preview(event, csv_file(guest_rows(imports.MAX_ROWS + 1)))
    assert file_problems(too_many) == [Problem.TOO_MANY_ROWS]
    assert "10,001" in str(too_many.issues[0]) and "10,000" in str(too_many.issues[0])
    assert too_many.rows == []


def test_preview_reads_the_database_a_fixed_number_of_times(app):
    event = make_event()
    imports.apply(event, csv_file(guest_rows(50)), actor=audit.SYSTEM)
    db.session.commit()

    def statements(data: bytes) -> int:
        count = 0

        def counter(*args):
            nonlocal count
            count += 1

        db.session.rollback()  # each count starts a transaction of its own
        sa.event.listen(db.engine, "before_cursor_execute", counter)
        try:
            imports.preview(event, data)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", counter)
        return count

    # Ten rows or a hundred, half of them known guests: the same queries.
    assert statements(csv_file(guest_rows(10, start=45))) == statements(
        csv_file(guest_rows(100, start=0))
    )


def test_two_uploads_of_one_file_at_once_add_its_guests_once(app):
    event = make_event()
    event_id = event.id
    data = csv_file(guest_rows(200))
    db.session.commit()
    start = threading.Barrier(2)

    def upload() -> tuple[int, int]:
        with app.app_context():
            start.wait()
            result = imports.apply(db.session.get(Event, event_id), data, actor=audit.SYSTEM)
            db.session.commit()
            return result.added, result.unchanged

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(lambda _: upload(), range(2)))
    assert outcomes == [(0, 200), (200, 0)]
    assert guest_count(event) == 200
    assert audit_actions(event).count("guest_list.imported") == 1


def test_an_email_added_meanwhile_stops_the_import_cleanly(app, monkeypatch):
    event = make_event()
    evaluate = use_cases.evaluate

    def someone_adds_a_guest_meanwhile(event, data):
        found = evaluate(event, data)
        db.session.add(Guest(event_id=event.id, email="guest3@example.org", name_en="Other"))
        return found

    monkeypatch.setattr(use_cases, "evaluate", someone_adds_a_guest_meanwhile)
    with pytest.raises(imports.ImportConflict):
        imports.apply(event, csv_file(guest_rows(5)), actor=audit.SYSTEM)
    db.session.rollback()
    assert guest_count(event) == 0


def test_a_line_break_typed_in_a_name_is_read_as_one_space_and_said(app):
    event = make_event()
    rows = guest_rows(2)
    rows[0][0] = "Lai\r\nChing-Ming"  # Alt+Enter in an Excel cell, saved inside quotes
    rows[1][3] = "Kaohsiung City Government\tBureau of Environmental Protection"
    preview = imports.preview(event, csv_file(rows))
    assert preview.ok
    first, second = preview.rows
    assert first.values["name_en"] == "Lai Ching-Ming"
    assert [(note.column, "line break" in str(note)) for note in first.notes] == [("name_en", True)]
    assert second.values["organization"] == (
        "Kaohsiung City Government Bureau of Environmental Protection"
    )
    assert [note.column for note in second.notes] == ["organization"]

    imports.apply(event, csv_file(rows), actor=audit.SYSTEM)
    db.session.commit()
    guest = db.session.scalar(sa.select(Guest).where(Guest.email == "guest0@example.org"))
    assert guest.name_en == "Lai Ching-Ming"


def test_a_line_break_in_a_name_already_on_the_list_changes_nothing(app):
    event = make_event()
    make_guest(event, email="lai@example.org", name_en="Lai Ching-Ming", name_zh="賴慶明")
    data = csv_file([["Lai\nChing-Ming", "賴慶明", "lai@example.org"]], header=HEADER[:3])
    (row,) = imports.preview(event, data).rows
    assert row.outcome == Outcome.UNCHANGED


@pytest.mark.parametrize(
    ("column", "value"),
    [
        (0, "Lai\x00Ching-Ming"),
        (3, "City\x07Government"),
        (4, "Dir\x85ector"),
        (1, "賴\x1b慶明"),
    ],
    ids=["nul-in-name", "bell-in-organization", "c1-in-title", "escape-in-chinese-name"],
)
def test_a_control_character_in_a_name_refuses_the_row_by_its_number(app, column, value):
    event = make_event()
    # More than 4 KB before the row: a NUL near the start reads as a UTF-16 file instead.
    rows = guest_rows(80)
    rows[60][column] = value
    preview = imports.preview(event, csv_file(rows))
    assert not preview.issues
    assert [row.row for row in preview.error_rows] == [62]
    (issue,) = preview.error_rows[0].issues
    assert issue.problem == Problem.CONTROL_CHARACTERS
    assert issue.column == HEADER[column]
    assert HEADER[column] in str(issue)

    with pytest.raises(imports.ImportRejected):
        imports.apply(event, csv_file(rows), actor=audit.SYSTEM)
    db.session.rollback()
    assert guest_count(event) == 0


# -- the good rows only, the others given back ---------------------------------------------


def rows_given_back(preview: imports.ImportPreview) -> list[list[str]]:
    data = imports.rows_with_errors_csv(preview)
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_the_good_rows_only_are_imported_when_chosen_and_the_bad_ones_come_back(app):
    event = make_event()
    rows = guest_rows(200)
    rows[10][2] = "not-an-address"  # Excel row 12
    rows[150][0] = rows[150][1] = ""  # row 152
    data = csv_file(rows)

    # All or nothing stays the default.
    with pytest.raises(imports.ImportRejected):
        imports.apply(event, data, actor=audit.SYSTEM)
    db.session.rollback()
    assert guest_count(event) == 0

    result = imports.apply(event, data, actor=audit.SYSTEM, skip_errors=True)
    db.session.commit()
    assert (result.added, result.skipped) == (198, 2)
    assert guest_count(event) == 198
    emails = set(db.session.scalars(sa.select(Guest.email).where(Guest.event_id == event.id)))
    assert "guest10@example.org" not in emails and "guest150@example.org" not in emails
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "guest_list.imported")
    )
    assert (entry.details["added"], entry.details["skipped"]) == (198, 2)

    # The rows in error come back as the file had them, with their reasons.
    back = rows_given_back(result.preview)
    assert back[0] == [*HEADER, "reason"]
    assert [line[:-1] for line in back[1:]] == [rows[10], rows[150]]
    assert back[1][-1].startswith("Row 12: ") and "not-an-address" in back[1][-1]
    assert back[2][-1].startswith("Row 152: ") and "name" in back[2][-1]

    # Corrected, that file imports as it is: its reason column is read past.
    back[1][2] = "guest10@example.org"
    back[2][0] = "Guest 150"
    fixed = csv_file(back[1:], header=back[0])
    preview = imports.preview(event, fixed)
    assert preview.ok, [str(i) for r in preview.error_rows for i in r.issues]
    result = imports.apply(event, fixed, actor=audit.SYSTEM)
    db.session.commit()
    assert result.added == 2
    assert guest_count(event) == 200


def test_the_rows_given_back_keep_the_files_own_headings_order_and_delimiter(app):
    event = make_event()
    header = ["電子郵件", "中文姓名", "", "類別", "原因"]
    data = csv_file(
        [
            ["a@example.org", "甲", "", "貴賓", "old reason"],
            ["b@example.org", "", "", "媒體", ""],
            ["c@example.org", "丙", "", "keynote", "", "stray"],
        ],
        header=header,
        delimiter=";",
    )
    preview = imports.preview(event, data)
    assert preview.delimiter == ";"
    assert [row.row for row in preview.error_rows] == [3, 4]
    text = imports.rows_with_errors_csv(preview).decode("utf-8-sig")
    back = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    # The reason column the file had is filled in, not added twice.
    assert back[0] == header
    assert back[1][:4] == ["b@example.org", "", "", "媒體"]
    assert back[1][4].startswith("Row 3: ")
    assert back[2][:4] == ["c@example.org", "丙", "", "keynote"]
    assert "keynote" in back[2][4]
    assert back[2][5:] == ["stray"]


def test_the_reasons_are_in_the_organizers_language(app):
    event = make_event()
    preview = imports.preview(event, csv_file([["Guest", "", "not-an-address", "", "", "", ""]]))
    with app.test_request_context(), force_locale("zh_Hant"):
        back = rows_given_back(preview)
    assert back[1][-1].startswith("第 2 列：")
    assert "電子郵件地址無效" in back[1][-1]


def test_the_good_rows_of_a_file_with_a_file_problem_are_not_imported(app):
    event = make_event()
    data = csv_file(
        [["Guest", "", "g@example.org", "", "", "", "", "x"]], header=[*HEADER, "shoe size"]
    )
    with pytest.raises(imports.ImportRejected):
        imports.apply(event, data, actor=audit.SYSTEM, skip_errors=True)
    db.session.rollback()
    assert guest_count(event) == 0


def test_an_upload_of_good_rows_is_imported_once(app):
    event = make_event()
    rows = guest_rows(5)
    rows[0][2] = "bad"
    data = csv_file(rows)
    first = imports.apply(event, data, actor=audit.SYSTEM, upload_id="u" * 32, skip_errors=True)
    db.session.commit()
    assert first.added == 4
    with pytest.raises(imports.AlreadyImported):
        imports.apply(event, data, actor=audit.SYSTEM, upload_id="u" * 32, skip_errors=True)
    db.session.rollback()
    assert guest_count(event) == 4
    assert audit_actions(event).count("guest_list.imported") == 1


def test_a_good_row_refused_by_the_database_leaves_no_good_row_written(app, monkeypatch):
    event = make_event()
    rows = guest_rows(6)
    rows[0][2] = "bad"
    evaluate = use_cases.evaluate

    def someone_adds_a_guest_meanwhile(event, data):
        found = evaluate(event, data)
        db.session.add(Guest(event_id=event.id, email="guest4@example.org", name_en="Other"))
        return found

    monkeypatch.setattr(use_cases, "evaluate", someone_adds_a_guest_meanwhile)
    with pytest.raises(imports.ImportConflict):
        imports.apply(event, csv_file(rows), actor=audit.SYSTEM, skip_errors=True)
    db.session.rollback()
    assert guest_count(event) == 0
    assert audit_actions(event) == []
