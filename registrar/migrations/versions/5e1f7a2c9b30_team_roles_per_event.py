"""team roles per event: administrators, organizers and door staff of chosen events

Every organizer account of before becomes an administrator (it could do everything for every
event, and still can); every door account becomes door staff of every event there is.

Revision ID: 5e1f7a2c9b30
Revises: 5b1e7c2d9a40
Create Date: 2026-12-04 05:00:00.000000

"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa
import registrar.models  # noqa: F401  (column types such as UTCDateTime)


# revision identifiers, used by Alembic.
revision = '5e1f7a2c9b30'
down_revision = "5b1e7c2d9a40"
branch_labels = None
depends_on = None

ROLE = sa.Enum('organizer', 'door', name='role', native_enum=False, length=24)


def upgrade():
    op.create_table('team_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('role', ROLE, nullable=False),
    sa.Column('added_at', registrar.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id', 'staff_id', name='uq_team_members_pair')
    )
    with op.batch_alter_table('team_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_members_staff_id'), ['staff_id'], unique=False)

    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_admin', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('last_login_at', registrar.models.UTCDateTime(), nullable=True))

    op.execute("UPDATE staff_users SET is_admin = TRUE WHERE role = 'organizer'")
    # Dropped before the door accounts join their events: on SQLite the batch copies
    # staff_users into a new table, and dropping the old one would cascade to team_members.
    # Every account that is not an administrator now was a door account.
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('role')

    # Stored as naive UTC, as UTCDateTime writes it (CURRENT_TIMESTAMP would be local time).
    now = datetime.now(UTC).replace(tzinfo=None)
    op.get_bind().execute(
        sa.text(
            "INSERT INTO team_members (event_id, staff_id, role, added_at)"
            " SELECT events.id, staff_users.id, 'door', :now"
            " FROM staff_users CROSS JOIN events WHERE staff_users.is_admin = FALSE"
        ),
        {"now": now},
    )


def downgrade():
    # An account's one role of before: organizer if it organized anything, door staff otherwise.
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', ROLE, server_default='door', nullable=False))
    op.execute(
        "UPDATE staff_users SET role = 'organizer' WHERE is_admin = TRUE OR id IN"
        " (SELECT staff_id FROM team_members WHERE role = 'organizer')"
    )
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.alter_column('role', server_default=None)
        batch_op.drop_column('last_login_at')
        batch_op.drop_column('is_admin')

    with op.batch_alter_table('team_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_members_staff_id'))

    op.drop_table('team_members')
