"""events edited in the console: state, address, contact, sender, edit version

Revision ID: 5c1e0f7a9b21
Revises: 5b1e7c2d9a40
Create Date: 2026-12-04 04:50:00.000000

"""
from alembic import op
import sqlalchemy as sa
import registrar.models  # noqa: F401  (column types such as UTCDateTime)


# revision identifiers, used by Alembic.
revision = '5c1e0f7a9b21'
down_revision = '5b1e7c2d9a40'
branch_labels = None
depends_on = None

_TEXTS = [
    ('address_en', 300),
    ('address_zh', 300),
    ('map_url', 500),
    ('contact_name', 200),
    ('contact_email', 254),
    ('contact_phone', 50),
    ('mail_sender_name', 100),
    ('mail_reply_to', 254),
]


def upgrade():
    # The server defaults fill the rows there are: every event so far was taking answers, so
    # it is "open"; the application writes every column itself from now on (new events start
    # as drafts), so the defaults go again afterwards.
    with op.batch_alter_table('events', schema=None) as batch_op:
        for name, length in _TEXTS:
            batch_op.add_column(
                sa.Column(name, sa.String(length=length), server_default='', nullable=False)
            )
        batch_op.add_column(
            sa.Column(
                'state',
                sa.Enum('draft', 'open', 'closed', 'archived', name='eventstate', native_enum=False, length=24),
                server_default='open',
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column('edit_version', sa.Integer(), server_default='1', nullable=False))
    with op.batch_alter_table('events', schema=None) as batch_op:
        for name, _length in _TEXTS:
            batch_op.alter_column(name, server_default=None)
        batch_op.alter_column('state', server_default=None)
        batch_op.alter_column('edit_version', server_default=None)


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('edit_version')
        batch_op.drop_column('state')
        for name, _length in reversed(_TEXTS):
            batch_op.drop_column(name)
