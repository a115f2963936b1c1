"""door walk-ins: an event's setting for registering walk-ins, and the walk-in mark on guests

Revision ID: 9d2c4f6a8b13
Revises: 8c4e2b7d1f60
Create Date: 2026-12-04 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9d2c4f6a8b13'
down_revision = "8c4e2b7d1f60"
branch_labels = None
depends_on = None


def upgrade():
    # The door lead role (team_members.role 'door_lead') is a string with no CHECK: nothing here.
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('door_walk_ins', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table('guests', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('walk_in', sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table('guests', schema=None) as batch_op:
        batch_op.drop_column('walk_in')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('door_walk_ins')
