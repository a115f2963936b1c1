"""visa invitation letters: a guest's passport details, the letters issued, and the event's
letterhead

Revision ID: e8a3c6f1d2b4
Revises: a9e3c5f7b2d4
Create Date: 2026-12-05 00:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e8a3c6f1d2b4'
down_revision = "a9e3c5f7b2d4"
branch_labels = None
depends_on = None

LETTERHEAD = (
    ("letter_organizer_en", 300),
    ("letter_organizer_zh", 300),
    ("letter_address_en", 300),
    ("letter_address_zh", 300),
    ("letter_signatory", 200),
    ("letter_signatory_title_en", 200),
    ("letter_signatory_title_zh", 200),
)


def upgrade():
    op.create_table(
        'guest_passports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('guest_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('nationality', sa.String(length=100), nullable=False),
        sa.Column('number', sa.String(length=20), nullable=False),
        sa.Column('birth_date', sa.Date(), nullable=False),
        sa.Column('requested_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['guest_id'], ['guests.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('guest_id'),
    )
    op.create_table(
        'visa_letters',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('guest_id', sa.Integer(), nullable=False),
        sa.Column('serial', sa.Integer(), nullable=False),
        sa.Column('issued_at', sa.DateTime(), nullable=False),
        sa.Column('issued_by', sa.String(length=64), nullable=False),
        sa.Column('facts', sa.JSON(), nullable=False),
        sa.Column('superseded_at', sa.DateTime(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['guest_id'], ['guests.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('guest_id', 'serial', name='uq_visa_letters_serial'),
    )
    op.create_index('ix_visa_letters_guest_id', 'visa_letters', ['guest_id'], unique=False)
    for column, length in LETTERHEAD:
        op.add_column(
            'events', sa.Column(column, sa.String(length=length), server_default='', nullable=False)
        )


def downgrade():
    for column, _length in reversed(LETTERHEAD):
        op.execute(f"ALTER TABLE events DROP COLUMN {column}")
    op.drop_index('ix_visa_letters_guest_id', table_name='visa_letters')
    op.drop_table('visa_letters')
    op.drop_table('guest_passports')
