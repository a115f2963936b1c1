"""The console's CSV import: upload, preview of every row, then all rows or none."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from support.app import request_client, text
from support.auth import logged_in
from support.factories import make_event, make_guest, make_staff

from registrar.extensions import db
from registrar.models import AuditEntry, Category, Guest, Language
from registrar.services import imports

HEADER = ["name_en", "name_zh", "email", "organization", "title", "category", "language"]


@pytest.fixture
def event(app):
    return make_event(capacity=10)


@pytest.fixture
def organizer(client, event):
    user = make_staff()
    logged_in(client)
    return user


def csv_file(rows, header=HEADER, bom=True, encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode(encoding)


def guest_rows(count: int) -> list[list[str]]:
    return [
        [
            f"Guest {n}",
            f"來賓{n}號",
            f"guest{n}@example.org",
            "高雄市政府" if n % 2 else "ICLEI",
            "Director",
            ["speaker", "delegate", "貴賓", "媒體"][n % 4],
            "中文" if n % 2 else "en",
        ]
        for n in range(count)
    ]


def upload(client, event, data: bytes, filename="guests.csv"):
    return client.post(
        f"/console/events/{event.id}/import",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def preview_page(client, event, data: bytes) -> tuple[str, str]:
    """Upload the file and open its preview: (page, its path)."""
    response = upload(client, event, data)
    assert response.status_code == 302, text(response)
    path = urlsplit(response.headers["Location"]).path
    assert path.startswith(f"/console/events/{event.id}/import/")
    page = client.get(path)
    assert page.status_code == 200
    return text(page), path


def apply_fields(page: str, good_rows_only: bool = False) -> dict[str, str] | None:
    """The hidden fields of the import button's form (all rows or none; or the good rows only's
    button), or None when the page has no such button."""
    for form in re.findall(r'<form[^>]*action="[^"]*/import/apply"[^>]*>(.*?)</form>', page, re.S):
        fields = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', form))
        fields.update(
            (name, value)
            for value, name in re.findall(r'<input[^>]*value="([^"]*)"[^>]*name="(\w+)"', form)
        )
        if ("good_rows_only" in fields) == good_rows_only:
            return {
                name: fields[name]
                for name in ("upload", "fingerprint", "good_rows_only")
                if name in fields
            }
    return None


def apply(client, event, fields: dict[str, str]):
    return client.post(f"/console/events/{event.id}/import/apply", data=fields)


def guest_count(event) -> int:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Guest).where(Guest.event_id == event.id)
    )


def import_entries(event) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry).where(
                AuditEntry.event_id == event.id, AuditEntry.action == "guest_list.imported"
            )
        )
    )


def kept_files(app) -> list[str]:
    folder = imports.uploads_directory()
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def counts_shown(page: str) -> dict[str, int]:
    return {dt: int(dd) for dt, dd in re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", page)}


# -- the upload page ----------------------------------------------------------------------


def test_upload_page_explains_the_columns_and_offers_the_template(client, event, organizer):
    page = client.get(f"/console/events/{event.id}/import")
    assert page.status_code == 200
    body = text(page)
    for column in HEADER:
        assert f"<code>{column}</code>" in body
    assert "Name in Chinese" in body and "Category" in body
    assert 'enctype="multipart/form-data"' in body
    template_path = f"/console/events/{event.id}/import/template.csv"
    assert template_path in body

    template = client.get(template_path)
    assert template.status_code == 200
    assert template.mimetype == "text/csv"
    assert "attachment" in template.headers["Content-Disposition"]
    assert template.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(template.data.decode("utf-8-sig"))))
    assert rows[0] == [*HEADER, "precedence"]
    assert any("林志明" in row for row in rows)


# -- upload, preview, apply ---------------------------------------------------------------


def test_200_rows_three_bad_then_fixed_then_again(app, client, event, organizer):
    rows = guest_rows(200)
    rows[2][2] = ""  # Excel row 4: no e-mail
    rows[49][2] = "guest49.example.org"  # row 51: not an address
    rows[119][5] = "keynote"  # row 121: no such category
    page, path = preview_page(client, event, csv_file(rows))

    assert counts_shown(page)["Errors"] == 3
    assert counts_shown(page)["New guests"] == 197
    errors = page.split("Rows with errors", 1)[1].split("</table>", 1)[0]
    shown = re.findall(r'data-label="Row">(\d+)</td>', errors)
    assert shown == ["4", "51", "121"]
    assert "The e-mail is missing." in errors
    assert "Not a valid e-mail address: guest49.example.org" in errors
    assert "Unknown category “keynote”" in errors
    assert apply_fields(page) is None
    assert "Import 197 guests" not in page
    assert guest_count(event) == 0
    assert import_entries(event) == []

    # The button cannot be forged past the errors either.
    upload_id = path.rsplit("/", 1)[1]
    forged = {"upload": upload_id, "fingerprint": "0" * 64}
    response = apply(client, event, forged)
    assert response.status_code == 302
    assert "Rows with errors: 3" in text(client.get(response.headers["Location"]))
    assert guest_count(event) == 0

    fixed = csv_file(guest_rows(200))
    page, path = preview_page(client, event, fixed)
    assert counts_shown(page)["New guests"] == 200
    assert counts_shown(page)["Errors"] == 0
    assert "Import 200 guests" in page
    fields = apply_fields(page)
    response = apply(client, event, fields)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == path
    result = text(client.get(path))
    assert "Guest list imported: 200 new, 0 updated, 0 unchanged." in result
    assert counts_shown(result) == {"New guests": 200, "Updated": 0, "Unchanged": 0}
    assert guest_count(event) == 200
    guest = db.session.scalar(sa.select(Guest).where(Guest.email == "guest3@example.org"))
    assert (guest.name_zh, guest.organization) == ("來賓3號", "高雄市政府")
    assert (guest.category, guest.language) == (Category.PRESS, Language.ZH_HANT)

    (entry,) = import_entries(event)
    assert entry.actor == f"staff:{organizer.id}"
    assert entry.details["added"] == 200
    assert entry.details["upload"] == fields["upload"]
    assert entry.details["filename"] == "guests.csv"
    # The bytes are gone once imported; only the result is kept for the page.
    assert f"{fields['upload']}.csv" not in kept_files(app)

    # The same file again changes nothing, and offers nothing to import.
    page, _path = preview_page(client, event, fixed)
    assert counts_shown(page)["Unchanged"] == 200
    assert "Nothing to import" in page
    assert apply_fields(page) is None
    assert guest_count(event) == 200
    assert len(import_entries(event)) == 1


def test_updates_by_email_show_old_and_new_values(client, event, organizer):
    make_guest(event, email="anna@example.org", name_en="Anna", organization="ICLEI")
    rows = [["Anna Schmidt", "", "Anna@Example.org", "ICLEI Europe", "", "", ""]]
    page, _path = preview_page(client, event, csv_file(rows))
    assert counts_shown(page)["Updated"] == 1
    assert "Organization: ICLEI → <strong>ICLEI Europe</strong>" in page
    apply(client, event, apply_fields(page))
    guest = db.session.scalar(sa.select(Guest).where(Guest.email == "anna@example.org"))
    assert (guest.name_en, guest.organization) == ("Anna Schmidt", "ICLEI Europe")
    assert guest_count(event) == 1


@pytest.mark.parametrize("bom", [True, False], ids=["bom", "no-bom"])
def test_utf8_with_or_without_bom_keeps_chinese_names(client, event, organizer, bom):
    data = csv_file([["", "賴慶明", "lai@example.org", "高雄市政府", "市長", "貴賓", ""]], bom=bom)
    page, _path = preview_page(client, event, data)
    assert "賴慶明" in page
    apply(client, event, apply_fields(page))
    guest = db.session.scalar(sa.select(Guest).where(Guest.email == "lai@example.org"))
    assert (guest.name_zh, guest.category, guest.language) == (
        "賴慶明",
        Category.VIP,
        Language.ZH_HANT,
    )


def test_big5_file_is_refused_with_advice_and_nothing_kept(app, client, event, organizer):
    data = csv_file([["", "賴慶明", "lai@example.org", "高雄市政府", "", "", ""]], bom=False)
    big5 = data.decode("utf-8").encode("cp950")
    response = upload(client, event, big5, filename="來賓.csv")
    assert response.status_code == 400
    page = text(response)
    assert "“來賓.csv” cannot be imported" in page
    assert "saved as Big5, not UTF-8" in page
    assert "CSV UTF-8 (Comma delimited)" in page
    assert "Nothing was saved." in page
    assert kept_files(app) == []
    assert guest_count(event) == 0


@pytest.mark.parametrize(
    "data, message",
    [
        (b"PK\x03\x04" + b"\x00" * 100, "This is an Excel workbook, not a CSV file."),
        (b"", "The file is empty."),
        (b"\xef\xbb\xbf\r\n\r\n", "The file is empty."),
        (
            b"name_en,organization\r\nAnna,ICLEI\r\n",
            "The file has no e-mail column",
        ),
        (
            b"name_en,email,shoe size\r\nAnna,anna@example.org,38\r\n",
            "Unknown column “shoe size” (column C)",
        ),
        (b"name_en,email\r\n", "The file has no guests below the header row."),
    ],
    ids=["workbook", "empty", "blank-lines", "no-email", "extra-column", "no-rows"],
)
def test_file_level_problems_are_shown_and_nothing_is_saved(
    app, client, event, organizer, data, message
):
    response = upload(client, event, data)
    assert response.status_code == 400
    assert message in text(response)
    assert "Nothing was saved." in text(response)
    assert kept_files(app) == []
    assert guest_count(event) == 0


def test_no_file_chosen(client, event, organizer):
    response = client.post(
        f"/console/events/{event.id}/import", data={}, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert "Please choose the CSV file to import." in text(response)


@pytest.mark.parametrize("csrf", [False, True], ids=["view", "csrf-check"])
def test_a_file_over_the_request_limit_gets_the_import_page(app, client, event, organizer, csrf):
    # With CSRF on, the form is read (and the limit hit) before the view runs.
    app.config["WTF_CSRF_ENABLED"] = csrf
    app.config["MAX_CONTENT_LENGTH"] = 4096
    response = upload(client, event, csv_file(guest_rows(200)))
    assert response.status_code == 413
    page = text(response)
    assert "The file is larger than 2 MB" in page
    assert 'enctype="multipart/form-data"' in page
    assert guest_count(event) == 0


# -- the kept upload: who, how long, which ------------------------------------------------


def test_unknown_tampered_and_traversing_ids_are_refused(app, client, event, organizer):
    page, path = preview_page(client, event, csv_file(guest_rows(3)))
    fields = apply_fields(page)
    # A genuine-looking upload outside the imports folder, for "../<id>" to reach.
    for suffix in (".csv", ".json"):
        shutil.copy(imports.uploads_directory() / f"{fields['upload']}{suffix}", app.instance_path)

    for bad in [
        "A" * 32,
        fields["upload"][:-1] + ("A" if fields["upload"][-1] != "A" else "B"),
        "../" + fields["upload"],
        "../../../../etc/passwd",
        fields["upload"] + "/../" + fields["upload"],
        "",
    ]:
        response = apply(client, event, {**fields, "upload": bad})
        assert response.status_code == 302, bad
        assert urlsplit(response.headers["Location"]).path == f"/console/events/{event.id}/import"
        message = text(client.get(response.headers["Location"]))
        assert "not available" in message or "incomplete" in message, bad
    assert guest_count(event) == 0

    response = client.get(f"/console/events/{event.id}/import/{'B' * 32}")
    assert response.status_code == 302
    assert "This upload is not available any more" in text(client.get(response.headers["Location"]))
    assert client.get(f"/console/events/{event.id}/import/..%2F..%2Fsecret").status_code in (
        302,
        404,
    )
    assert guest_count(event) == 0
    # The genuine one still works.
    assert apply(client, event, fields).status_code == 302
    assert guest_count(event) == 3


def test_another_organizers_upload_is_refused(app, client, event, organizer):
    page, path = preview_page(client, event, csv_file(guest_rows(3)))
    fields = apply_fields(page)

    make_staff("second@example.org")
    from support.app import request_client

    other = request_client(app)
    logged_in(other, "second@example.org")
    response = other.get(path)
    assert response.status_code == 302
    assert "This upload is not available any more" in text(other.get(response.headers["Location"]))
    response = apply(other, event, fields)
    assert "This upload is not available any more" in text(other.get(response.headers["Location"]))
    assert guest_count(event) == 0
    assert import_entries(event) == []


def test_an_upload_for_another_event_is_refused(client, event, organizer):
    page, _path = preview_page(client, event, csv_file(guest_rows(3)))
    elsewhere = make_event()
    response = apply(client, elsewhere, apply_fields(page))
    assert response.status_code == 302
    assert "not available" in text(client.get(response.headers["Location"]))
    assert guest_count(event) == guest_count(elsewhere) == 0


def test_an_expired_upload_is_refused_and_removed(app, client, event, organizer):
    page, path = preview_page(client, event, csv_file(guest_rows(3)))
    fields = apply_fields(page)
    meta_path = imports.uploads_directory() / f"{fields['upload']}.json"
    meta = json.loads(meta_path.read_text())
    uploaded = datetime.fromisoformat(meta["uploaded_at"])
    meta["uploaded_at"] = (uploaded - imports.UPLOAD_TTL - timedelta(seconds=1)).isoformat()
    meta_path.write_text(json.dumps(meta))

    response = apply(client, event, fields)
    assert response.status_code == 302
    assert "an uploaded file is kept for an hour" in text(client.get(response.headers["Location"]))
    assert guest_count(event) == 0
    assert kept_files(app) == []


def test_double_apply_imports_once(app, client, event, organizer):
    page, path = preview_page(client, event, csv_file(guest_rows(5)))
    fields = apply_fields(page)
    folder = imports.uploads_directory()
    kept = (folder / f"{fields['upload']}.csv").read_bytes()
    meta = (folder / f"{fields['upload']}.json").read_text()

    assert apply(client, event, fields).status_code == 302
    second = apply(client, event, fields)
    assert urlsplit(second.headers["Location"]).path == path
    assert "This file has already been imported" in text(client.get(second.headers["Location"]))

    # Two submits in flight at once: the second finds the first's entry under the lock, even
    # though its upload still looks untouched.
    (folder / f"{fields['upload']}.csv").write_bytes(kept)
    (folder / f"{fields['upload']}.json").write_text(meta)
    third = apply(client, event, fields)
    assert "This file has already been imported" in text(client.get(third.headers["Location"]))

    assert guest_count(event) == 5
    assert len(import_entries(event)) == 1


def test_apply_after_the_list_changed_is_a_conflict(client, event, organizer):
    page, path = preview_page(client, event, csv_file(guest_rows(4)))
    fields = apply_fields(page)
    # Meanwhile someone adds one of the file's guests by hand, with another organization.
    make_guest(event, email="guest2@example.org", name_en="Guest 2", organization="Other")

    response = apply(client, event, fields)
    assert urlsplit(response.headers["Location"]).path == path
    page = text(client.get(response.headers["Location"]))
    assert "The guest list changed after this file was previewed" in page
    assert guest_count(event) == 1
    assert import_entries(event) == []

    # The new preview says what would happen now, and that is what the button does.
    assert counts_shown(page)["New guests"] == 3
    assert counts_shown(page)["Updated"] == 1
    fresh = apply_fields(page)
    assert fresh["fingerprint"] != fields["fingerprint"]
    apply(client, event, fresh)
    assert guest_count(event) == 4
    guest = db.session.scalar(sa.select(Guest).where(Guest.email == "guest2@example.org"))
    assert guest.organization == "ICLEI"


def test_large_file_preview_lists_errors_and_only_the_first_changes(client, event, organizer):
    rows = guest_rows(5000)
    rows[4321][2] = "not-an-address"
    page, _path = preview_page(client, event, csv_file(rows))
    assert counts_shown(page)["New guests"] == 4999
    assert counts_shown(page)["Errors"] == 1
    assert "Not a valid e-mail address: not-an-address" in page
    assert page.count('data-label="Row">') == 1 + 200
    assert "The first 200 are listed; 4799 more are not shown." in page
    assert len(page) < 200_000
    assert apply_fields(page) is None

    rows[4321][2] = "guest4321@example.org"
    page, path = preview_page(client, event, csv_file(rows))
    assert "Import 5000 guests" in page
    apply(client, event, apply_fields(page))
    assert guest_count(event) == 5000
    (entry,) = import_entries(event)
    assert entry.details["added"] == 5000


# -- who may use it -------------------------------------------------------------------------


def my_routes(event) -> list[tuple[str, str]]:
    return [
        ("get", f"/console/events/{event.id}/import"),
        ("post", f"/console/events/{event.id}/import"),
        ("get", f"/console/events/{event.id}/import/template.csv"),
        ("get", f"/console/events/{event.id}/import/{'A' * 32}"),
        ("post", f"/console/events/{event.id}/import/apply"),
    ]


def test_anonymous_visitors_go_to_login(client, event):
    for method, path in my_routes(event):
        response = getattr(client, method)(path)
        assert response.status_code == 302, path
        assert urlsplit(response.headers["Location"]).path == "/login", path


@pytest.mark.usefixtures("door_client")
def test_door_staff_get_403(client, event):
    for method, path in my_routes(event):
        data = {"upload": "A" * 32, "fingerprint": "0" * 64} if method == "post" else None
        assert getattr(client, method)(path, data=data).status_code == 403, path
    assert guest_count(event) == 0


def test_the_preview_says_a_line_break_in_a_name_is_imported_as_one_line(
    app, client, event, organizer
):
    rows = guest_rows(1)
    rows[0][0] = "Lai\r\nChing-Ming"
    page, _path = preview_page(client, event, csv_file(rows))
    assert "Lai Ching-Ming" in page
    assert "name_en had a line break (Alt+Enter in Excel)" in page
    assert apply_fields(page) is not None


# -- the good rows only, the others given back ---------------------------------------------


def download_errors(client, page: str) -> list[list[str]]:
    link = re.search(r'href="([^"]*/errors\.csv)"', page)
    assert link is not None, "no link to the rows with errors"
    response = client.get(link.group(1))
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))


def test_the_good_rows_imported_and_the_bad_ones_given_back_then_imported(
    app, client, event, organizer
):
    rows = guest_rows(200)
    rows[2][2] = ""  # Excel row 4: no e-mail
    rows[119][5] = "keynote"  # row 121
    page, path = preview_page(client, event, csv_file(rows))
    assert "198 rows will be imported, 2 rows have errors." in page
    # All or nothing stays the default: no button imports the file as it is.
    assert apply_fields(page) is None
    fields = apply_fields(page, good_rows_only=True)
    assert fields["good_rows_only"] == "1"
    assert "Import the 198 good rows only" in page
    assert guest_count(event) == 0

    response = apply(client, event, fields)
    assert urlsplit(response.headers["Location"]).path == path
    result = text(client.get(path))
    assert "Guest list imported: 198 new, 0 updated, 0 unchanged." in result
    assert "2 rows with errors were not imported" in result
    assert counts_shown(result)["Not imported (errors)"] == 2
    assert guest_count(event) == 198
    (entry,) = import_entries(event)
    assert entry.details["skipped"] == 2

    back = download_errors(client, result)
    assert back[0] == [*HEADER, "reason"]
    assert [line[:-1] for line in back[1:]] == [rows[2], rows[119]]
    assert back[1][-1] == "Row 4: The e-mail is missing."
    assert "keynote" in back[2][-1]

    # Corrected in the downloaded file, the rows import from it as it is.
    back[1][2] = "guest2@example.org"
    back[2][5] = "speaker"
    page, _path = preview_page(client, event, csv_file(back[1:], header=back[0]))
    assert counts_shown(page)["Errors"] == 0
    assert "2 rows will be imported." in page
    apply(client, event, apply_fields(page))
    assert guest_count(event) == 200


def test_the_good_rows_import_once_for_a_double_submit(app, client, event, organizer):
    rows = guest_rows(6)
    rows[0][2] = "bad"
    page, path = preview_page(client, event, csv_file(rows))
    fields = apply_fields(page, good_rows_only=True)
    assert apply(client, event, fields).status_code == 302
    second = apply(client, event, fields)
    assert urlsplit(second.headers["Location"]).path == path
    assert "This file has already been imported" in text(client.get(second.headers["Location"]))
    assert guest_count(event) == 5
    assert len(import_entries(event)) == 1


def test_a_tampered_choice_imports_nothing(app, client, event, organizer):
    rows = guest_rows(4)
    rows[0][2] = "bad"
    page, path = preview_page(client, event, csv_file(rows))
    fields = apply_fields(page, good_rows_only=True)
    for forged in ("yes", "0", "true"):
        response = apply(client, event, {**fields, "good_rows_only": forged})
        assert "This import form is incomplete" in text(client.get(response.headers["Location"]))
    # Without the choice, the file's errors refuse it.
    response = apply(client, event, {k: v for k, v in fields.items() if k != "good_rows_only"})
    assert "Rows with errors: 1" in text(client.get(response.headers["Location"]))
    # A forged preview: the good rows of a file that changed since are not imported either.
    response = apply(client, event, {**fields, "fingerprint": "0" * 64})
    assert "The guest list changed after this file was previewed" in text(
        client.get(response.headers["Location"])
    )
    assert guest_count(event) == 0
    assert import_entries(event) == []


def test_the_rows_with_errors_come_before_the_import_too_in_the_organizers_language(
    client, event, organizer
):
    rows = guest_rows(3)
    rows[1][2] = "not-an-address"
    page, path = preview_page(client, event, csv_file(rows))
    assert len(download_errors(client, page)) == 2
    client.get(f"{path}?lang=zh_Hant")
    page = text(client.get(path))
    assert "將匯入 2 列，1 列有錯誤。" in page
    back = download_errors(client, page)
    assert back[1][-1].startswith("第 3 列：")
    assert guest_count(event) == 0


def test_the_rows_with_errors_of_another_organizers_upload_are_refused(
    app, client, event, organizer
):
    rows = guest_rows(3)
    rows[1][2] = "not-an-address"
    _page, path = preview_page(client, event, csv_file(rows))
    make_staff("second@example.org")
    other = request_client(app)
    logged_in(other, "second@example.org")
    response = other.get(f"{path}/errors.csv")
    assert response.status_code == 302
    assert "not available" in text(other.get(response.headers["Location"]))


def test_a_file_without_errors_has_no_rows_to_give_back(client, event, organizer):
    page, path = preview_page(client, event, csv_file(guest_rows(3)))
    assert "/errors.csv" not in page
    response = client.get(f"{path}/errors.csv")
    assert response.status_code == 302
    assert "This file has no rows with errors." in text(client.get(response.headers["Location"]))
