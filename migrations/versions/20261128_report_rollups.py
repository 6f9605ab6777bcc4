"""report rollups: monthly figures of the summary report, kept exact by a change log

Revision ID: report_rollups
Revises: cost_models
Create Date: 2026-11-28 04:30:00

The worker (and `claims rollup-reports`) writes the summary's figures per sealed local month
into report_month_counts / _compliance / _waiting / _durations / _ratings, and report_months
says for which months and in which zone. Triggers on claims and claim_ratings append the month
of a changed claim to report_month_changes, in the same transaction as any change to a column
the summary reads; a month with an entry is computed live until its next refresh, so the
report never uses a stale month (docs/reports.md). The triggers only insert: no lock on
report_months, so writers of the same month do not wait for each other. The current month
never has a row: registration's trigger finds none and writes nothing.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.types

revision: str = "report_rollups"
down_revision: str | None = "cost_models"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The columns of claims the summary's rolled-up figures read (and claim_ratings' claim_id and
# rating, for the satisfaction section).
WATCHED = (
    "received_at",
    "state",
    "channel",
    "product_model_id",
    "defect_cause",
    "resolution",
    "acknowledged_at",
    "closed_at",
    "ack_due_date",
    "ack_deadline_date",
)

# One INSERT for both instants (old and new received_at; NULL for none): a month matched by
# both is logged once. PL/pgSQL keeps the statement's plan for the session; a LANGUAGE sql
# function called from a trigger plans it on every call (112 against 52 µs a change at 1M
# claims, bench/RESULTS.md).
PG_FUNCTIONS = [
    """
