"""api tokens: a program's hashed key to the API for chosen events, and those events; the
first answers to creating POSTs sent with an Idempotency-Key

Revision ID: e4a7c2b9d5f1
Revises: e41c7a9d2b58
Create Date: 2026-12-04 16:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

import registrar.models


# revision identifiers, used by Alembic.
revision = 'e4a7c2b9d5f1'
down_revision = "e41c7a9d2b58"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('read', 'door', 'organizer', name='apirole', native_enum=False, length=24), nullable=False),
    sa.Column('secret_digest', sa.String(length=64), nullable=False),
    sa.Column('hint', sa.String(length=16), nullable=False),
    sa.Column('created_at', registrar.models.UTCDateTime(), nullable=False),
    sa.Column('expires_at', registrar.models.UTCDateTime(), nullable=True),
    sa.Column('last_used_at', registrar.models.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', registrar.models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name'),
    sa.UniqueConstraint('secret_digest')
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_staff_id'), ['staff_id'], unique=False)

    op.create_table('api_token_events',
    sa.Column('token_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['token_id'], ['api_tokens.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_id', 'event_id')
    )
    with op.batch_alter_table('api_token_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_events_event_id'), ['event_id'], unique=False)

    op.create_table('idempotency_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('request_digest', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('response', sa.JSON(), nullable=False),
    sa.Column('created_at', registrar.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('owner', 'key', name='uq_idempotency_keys_owner_key')
    )
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.create_index('ix_idempotency_keys_created', ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_index('ix_idempotency_keys_created')
    op.drop_table('idempotency_keys')
    with op.batch_alter_table('api_token_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_events_event_id'))
    op.drop_table('api_token_events')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_staff_id'))
    op.drop_table('api_tokens')
