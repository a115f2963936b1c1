"""agenda person title

Revision ID: 5b1e7c2d9a40
Revises: 10aa24b4e3d7
Create Date: 2026-12-04 04:50:00.000000

"""
from alembic import op
import sqlalchemy as sa
import registrar.models  # noqa: F401  (column types such as UTCDateTime)


# revision identifiers, used by Alembic.
revision = '5b1e7c2d9a40'
down_revision = '10aa24b4e3d7'
branch_labels = None
depends_on = None


def upgrade():
    # A speaker's title apart from the affiliation; people already on a programme have none.
    with op.batch_alter_table('agenda_people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title_en', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('title_zh', sa.String(length=200), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('agenda_people', schema=None) as batch_op:
        batch_op.drop_column('title_zh')
        batch_op.drop_column('title_en')
