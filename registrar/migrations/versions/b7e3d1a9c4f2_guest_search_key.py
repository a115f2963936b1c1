"""console at city scale: a stored search key per guest with its index, the list's name order
index, and the audit log's indexes

Revision ID: b7e3d1a9c4f2
Revises: 9d2c4f6a8b13
Create Date: 2026-12-04 14:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

from registrar import search_index
from registrar.search_keys import guest_search_key


# revision identifiers, used by Alembic.
revision = 'b7e3d1a9c4f2'
down_revision = "9d2c4f6a8b13"
branch_labels = None
depends_on = None

# Guests read and written per round trip while the keys of the rows already there are made.
BATCH = 5000
ERASED_DOMAIN = "erased.invalid"


def upgrade():
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index(
            'ix_audit_entries_event_created', ['event_id', 'created_at', 'id'], unique=False
        )
        batch_op.create_index(
            'ix_audit_entries_event_action', ['event_id', 'action', 'created_at', 'id'], unique=False
        )
    with op.batch_alter_table('guests', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('search_key', sa.String(length=1000), server_default='', nullable=False)
        )
    conn = op.get_bind()
    guests = sa.table(
        "guests",
        sa.column("id", sa.Integer),
        sa.column("name_en", sa.String),
        sa.column("name_zh", sa.String),
        sa.column("organization", sa.String),
        sa.column("email", sa.String),
        sa.column("search_key", sa.String),
    )
    last = 0
    while True:
        rows = conn.execute(
            sa.select(guests.c.id, guests.c.name_en, guests.c.name_zh, guests.c.organization, guests.c.email)
            .where(guests.c.id > last)
            .order_by(guests.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        conn.execute(
            guests.update().where(guests.c.id == sa.bindparam("guest_id")),
            [
                {
                    "guest_id": row.id,
                    # An erased guest's key stays empty (models._search_key_of).
                    "search_key": ""
                    if row.email.endswith("@" + ERASED_DOMAIN)
                    else guest_search_key(row.name_en, row.name_zh, row.organization, row.email),
                }
                for row in rows
            ],
        )
        last = rows[-1].id
    # After the keys: SQLite's trigram table is filled from them (its 'rebuild').
    search_index.create(conn)


def downgrade():
    search_index.drop(op.get_bind())
    with op.batch_alter_table('guests', schema=None) as batch_op:
        batch_op.drop_column('search_key')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entries_event_action')
        batch_op.drop_index('ix_audit_entries_event_created')
