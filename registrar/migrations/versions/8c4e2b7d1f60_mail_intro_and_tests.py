"""mail intro and tests: the event's own invitation paragraph, test messages to organizers

Revision ID: 8c4e2b7d1f60
Revises: 3b8d5e1a7c42
Create Date: 2026-12-04 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8c4e2b7d1f60'
down_revision = "3b8d5e1a7c42"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('intro_en', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('intro_zh', sa.Text(), server_default='', nullable=False))
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('is_test', sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('is_test')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('intro_zh')
        batch_op.drop_column('intro_en')
