"""letters: a letter's subject is a claim, a corrective action or a supplier claim

Revision ID: letter_subjects
Revises: corrective_reminders
Create Date: 2026-11-28 01:00:00

Downgrade deletes the letters of corrective actions and supplier claims (the older schema has
no place for them: every letter there belongs to a claim); their frozen files stay in storage.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "letter_subjects"
down_revision: str | None = "corrective_reminders"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONE_SUBJECT = (
    "(CASE WHEN claim_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN corrective_action_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN supplier_claim_id IS NULL THEN 0 ELSE 1 END) = 1"
)


def upgrade() -> None:
    # SQLite cannot alter a column's nullability or add a CHECK in place: batch mode rebuilds
    # the table (PostgreSQL gets plain ALTERs).
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("corrective_action_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("supplier_claim_id", sa.Integer(), nullable=True))
        batch_op.alter_column("claim_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            op.f("fk_letters_corrective_action_id_corrective_actions"),
            "corrective_actions",
            ["corrective_action_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            op.f("fk_letters_supplier_claim_id_supplier_claims"),
            "supplier_claims",
            ["supplier_claim_id"],
            ["id"],
        )
        batch_op.create_index(
            op.f("ix_letters_corrective_action_id"), ["corrective_action_id"], unique=False
        )
        batch_op.create_index(
            op.f("ix_letters_supplier_claim_id"), ["supplier_claim_id"], unique=False
        )
        batch_op.create_check_constraint(op.f("ck_letters_one_subject"), ONE_SUBJECT)


def downgrade() -> None:
    # Nothing else refers to a non-claim letter but its own enclosure lists (JSON).
    op.execute("DELETE FROM letters WHERE claim_id IS NULL")
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_letters_one_subject"), type_="check")
        batch_op.drop_index(op.f("ix_letters_supplier_claim_id"))
        batch_op.drop_index(op.f("ix_letters_corrective_action_id"))
        batch_op.drop_constraint(
            op.f("fk_letters_supplier_claim_id_supplier_claims"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            op.f("fk_letters_corrective_action_id_corrective_actions"), type_="foreignkey"
        )
        batch_op.alter_column("claim_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("supplier_claim_id")
        batch_op.drop_column("corrective_action_id")
