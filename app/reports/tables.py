"""The tables the report queries read.

Phase-1 stub: Core tables shaped like the foundation's models, so the queries
can be built and unit-tested before the foundation lands. Replaced by the real
model tables after the merge.
"""

from sqlalchemy import Column, Date, DateTime, ForeignKey, Integer, MetaData, Numeric, String, Table

metadata = MetaData()

product_models = Table(
    "product_models",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String, nullable=False),
    Column("name", String, nullable=False),
    Column("warranty_months", Integer, nullable=False),
)

units = Table(
    "units",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("serial", String, nullable=False),
    Column("product_model_id", ForeignKey("product_models.id"), nullable=False),
    Column("sale_date", Date),
)

claims = Table(
    "claims",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String, nullable=False),
    Column("channel", String, nullable=False),
    Column("state", String, nullable=False),
    Column("customer_id", Integer),
    Column("product_model_id", ForeignKey("product_models.id")),
    Column("unit_id", ForeignKey("units.id")),
    Column("reported_serial", String),
    Column("defect_description", String, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("ack_due_date", Date),
    Column("ack_deadline_date", Date),
    Column("acknowledged_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
    Column("resolution", String),
    Column("defect_cause", String),
    Column("cost_bearer", String),
)

claim_costs = Table(
    "claim_costs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("claim_id", ForeignKey("claims.id"), nullable=False),
    Column("kind", String, nullable=False),
    Column("amount", Numeric(14, 2), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("cost_bearer", String, nullable=False),
    Column("incurred_on", Date, nullable=False),
    Column("note", String),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("recorded_by", String, nullable=False),
)
