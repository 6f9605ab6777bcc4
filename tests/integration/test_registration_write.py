"""Registration's write on PostgreSQL goes to the asyncpg connection of the session's
transaction as a prepared statement (intake_rows.py); what it writes is what the session wrote."""

from sqlalchemy import select

from app.claims import intake_rows
from app.enums import Role
from app.models.system import IdempotencyRecord
from tests.conftest import claim_payload, unique

CLAIMS = "/api/v1/claims"


async def test_the_stored_idempotent_response_is_the_response(client, auth, db) -> None:
    key = unique()
    response = await client.post(
        CLAIMS, json=claim_payload(), headers=auth(Role.intake, **{"Idempotency-Key": key})
    )
    assert response.status_code == 201
    [(stored,)] = await db(select(IdempotencyRecord.response).where(IdempotencyRecord.key == key))
    assert stored == response.json()
    assert stored["number"].startswith("CLM-")


async def test_postgresql_writes_through_the_driver(client, auth, is_postgres) -> None:
    intake_rows._PREPARED.clear()
    response = await client.post(CLAIMS, json=claim_payload(), headers=auth(Role.intake))
    assert response.status_code == 201
    # Compiled for the driver on PostgreSQL only; SQLite runs the Core statements.
    assert bool(intake_rows._PREPARED) == is_postgres


async def test_a_reused_key_from_the_driver_replays(client, auth) -> None:
    # The driver's unique violation comes out as SQLAlchemy's IntegrityError: replayed, and a
    # different body with the key is 409, as through the session.
    headers = auth(Role.intake, **{"Idempotency-Key": unique()})
    body = claim_payload()
    first = await client.post(CLAIMS, json=body, headers=headers)
    again = await client.post(CLAIMS, json=body, headers=headers)
    other = await client.post(CLAIMS, json=claim_payload(), headers=headers)
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 409)
    assert again.json() == first.json()
