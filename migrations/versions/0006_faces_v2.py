"""faces v2: the model of each template, multi-photo enrollments, replay memory of frames

Revision ID: 0006_faces_v2
Revises: 0005_study
Create Date: 2026-11-30 04:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_faces_v2'
down_revision = '0005_study'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('face_enrollments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('model', sa.String(length=80), nullable=False, server_default='dlib-resnet-128@1'))
        batch_op.add_column(sa.Column('extra_photo_paths', sa.Text(), nullable=True))

    op.create_table('face_frame_prints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('check_id', sa.Integer(), nullable=True),
    sa.Column('phash', sa.BigInteger(), nullable=False),
    sa.Column('pixels_encrypted', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['users.id'], name=op.f('fk_face_frame_prints_learner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_face_frame_prints'))
    )
    with op.batch_alter_table('face_frame_prints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_face_frame_prints_check_id'), ['check_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_face_frame_prints_learner_id'), ['learner_id'], unique=False)


def downgrade():
    with op.batch_alter_table('face_frame_prints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_face_frame_prints_learner_id'))
        batch_op.drop_index(batch_op.f('ix_face_frame_prints_check_id'))

    op.drop_table('face_frame_prints')
    with op.batch_alter_table('face_enrollments', schema=None) as batch_op:
        batch_op.drop_column('extra_photo_paths')
        batch_op.drop_column('model')
