"""email: Mailgun tokens taken once; message ids stored without angle brackets

Mailgun signs a timestamp and a token, not the content: `mailgun_tokens` remembers each token
for the signature window, on every replica. Message ids have one stored form, without angle
brackets (app/msgids.py): ids stored with them (letters and reminders did so) lose them, and an
id holding a line break or space, which could only reach the database before the ids were
checked, is cleared rather than sent on in a reply's headers.

Revision ID: mailh_tokens
Revises: sign_letters
Create Date: 2026-11-28 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.models.types

revision: str = "mailh_tokens"
down_revision: str | None = "sign_letters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column) of the stored message ids.
_IDS = (("messages", "external_message_id"), ("inbound_emails", "message_id"))


def upgrade() -> None:
    op.create_table(
        "mailgun_tokens",
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("seen_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_mailgun_tokens")),
    )
    with op.batch_alter_table("mailgun_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mailgun_tokens_seen_at"), ["seen_at"], unique=False)
    conn = op.get_bind()
    for table, column in _IDS:
        conn.execute(
            sa.text(
                f"UPDATE {table} SET {column} = substr({column}, 2, length({column}) - 2) "
                f"WHERE {column} LIKE '<%>'"
            )
        )
        for bad in ("\r", "\n", " ", "\t", "<", ">"):
            conn.execute(
                sa.text(f"UPDATE {table} SET {column} = NULL WHERE {column} LIKE :pattern"),
                {"pattern": f"%{bad}%"},
            )


def downgrade() -> None:
    # The ids keep their one form: with or without brackets, both versions read them.
    with op.batch_alter_table("mailgun_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mailgun_tokens_seen_at"))
    op.drop_table("mailgun_tokens")
