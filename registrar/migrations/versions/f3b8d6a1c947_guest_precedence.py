"""guest precedence: the organizer's protocol rank of a guest (1 = first; none = unranked)

Revision ID: f3b8d6a1c947
Revises: e4a7c2b9d5f1
Create Date: 2026-12-04 18:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3b8d6a1c947'
down_revision = "e4a7c2b9d5f1"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not a batch: on SQLite a batch copies the guests table and renames the copy,
# which the guest tally's triggers on rsvps, seats and check-ins (they name guests) refuse.
# SQLite adds and drops a column in place (DROP COLUMN since 3.35).
def upgrade():
    op.add_column('guests', sa.Column('precedence', sa.Integer(), nullable=True))


def downgrade():
    op.drop_column('guests', 'precedence')
