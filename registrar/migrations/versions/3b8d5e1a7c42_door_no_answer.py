"""door no answer: what the door does with an invited guest who never answered

Revision ID: 3b8d5e1a7c42
Revises: 7d3f2a6c8e15
Create Date: 2026-12-05 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3b8d5e1a7c42'
down_revision = "7d3f2a6c8e15"
branch_labels = None
depends_on = None


def upgrade():
    # The new verdict (no_answer) is stored as a string with no CHECK constraint: nothing here.
    with op.batch_alter_table('events', schema=None) as batch_op:
        # Existing events send such guests to the desk, as their door always did in effect.
        batch_op.add_column(
            sa.Column(
                'door_no_answer',
                sa.Enum('desk', 'let_in', name='doornoanswer', native_enum=False, length=24),
                server_default='desk',
                nullable=False,
            )
        )


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('door_no_answer')
