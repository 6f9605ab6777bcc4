"""customers as master data: contacts, structured fields, audit; claim owner, contact, edited
statement and discrepancies; the person behind an API key

Every existing customer keeps its claims: its person becomes its first contact (with the email
and phone the customer row held), and a customer that had an organisation takes that as its
name.

Revision ID: customers
Revises: state_index
Create Date: 2026-11-27 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.models.types

revision: str = "customers"
down_revision: str | None = "state_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_S = sqlmodel.sql.sqltypes.AutoString
_T = app.models.types.UTCDateTime


def _name_key(name: str | None) -> str | None:
    # app/customers/matching.py:name_key at the time of writing; a migration keeps its own copy.
    if not name:
        return None
    kept = "".join(ch for ch in name if ch not in "\"'«»“”„`")
    return " ".join(kept.casefold().split()) or None


def _foreign_keys(on: bool) -> None:
    # SQLite rebuilds a table to alter it (batch mode): with foreign keys enforced, dropping the
    # old `customers` fails while claims point at it. Deferred, they are checked at commit, when
    # the rebuilt table (with every id kept) is in place. (foreign_keys=OFF would be ignored:
    # the migration runs in a transaction.)
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"PRAGMA defer_foreign_keys={'OFF' if on else 'ON'}")


def upgrade() -> None:
    _foreign_keys(False)
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("name", _S(length=300), nullable=False),
        sa.Column("given_name", _S(length=100), nullable=True),
        sa.Column("patronymic", _S(length=100), nullable=True),
        sa.Column("surname", _S(length=100), nullable=True),
        sa.Column("position", _S(length=200), nullable=True),
        sa.Column("gender", sa.String(length=8), nullable=True),
        sa.Column("email", _S(length=320), nullable=True),
        sa.Column("phone", _S(length=40), nullable=True),
        sa.Column("created_at", _T(timezone=True), nullable=False),
        sa.Column("updated_at", _T(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_contacts_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contacts_customer_id"), ["customer_id"])
        batch_op.create_index(batch_op.f("ix_contacts_email"), ["email"])
        batch_op.create_index(batch_op.f("ix_contacts_phone"), ["phone"])

    op.create_table(
        "customer_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("at", _T(timezone=True), nullable=False),
        sa.Column("actor", _S(length=100), nullable=False),
        sa.Column("action", _S(length=60), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_customer_events_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_events")),
    )
    with op.batch_alter_table("customer_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_events_customer_id"), ["customer_id"])

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), nullable=False, server_default="person")
        )
        batch_op.add_column(sa.Column("short_name", _S(length=200), nullable=True))
        batch_op.add_column(sa.Column("name_key", _S(length=300), nullable=True))
        batch_op.add_column(sa.Column("short_name_key", _S(length=200), nullable=True))
        batch_op.add_column(sa.Column("registration_number", _S(length=40), nullable=True))
        batch_op.add_column(sa.Column("vat_number", _S(length=40), nullable=True))
        batch_op.add_column(sa.Column("street", _S(length=300), nullable=True))
        batch_op.add_column(sa.Column("city", _S(length=120), nullable=True))
        batch_op.add_column(sa.Column("postcode", _S(length=20), nullable=True))
        batch_op.add_column(sa.Column("country", _S(length=2), nullable=True))
        batch_op.add_column(sa.Column("notes", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("updated_at", _T(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("version", sa.Integer(), nullable=False, server_default="1")
        )

    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("owner", _S(length=100), nullable=True))
        batch_op.add_column(sa.Column("defect_statement", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("customer_discrepancies", sa.JSON(), nullable=True))

    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("full_name", _S(length=200), nullable=True))
        batch_op.add_column(sa.Column("phone", _S(length=40), nullable=True))
        batch_op.add_column(sa.Column("email", _S(length=320), nullable=True))

    # The data: each customer's person becomes its first contact.
    conn = op.get_bind()
    conn.execute(
        sa.text(
            "INSERT INTO contacts (customer_id, name, email, phone, created_at, updated_at) "
            "SELECT id, name, lower(email), phone, created_at, created_at FROM customers"
        )
    )
    conn.execute(
        sa.text(
            "UPDATE customers SET kind = 'organisation', name = organisation "
            "WHERE organisation IS NOT NULL AND organisation <> ''"
        )
    )
    conn.execute(sa.text("UPDATE customers SET updated_at = created_at"))
    for customer_id, name in conn.execute(sa.text("SELECT id, name FROM customers")).all():
        conn.execute(
            sa.text("UPDATE customers SET name_key = :key WHERE id = :id"),
            {"key": _name_key(name), "id": customer_id},
        )
    conn.execute(
        sa.text(
            "UPDATE claims SET contact_id = "
            "(SELECT min(contacts.id) FROM contacts WHERE contacts.customer_id = claims.customer_id)"
        )
    )

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.alter_column("updated_at", existing_type=_T(timezone=True), nullable=False)
        # A legal name may be long ("Общество с ограниченной ответственностью «…»").
        batch_op.alter_column(
            "name", existing_type=_S(length=200), type_=_S(length=300), existing_nullable=False
        )
        batch_op.drop_index("ix_customers_email")
        batch_op.drop_index("ix_customers_phone")
        batch_op.drop_column("organisation")
        batch_op.drop_column("email")
        batch_op.drop_column("phone")
        batch_op.create_index(batch_op.f("ix_customers_name_key"), ["name_key"])
        batch_op.create_index(batch_op.f("ix_customers_short_name_key"), ["short_name_key"])
        batch_op.create_index(
            batch_op.f("ix_customers_registration_number"), ["registration_number"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_customers_merged_into_id_customers"),
            "customers",
            ["merged_into_id"],
            ["id"],
        )
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claims_contact_id"), ["contact_id"])
        batch_op.create_index(batch_op.f("ix_claims_owner"), ["owner"])
        batch_op.create_foreign_key(
            batch_op.f("fk_claims_contact_id_contacts"), "contacts", ["contact_id"], ["id"]
        )
    _foreign_keys(True)


def downgrade() -> None:
    _foreign_keys(False)
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation", _S(length=200), nullable=True))
        batch_op.add_column(sa.Column("email", _S(length=320), nullable=True))
        batch_op.add_column(sa.Column("phone", _S(length=40), nullable=True))
    conn = op.get_bind()
    # A customer's first contact goes back into its row; other contacts are lost.
    conn.execute(
        sa.text(
            "UPDATE customers SET "
            "organisation = CASE WHEN kind = 'organisation' THEN name END, "
            "email = (SELECT email FROM contacts WHERE id = (SELECT min(id) FROM contacts c "
            "         WHERE c.customer_id = customers.id)), "
            "phone = (SELECT phone FROM contacts WHERE id = (SELECT min(id) FROM contacts c "
            "         WHERE c.customer_id = customers.id)), "
            "name = COALESCE((SELECT name FROM contacts WHERE id = (SELECT min(id) FROM contacts c "
            "         WHERE c.customer_id = customers.id)), name)"
        )
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("email")
        batch_op.drop_column("phone")
        batch_op.drop_column("full_name")
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_claims_contact_id_contacts"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_claims_owner"))
        batch_op.drop_index(batch_op.f("ix_claims_contact_id"))
        batch_op.drop_column("customer_discrepancies")
        batch_op.drop_column("defect_statement")
        batch_op.drop_column("owner")
        batch_op.drop_column("contact_id")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_customers_merged_into_id_customers"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_customers_registration_number"))
        batch_op.drop_index(batch_op.f("ix_customers_short_name_key"))
        batch_op.drop_index(batch_op.f("ix_customers_name_key"))
        for column in (
            "version", "updated_at", "merged_into_id", "notes", "country", "postcode", "city",
            "street", "vat_number", "registration_number", "short_name_key", "name_key",
            "short_name", "kind",
        ):
            batch_op.drop_column(column)
        batch_op.create_index("ix_customers_email", ["email"])
        batch_op.create_index("ix_customers_phone", ["phone"])
    conn.execute(sa.text("UPDATE customers SET name = substr(name, 1, 200)"))
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.alter_column(
            "name", existing_type=_S(length=300), type_=_S(length=200), existing_nullable=False
        )
    op.drop_table("customer_events")
    op.drop_table("contacts")
    _foreign_keys(True)
