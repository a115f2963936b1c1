"""the programme as invited guests know it: what a programme change notice compares with

Revision ID: c7e2d94b1a03
Revises: a0d75f053ba9
Create Date: 2026-12-04 21:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7e2d94b1a03'
down_revision = "a0d75f053ba9"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE ... ADD COLUMN: a batch would rebuild the table.
    op.add_column('events', sa.Column('programme_told', sa.JSON(), nullable=True))


def downgrade():
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later, PostgreSQL): a batch would
    # rebuild the events table, which rows of other tables point at.
    op.execute("ALTER TABLE events DROP COLUMN programme_told")
