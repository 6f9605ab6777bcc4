"""The status-filtered listing has an index in its own order (see the `bench` migration)."""

import pytest
from sqlalchemy import inspect


async def test_claims_have_the_state_received_at_index(app) -> None:
    async with app.state.engine.connect() as conn:
        indexes = await conn.run_sync(lambda sync: inspect(sync).get_indexes("claims"))
    by_name = {ix["name"]: ix["column_names"] for ix in indexes}
    assert by_name["ix_claims_state_received_at_id"] == ["state", "received_at", "id"]
    # Its prefix would be a second index to update on every insert and state change.
    assert ["state"] not in by_name.values()


async def test_status_filtered_pages_stay_newest_first(client, auth, new_claim) -> None:
    from app.enums import Role

    made = [(await new_claim())["number"] for _ in range(3)]
    response = await client.get(
        "/api/v1/claims", params={"status": "new", "limit": 2}, headers=auth(Role.specialist)
    )
    assert response.status_code == 200
    first = response.json()
    assert [item["number"] for item in first["items"]] == made[::-1][:2]
    response = await client.get(
        "/api/v1/claims",
        params={"status": "new", "limit": 2, "cursor": first["next_cursor"]},
        headers=auth(Role.specialist),
    )
    assert response.json()["items"][0]["number"] == made[0]


async def _plan(
    app, conditions: tuple[str, ...], *, off: tuple[str, ...] = ("seqscan", "sort"), **params
) -> str:
    """EXPLAIN of the listing's own statement on PostgreSQL, with the plan methods in `off`
    priced out: on the suite's few claims a scan is cheapest, and the question is which
    conditions an index can take, not what the planner prefers on a small table."""
    from app.claims.listing import _statement

    async with app.state.engine.connect() as conn:
        for method in off:
            await conn.exec_driver_sql(f"SET LOCAL enable_{method} = off")
        compiled = _statement(conditions).compile(dialect=conn.dialect)
        state = compiled.construct_expanded_state({"limit": 51, **params})
        driver = (await conn.get_raw_connection()).driver_connection
        rows = await driver.fetch(
            f"EXPLAIN (COSTS OFF) {state.statement}", *state.positional_parameters
        )
        return "\n".join(row[0] for row in rows)


@pytest.fixture
def postgres_only(is_postgres: bool) -> None:
    if not is_postgres:
        pytest.skip("PostgreSQL plans")


@pytest.mark.usefixtures("postgres_only")
async def test_the_cursor_is_an_index_condition(app, new_claim) -> None:
    """A deep page starts where the cursor points in ix_claims_received_at_id; as an OR of two
    comparisons the cursor was a Filter over every row of the pages before it."""
    from datetime import UTC, datetime

    await new_claim()
    at = datetime(2026, 1, 1, tzinfo=UTC)
    plan = await _plan(app, ("cursor",), cursor_at=at, cursor_id=10)
    assert "ix_claims_received_at_id" in plan
    cond = [line for line in plan.splitlines() if "Index Cond: (ROW(received_at, id) <" in line]
    assert cond, plan
    assert "Filter: ((received_at" not in plan

    plan = await _plan(app, ("status", "cursor"), status=["new"], cursor_at=at, cursor_id=10)
    assert "Index Cond: (((state)::text = 'new'::text) AND (ROW(received_at, id) <" in plan, plan


@pytest.mark.usefixtures("postgres_only")
async def test_q_is_a_bitmap_or_of_trigram_indexes(app) -> None:
    # Plain index scans priced out too: on a few claims, walking ix_claims_received_at_id and
    # filtering is cheapest; at a million claims the planner picks the BitmapOr by itself.
    plan = await _plan(app, ("q_indexed",), off=("seqscan", "indexscan"), q="%nothing like it%")
    assert "BitmapOr" in plan, plan
    for index in (
        "ix_claims_number_trgm",
        "ix_claims_title_trgm",
        "ix_claims_defect_description_trgm",
        "ix_claims_reported_serial_trgm",
        "ix_claims_customer_id",
        "ix_customers_name_trgm",
    ):
        assert f"Bitmap Index Scan on {index}" in plan, plan


async def test_q_finds_a_claim_by_its_customers_name_only(client, auth, new_claim) -> None:
    """On PostgreSQL the customer's name is matched through ix_customers_name_trgm and the
    claims' customer_id: still the same claims as the join's ILIKE finds on SQLite."""
    from uuid import uuid4

    from app.enums import Role

    name = f"Quietname {uuid4().hex[:8]}"
    made = await new_claim(
        customer={"name": name, "email": f"{uuid4().hex[:8]}@example.com", "language": "lv"}
    )
    response = await client.get(
        "/api/v1/claims", params={"q": name.upper()[3:]}, headers=auth(Role.specialist)
    )
    assert response.status_code == 200
    assert [item["number"] for item in response.json()["items"]] == [made["number"]]
