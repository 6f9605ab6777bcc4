"""One local calendar (issue 17, point 14): a claim's number takes the local year of the moment
the service registers it, east and west of UTC and across both DST changes."""

from datetime import UTC, date, datetime
from typing import Any

import pytest

from app.auth.principal import Principal
from app.claims.registration import register_claim
from app.enums import Role
from app.models.claims import ClaimCreate
from app.workdays import Calendar
from tests.conftest import claim_payload

INTAKE = Principal(key_id=0, name="test-calendar", roles=frozenset({Role.intake}))


async def _register(app: Any, settings: Any, now: datetime, **overrides: Any) -> dict[str, Any]:
    async with app.state.session_factory() as session:
        result = await register_claim(
            session,
            data=ClaimCreate.model_validate(claim_payload(**overrides)),
            principal=INTAKE,
            settings=settings,
            now=now,
        )
    assert result.status_code == 201
    return result.body


@pytest.mark.parametrize(
    ("zone", "now", "year", "day"),
    [
        # 00:30 on 1 January in Riga is still 31 December in UTC: the claim is Riga's 2026.
        ("Europe/Riga", datetime(2025, 12, 31, 22, 30, tzinfo=UTC), 2026, date(2026, 1, 1)),
        ("Europe/Riga", datetime(2025, 12, 31, 21, 59, tzinfo=UTC), 2025, date(2025, 12, 31)),
        # 22:30 on 31 December in New York is already 1 January in UTC: it is New York's 2025.
        ("America/New_York", datetime(2026, 1, 1, 3, 30, tzinfo=UTC), 2025, date(2025, 12, 31)),
        ("America/New_York", datetime(2026, 1, 1, 5, 0, tzinfo=UTC), 2026, date(2026, 1, 1)),
    ],
)
async def test_the_numbers_year_is_the_local_year_of_registration(
    app, settings, zone: str, now: datetime, year: int, day: date
) -> None:
    local = settings.model_copy(update={"timezone": zone})
    body = await _register(app, local, now)
    assert body["number"].startswith(f"CLM-{year}-")
    assert datetime.fromisoformat(body["registered_at"]) == now
    # received_at defaults to the same moment; its local date decides the deadlines.
    assert datetime.fromisoformat(body["received_at"]) == now
    due = Calendar.of().add_working_days(day, settings.ack_due_working_days)
    assert date.fromisoformat(body["deadlines"]["ack_due_date"]) == due


async def test_a_claim_back_dated_into_last_year_takes_this_years_number(app, settings) -> None:
    now = datetime(2026, 1, 2, 9, tzinfo=UTC)
    body = await _register(app, settings, now, received_at="2025-12-30T15:00:00+02:00")
    assert body["number"].startswith("CLM-2026-")
    assert body["received_at"].startswith("2025-12-30T13:00:00")


@pytest.mark.parametrize(
    ("now", "day"),
    [
        # Riga's summer time begins at 01:00 UTC on 29 March 2026 (03:00 -> 04:00 local).
        (datetime(2026, 3, 28, 22, 30, tzinfo=UTC), date(2026, 3, 29)),  # 00:30 +02:00
        (datetime(2026, 3, 29, 21, 30, tzinfo=UTC), date(2026, 3, 30)),  # 00:30 +03:00
        # It ends at 01:00 UTC on 25 October 2026 (04:00 -> 03:00 local).
        (datetime(2026, 10, 24, 21, 30, tzinfo=UTC), date(2026, 10, 25)),  # 00:30 +03:00
        (datetime(2026, 10, 25, 22, 30, tzinfo=UTC), date(2026, 10, 26)),  # 00:30 +02:00
    ],
)
async def test_deadlines_count_from_the_local_day_across_dst(app, settings, now, day) -> None:
    """A claim received half an hour after local midnight belongs to that local day: its
    acknowledgement is due three working days after it (weekends only in the tests)."""
    body = await _register(app, settings, now)
    due = Calendar.of().add_working_days(day, settings.ack_due_working_days)
    assert date.fromisoformat(body["deadlines"]["ack_due_date"]) == due
