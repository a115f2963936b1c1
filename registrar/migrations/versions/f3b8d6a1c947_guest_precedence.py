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


def upgrade():
    with op.batch_alter_table('guests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('precedence', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('guests', schema=None) as batch_op:
        batch_op.drop_column('precedence')
