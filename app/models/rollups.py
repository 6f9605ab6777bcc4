"""Monthly rollups of the summary report (docs/reports.md, "How the summary is computed").

Plain tables: the worker writes them for sealed local months, triggers on `claims` and
`claim_ratings` append the month of a changed claim to `report_month_changes`, and the summary
reads only months of the current time zone without such an entry; everything else it computes
live.
"""

from sqlalchemy import (
    Column,
    Date,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
)
from sqlmodel import SQLModel

from app.models.types import UTCDateTime

report_months = Table(
    "report_months",
    SQLModel.metadata,
    Column("month", Date, primary_key=True),  # the first day of the local month
    Column("zone", String(64), nullable=False),
    # The month's bounds as UTC instants, stored like claims.received_at so that the trigger
    # compares like with like (SQLite stores both as the same text).
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("computed_at", UTCDateTime, nullable=False),
    Index("ix_report_months_starts_at", "starts_at"),
)

# Append-only: one row per change to a claim of a rolled-up month since its last refresh (and
# one for a refresh under way). Inserting takes no lock on report_months, so writers of the
# same month never wait for each other; a refresh deletes the entries it has seen.
report_month_changes = Table(
    "report_month_changes",
    SQLModel.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("month", Date, nullable=False),
    Index("ix_report_month_changes_month", "month"),
)

# scope: '' (all claims), 'channel:<channel>' or 'model:<product_model_id>' ('model:' for
# claims without a model).
report_month_counts = Table(
    "report_month_counts",
    SQLModel.metadata,
    Column("month", Date, nullable=False),
    Column("scope", String(80), nullable=False),
    Column("dimension", String(20), nullable=False),
    # product_model: the model's id, not its code, so that a renamed code stays exact.
    Column("key", String(80), nullable=True),
    Column("claims", Integer, nullable=False),
    Index("ix_report_month_counts_month_scope", "month", "scope"),
)

report_month_compliance = Table(
    "report_month_compliance",
    SQLModel.metadata,
    Column("month", Date, nullable=False),
    Column("scope", String(80), nullable=False),
    Column("claims", Integer, nullable=False),
    # Acknowledged claims only: their outcome no longer depends on the report's as_of.
    Column("acknowledged", Integer, nullable=False),
    Column("within_3_met", Integer, nullable=False),
    Column("within_3_missed", Integer, nullable=False),
    Column("within_5_met", Integer, nullable=False),
    Column("within_5_missed", Integer, nullable=False),
    PrimaryKeyConstraint("month", "scope", name="pk_report_month_compliance"),
)

# The claims not yet acknowledged, by due date: missed or pending depends on the report's date,
# so they are counted per date and judged when the report is read.
report_month_waiting = Table(
    "report_month_waiting",
    SQLModel.metadata,
    Column("month", Date, nullable=False),
    Column("scope", String(80), nullable=False),
    Column("within", String(8), nullable=False),  # within_3 (ack_due_date) | within_5 (deadline)
    Column("due", Date, nullable=True),
    Column("claims", Integer, nullable=False),
    Index("ix_report_month_waiting_month_scope", "month", "scope"),
)

report_month_durations = Table(
    "report_month_durations",
    SQLModel.metadata,
    Column("month", Date, nullable=False),
    Column("scope", String(80), nullable=False),
    Column("metric", String(16), nullable=False),  # acknowledge | close
    Column("n", Integer, nullable=False),
    # The month's durations in seconds, ascending, as array('d').tobytes(): one fetch per row.
    Column("seconds", LargeBinary, nullable=False),
    PrimaryKeyConstraint("month", "scope", "metric", name="pk_report_month_durations"),
)

# The satisfaction section: the closed claims of the month by local month of closure and model.
report_month_ratings = Table(
    "report_month_ratings",
    SQLModel.metadata,
    Column("month", Date, nullable=False),
    Column("scope", String(80), nullable=False),
    Column("closed_month", Date, nullable=False),  # the first day of the local month of closure
    Column("product_model_id", Integer, nullable=True),
    Column("closed", Integer, nullable=False),
    Column("rated", Integer, nullable=False),
    Column("rating_sum", Integer, nullable=False),
    Index("ix_report_month_ratings_month_scope", "month", "scope"),
)
