"""Import benchmark: preview and apply of a generated guest-list CSV on a fresh database.

Times, for N rows (5,000 by default): the preview of a file of new guests, its apply with the
commit, the preview and apply of the same file again (all unchanged), and a file that changes
every guest's organization. Prints a Markdown table; the target is apply <= 5 s for 5,000 rows.

    .venv/bin/python scripts/bench/imports.py                  # SQLite in a temporary folder
    .venv/bin/python scripts/bench/imports.py --rows 1000      # a quick look
    .venv/bin/python scripts/bench/imports.py --database-url postgresql://postgres@127.0.0.1:5432/test

On PostgreSQL the tables go into a schema of the benchmark's own, dropped at the end.
"""

from __future__ import annotations

import csv
import io
import os
import sys
import time

import common
import sqlalchemy as sa

TARGET_SECONDS = 5.0


def guest_file(rows: int, organization: str = "") -> bytes:
    categories = ["delegate", "speaker", "vip", "press", "與會代表", "貴賓"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        ["name_en", "name_zh", "email", "organization", "title", "category", "language"]
    )
    for n in range(rows):
        writer.writerow(
            [
                f"Guest Number {n}",
                f"來賓{n}號",
                f"guest{n}@example.org",
                organization or ("高雄市政府" if n % 2 else "ICLEI East Asia"),
                "Director" if n % 3 else "",
                categories[n % len(categories)],
                "zh-TW" if n % 2 else "en",
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def timed(work) -> tuple[float, object]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def main() -> None:
    parser = common.parser(__doc__)
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    parser.add_argument("--rows", type=int, default=5000)
    args = parser.parse_args()

    with common.bench_app(args.database_url) as app:
        from registrar.extensions import db
        from registrar.models import AuditEntry, Guest
        from registrar.services import imports
        from tests.support.factories import make_event

        results = []
        with app.app_context():
            db.create_all()
            event = make_event(capacity=args.rows)
            new_file = guest_file(args.rows)
            changed_file = guest_file(args.rows, organization="Kaohsiung City Government")

            def step(name: str, work, expect: str):
                seconds, outcome = timed(work)
                results.append((name, seconds, expect))
                return outcome

            def apply(data: bytes):
                result = imports.apply(event, data, actor="system", filename="bench.csv")
                db.session.commit()
                return result

            preview = step("preview, all new", lambda: imports.preview(event, new_file), "")
            db.session.rollback()
            assert preview.ok and preview.counts[imports.Outcome.NEW] == args.rows
            result = step("apply + commit, all new", lambda: apply(new_file), "target")
            assert result.added == args.rows
            preview = step("preview, all unchanged", lambda: imports.preview(event, new_file), "")
            db.session.rollback()
            assert preview.counts[imports.Outcome.UNCHANGED] == args.rows
            result = step("apply + commit, all unchanged", lambda: apply(new_file), "")
            assert result.unchanged == args.rows
            preview = step("preview, all updated", lambda: imports.preview(event, changed_file), "")
            db.session.rollback()
            assert preview.counts[imports.Outcome.UPDATE] == args.rows
            result = step("apply + commit, all updated", lambda: apply(changed_file), "target")
            assert result.updated == args.rows

            guests = db.session.scalar(sa.select(sa.func.count()).select_from(Guest))
            entries = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
            backend = db.engine.dialect.name
            db.session.remove()
            db.engine.dispose()

    size = len(new_file) / 1024
    print(
        f"\n{args.rows:,} rows ({size:,.0f} KB), {backend}, {os.cpu_count()} cores, "
        f"Python {sys.version.split()[0]}; {guests:,} guests and {entries:,} audit entries "
        "written\n"
    )
    print("| step | seconds | rows/s |")
    print("| --- | ---: | ---: |")
    slow = []
    for name, seconds, expect in results:
        print(f"| {name} | {seconds:.2f} | {args.rows / seconds:,.0f} |")
        if expect == "target" and args.rows <= 5000 and seconds > TARGET_SECONDS:
            slow.append(name)
    if slow:
        raise SystemExit(f"slower than {TARGET_SECONDS:.0f} s: {', '.join(slow)}")


if __name__ == "__main__":
    main()
