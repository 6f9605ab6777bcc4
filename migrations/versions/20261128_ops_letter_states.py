"""letters: honest sending (sending, send_failed), the gateway's id and the send error

Revision ID: ops_letter_states
Revises: catalog_names
Create Date: 2026-11-28 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ops_letter_states"
down_revision: str | None = "catalog_names"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs: nullable, no table rebuild on SQLite. The states are strings
    # (String(20)): `sending` and `send_failed` need no schema change.
    op.add_column("letters", sa.Column("send_event_id", sa.String(length=36), nullable=True))
    op.add_column(
        "letters", sa.Column("gateway_message_id", sa.String(length=500), nullable=True)
    )
    op.add_column("letters", sa.Column("send_error", sa.String(length=2000), nullable=True))


def downgrade() -> None:
    # Letters still on their way or failed were not sent: back to `issued`, to be sent again.
    op.execute("UPDATE letters SET state = 'issued' WHERE state IN ('sending', 'send_failed')")
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.drop_column("send_error")
        batch_op.drop_column("gateway_message_id")
        batch_op.drop_column("send_event_id")
