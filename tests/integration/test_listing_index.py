"""The status-filtered listing has an index in its own order (see the `bench` migration)."""

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
