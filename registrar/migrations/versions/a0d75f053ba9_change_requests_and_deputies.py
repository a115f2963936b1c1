"""change requests and deputies: a guest's name corrections and deputies an organizer
decides; the event's settings for them and when its badges were first printed

Revision ID: a0d75f053ba9
Revises: a5d3f8c1e962
Create Date: 2026-12-04 18:41:59.650603

"""
from alembic import op
import sqlalchemy as sa
import registrar.models  # noqa: F401  (column types such as UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'a0d75f053ba9'
down_revision = "a5d3f8c1e962"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('change_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('guest_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('name_change', 'deputy', name='requestkind', native_enum=False, length=24), nullable=False),
    sa.Column('state', sa.Enum('pending', 'approved', 'declined', 'superseded', name='requeststate', native_enum=False, length=24), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('name_zh', sa.String(length=200), nullable=False),
    sa.Column('organization', sa.String(length=300), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('language', sa.Enum('en', 'zh_Hant', name='language', native_enum=False, length=24), nullable=False),
    sa.Column('previous', sa.JSON(), nullable=False),
    sa.Column('requested_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', registrar.models.UTCDateTime(), nullable=False),
    sa.Column('decided_by', sa.String(length=64), nullable=False),
    sa.Column('decided_at', registrar.models.UTCDateTime(), nullable=True),
    sa.Column('deputy_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['deputy_id'], ['guests.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['guest_id'], ['guests.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('change_requests', schema=None) as batch_op:
        batch_op.create_index('ix_change_requests_event_state', ['event_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_change_requests_guest_id'), ['guest_id'], unique=False)

    # Plain ALTER TABLE ... ADD COLUMN: a batch would rebuild the tables (see downgrade).
    op.add_column(
        'events', sa.Column('small_corrections', sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column(
        'events', sa.Column('no_deputies', sa.String(length=100), server_default='', nullable=False)
    )
    op.add_column('events', sa.Column('badges_printed_at', registrar.models.UTCDateTime(), nullable=True))
    op.add_column('guests', sa.Column('sent_deputy_at', registrar.models.UTCDateTime(), nullable=True))
    op.add_column('guests', sa.Column('deputy_for_id', sa.Integer(), nullable=True))


def downgrade():
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later, PostgreSQL): a batch would
    # rebuild the table, which the tally's triggers of other tables name (guests), or which
    # rows of other tables point at (events).
    for table, column in (
        ("guests", "deputy_for_id"),
        ("guests", "sent_deputy_at"),
        ("events", "badges_printed_at"),
        ("events", "no_deputies"),
        ("events", "small_corrections"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    with op.batch_alter_table('change_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_change_requests_guest_id'))
        batch_op.drop_index('ix_change_requests_event_state')
    op.drop_table('change_requests')