CREATE FUNCTION report_months_log(a timestamptz, b timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_month_changes (month)
    SELECT month FROM report_months
    WHERE (starts_at <= a AND ends_at > a) OR (starts_at <= b AND ends_at > b);
END
$$;
""",
    """
CREATE FUNCTION report_months_log_claim() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM report_months_log(NULL, NEW.received_at);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM report_months_log(OLD.received_at, NULL);
    ELSE
        PERFORM report_months_log(OLD.received_at, NEW.received_at);
    END IF;
    RETURN NULL;
END
$$;
""",
    # A rating belongs to the month in which its claim was received.
    """
CREATE FUNCTION report_months_log_rating() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM report_months_log(NULL, (SELECT received_at FROM claims WHERE id = NEW.claim_id));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM report_months_log((SELECT received_at FROM claims WHERE id = OLD.claim_id), NULL);
    ELSE
        PERFORM report_months_log(
            (SELECT received_at FROM claims WHERE id = OLD.claim_id),
            (SELECT received_at FROM claims WHERE id = NEW.claim_id)
        );
    END IF;
    RETURN NULL;
END
$$;
""",
]
FUNCTIONS = ("report_months_log_rating", "report_months_log_claim", "report_months_log")
# (table, trigger name suffix) of every trigger, for the downgrade.
TRIGGERS = [
    (table, f"report_months_{table}_{event}")
    for table in ("claims", "claim_ratings")
    for event in ("insert", "delete", "update")
]


def _changed(old: str, new: str, op_: str) -> str:
    return " OR ".join(f"{old}.{c} {op_} {new}.{c}" for c in WATCHED)


def _pg_triggers() -> list[str]:
    columns = ", ".join(WATCHED)
    out = list(PG_FUNCTIONS)
    for table, function, when in (
        ("claims", "report_months_log_claim", _changed("OLD", "NEW", "IS DISTINCT FROM")),
        (
            "claim_ratings",
            "report_months_log_rating",
            "OLD.claim_id IS DISTINCT FROM NEW.claim_id OR OLD.rating IS DISTINCT FROM NEW.rating",
        ),
    ):
        watched = columns if table == "claims" else "claim_id, rating"
        out += [
            f"CREATE TRIGGER report_months_{table}_insert AFTER INSERT ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()",
            f"CREATE TRIGGER report_months_{table}_delete AFTER DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()",
            f"CREATE TRIGGER report_months_{table}_update AFTER UPDATE OF {watched} ON {table} "
            f"FOR EACH ROW WHEN ({when}) EXECUTE FUNCTION {function}()",
        ]
    return out


def _sqlite_log(a: str, b: str = "NULL") -> str:
    # starts_at/ends_at and received_at are the same text format (UTCDateTime), compared as text.
    return (
        "INSERT INTO report_month_changes (month) SELECT month FROM report_months "
        f"WHERE (starts_at <= {a} AND ends_at > {a}) OR (starts_at <= {b} AND ends_at > {b});"
    )


def _sqlite_triggers() -> list[str]:
    columns = ", ".join(WATCHED)

    def received(ref: str) -> str:
        return f"(SELECT received_at FROM claims WHERE id = {ref}.claim_id)"

    return [
        "CREATE TRIGGER report_months_claims_insert AFTER INSERT ON claims "
        f"BEGIN {_sqlite_log('NEW.received_at')} END",
        "CREATE TRIGGER report_months_claims_delete AFTER DELETE ON claims "
        f"BEGIN {_sqlite_log('OLD.received_at')} END",
        f"CREATE TRIGGER report_months_claims_update AFTER UPDATE OF {columns} ON claims "
        f"WHEN {_changed('OLD', 'NEW', 'IS NOT')} "
        f"BEGIN {_sqlite_log('OLD.received_at', 'NEW.received_at')} END",
        "CREATE TRIGGER report_months_claim_ratings_insert AFTER INSERT ON claim_ratings "
        f"BEGIN {_sqlite_log(received('NEW'))} END",
        "CREATE TRIGGER report_months_claim_ratings_delete AFTER DELETE ON claim_ratings "
        f"BEGIN {_sqlite_log(received('OLD'))} END",
        "CREATE TRIGGER report_months_claim_ratings_update "
        "AFTER UPDATE OF claim_id, rating ON claim_ratings "
        "WHEN OLD.claim_id IS NOT NEW.claim_id OR OLD.rating IS NOT NEW.rating "
        f"BEGIN {_sqlite_log(received('OLD'), received('NEW'))} END",
    ]


def upgrade() -> None:
    op.create_table(
        "report_months",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("starts_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("computed_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_report_months")),
    )
    op.create_index("ix_report_months_starts_at", "report_months", ["starts_at"])
    op.create_table(
        "report_month_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_month_changes")),
    )
    op.create_index("ix_report_month_changes_month", "report_month_changes", ["month"])
    op.create_table(
        "report_month_counts",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("scope", sa.String(length=80), nullable=False),
        sa.Column("dimension", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=True),
        sa.Column("claims", sa.Integer(), nullable=False),
    )
    op.create_index("ix_report_month_counts_month_scope", "report_month_counts", ["month", "scope"])
    op.create_table(
        "report_month_compliance",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("scope", sa.String(length=80), nullable=False),
        sa.Column("claims", sa.Integer(), nullable=False),
        sa.Column("acknowledged", sa.Integer(), nullable=False),
        sa.Column("within_3_met", sa.Integer(), nullable=False),
        sa.Column("within_3_missed", sa.Integer(), nullable=False),
        sa.Column("within_5_met", sa.Integer(), nullable=False),
        sa.Column("within_5_missed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "scope", name="pk_report_month_compliance"),
    )
    op.create_table(
        "report_month_durations",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("scope", sa.String(length=80), nullable=False),
        sa.Column("metric", sa.String(length=16), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("month", "scope", "metric", name="pk_report_month_durations"),
    )
    op.create_table(
        "report_month_ratings",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("scope", sa.String(length=80), nullable=False),
        sa.Column("closed_month", sa.Date(), nullable=False),
        sa.Column("product_model_id", sa.Integer(), nullable=True),
        sa.Column("closed", sa.Integer(), nullable=False),
        sa.Column("rated", sa.Integer(), nullable=False),
        sa.Column("rating_sum", sa.Integer(), nullable=False),
    )
    op.create_index(
        "ix_report_month_ratings_month_scope", "report_month_ratings", ["month", "scope"]
    )
    op.create_table(
        "report_month_waiting",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("scope", sa.String(length=80), nullable=False),
        sa.Column("within", sa.String(length=8), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("claims", sa.Integer(), nullable=False),
    )
    op.create_index(
        "ix_report_month_waiting_month_scope", "report_month_waiting", ["month", "scope"]
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in _pg_triggers() if postgres else _sqlite_triggers():
        op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgres else ""))
    if postgres:
        for function in FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
    op.drop_index("ix_report_month_ratings_month_scope", table_name="report_month_ratings")
    op.drop_table("report_month_ratings")
    op.drop_index("ix_report_month_waiting_month_scope", table_name="report_month_waiting")
    op.drop_table("report_month_waiting")
    op.drop_table("report_month_durations")
    op.drop_table("report_month_compliance")
    op.drop_index("ix_report_month_counts_month_scope", table_name="report_month_counts")
    op.drop_table("report_month_counts")
    op.drop_index("ix_report_month_changes_month", table_name="report_month_changes")
    op.drop_table("report_month_changes")
    op.drop_index("ix_report_months_starts_at", table_name="report_months")
    op.drop_table("report_months")
