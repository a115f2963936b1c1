"""event changes: what guests were told changed, or that the event was cancelled; the
events' calendar sequence

Revision ID: 7d3f2a6c8e15
Revises: 5c1e0f7a9b21
Create Date: 2026-12-04 05:20:00.000000

"""
from alembic import op
import sqlalchemy as sa
import registrar.models  # noqa: F401  (column types such as UTCDateTime)


# revision identifiers, used by Alembic.
revision = '7d3f2a6c8e15'
down_revision = "5c1e0f7a9b21"
branch_labels = None
depends_on = None


def upgrade():
    # The new message kinds (details_changed, event_cancelled) and the event state
    # (cancelled) are stored as strings with no CHECK constraint: they need nothing here.
    with op.batch_alter_table('events', schema=None) as batch_op:
        # 0 for the events there are: their entries so far carry the time they were made.
        batch_op.add_column(
            sa.Column('calendar_sequence', sa.Integer(), server_default='0', nullable=False)
        )
    op.create_table(
        'event_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('cancelled', sa.Boolean(), nullable=False),
        sa.Column('changes', sa.JSON(), nullable=False),
        sa.Column('reason_en', sa.String(length=500), nullable=False),
        sa.Column('reason_zh', sa.String(length=500), nullable=False),
        sa.Column('actor', sa.String(length=64), nullable=False),
        sa.Column('created_at', registrar.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('event_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_changes_event_id'), ['event_id'], unique=False)


def downgrade():
    with op.batch_alter_table('event_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_changes_event_id'))
    op.drop_table('event_changes')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('calendar_sequence')
