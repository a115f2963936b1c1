"""Tally triggers: what the dashboard's stored tally (guest_tally) costs a check-in, an answer
and a seat on PostgreSQL, measured inside the database.

Seeds one event of N guests in every state (tests.support.factories.make_guests_in_bulk) in a
schema of the run's own, takes the check-ins away, then in one transaction, rolled back:
inserts a check-in for every confirmed guest, changes the needs of every answer without any,
and rewrites every seat, each statement under EXPLAIN ANALYZE (its own time and its triggers').
Prints the time per row, and how many guest rows were written and how many of those writes
were HOT (pg_stat_xact_user_tables). Figures of one process, steadier than requests/s on a
shared machine; compare a checkout before a change with one after, one after the other.

    .venv/bin/python scripts/bench/tally_triggers.py --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import common
import sqlalchemy as sa

STATEMENTS = [
    (
        "check-ins inserted",
        "INSERT INTO check_ins (event_id, guest_id, first_scan_at, first_gate, inside, "
        "changed_at, receiver) SELECT seats.event_id, seats.guest_id, now(), '', true, now(), '' "
        "FROM seats WHERE seats.state = 'confirmed'",
        "SELECT count(*) FROM seats WHERE state = 'confirmed'",
    ),
    (
        "answers' needs changed",
        "UPDATE rsvps SET access_needs = 'Ramp' WHERE access_needs = ''",
        "SELECT count(*) FROM rsvps WHERE access_needs = ''",
    ),
    ("seats rewritten", "UPDATE seats SET state = state", "SELECT count(*) FROM seats"),
]


def main() -> None:
    parser = common.parser(__doc__)
    parser.add_argument("--database-url", required=True, help="a PostgreSQL server")
    parser.add_argument("--guests", type=int, default=10000)
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql") or not 1 <= args.guests <= 200_000:
        parser.error("--database-url: PostgreSQL only; --guests: 1..200000")
    with common.bench_app(args.database_url) as app:
        from registrar.extensions import db
        from tests.support.factories import make_event, make_guests_in_bulk

        with app.app_context():
            db.create_all()
            event = make_event(capacity=max(args.guests * 45 // 100, 1))
            make_guests_in_bulk(event, args.guests)
            db.session.commit()
            db.session.remove()
            with db.engine.connect() as conn:
                quiet = conn.execution_options(isolation_level="AUTOCOMMIT")
                quiet.exec_driver_sql("DELETE FROM check_ins")
                quiet.exec_driver_sql("VACUUM ANALYZE")
            with db.engine.connect() as conn, conn.begin() as transaction:
                print(
                    f"{args.guests:,} guests, PostgreSQL; per row, the statement and its triggers"
                )
                for label, statement, rows in STATEMENTS:
                    count = conn.exec_driver_sql(rows).scalar() or 1
                    plan = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}")
                    run = plan.scalar()[0]
                    triggers = sum(trigger["Time"] for trigger in run.get("Triggers", []))
                    print(
                        f"  {count:,} {label}: {run['Execution Time'] / count * 1000:.0f} µs "
                        f"per row, of which triggers {triggers / count * 1000:.0f} µs"
                    )
                written, hot = conn.execute(
                    sa.text(
                        "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables "
                        "WHERE schemaname = current_schema() AND relname = 'guests'"
                    )
                ).one()
                print(f"  guest rows written: {written:,}, of which HOT: {hot:,}")
                transaction.rollback()


if __name__ == "__main__":
    main()
