"""programme people as guests: a speaker or moderator of the programme may be a guest of the
event (agenda_people.guest_id), shown on the arrival desk and offered for place cards

Revision ID: c5d2e8f4a1b7
Revises: b4c8e2a6d1f3
Create Date: 2026-12-04 21:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5d2e8f4a1b7'
down_revision = "b4c8e2a6d1f3"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, no foreign key (as guests.deputy_for_id): SQLite adds the column in place,
# and drops it again (DROP COLUMN since 3.35) only when no constraint names it.
def upgrade():
    op.add_column('agenda_people', sa.Column('guest_id', sa.Integer(), nullable=True))


def downgrade():
    op.execute("ALTER TABLE agenda_people DROP COLUMN guest_id")
