"""questions of the event's own: the questions on the RSVP form and the guests' answers

Revision ID: a8e3c5f7d912
Revises: e8a3c6f1d2b4
Create Date: 2026-12-05 00:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a8e3c5f7d912'
down_revision = "e8a3c6f1d2b4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'event_questions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column(
            'kind',
            sa.Enum('short_text', 'long_text', 'one_choice', 'several_choices', 'yes_no',
                    'number', 'date', name='questionkind', native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column('label_en', sa.String(length=300), nullable=False),
        sa.Column('label_zh', sa.String(length=300), nullable=False),
        sa.Column('help_en', sa.String(length=500), nullable=False),
        sa.Column('help_zh', sa.String(length=500), nullable=False),
        sa.Column('choices', sa.JSON(), nullable=False),
        sa.Column('required', sa.Boolean(), nullable=False),
        sa.Column('categories', sa.String(length=100), nullable=False),
        sa.Column('number_min', sa.Integer(), nullable=True),
        sa.Column('number_max', sa.Integer(), nullable=True),
        sa.Column('in_guest_list', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_event_questions_event_id', 'event_questions', ['event_id'], unique=False)
    op.create_table(
        'question_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('guest_id', sa.Integer(), nullable=False),
        sa.Column('value', sa.Text(), nullable=False),
        sa.Column('answered_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['guest_id'], ['guests.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['question_id'], ['event_questions.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('question_id', 'guest_id', name='uq_question_answers_question_guest'),
    )
    op.create_index('ix_question_answers_guest_id', 'question_answers', ['guest_id'], unique=False)


def downgrade():
    op.drop_index('ix_question_answers_guest_id', table_name='question_answers')
    op.drop_table('question_answers')
    op.drop_index('ix_event_questions_event_id', table_name='event_questions')
    op.drop_table('event_questions')
