"""The summary over monthly rollups equals the live computation, on the same data.

Runs on SQLite and on PostgreSQL (CLAIMS_TEST_DATABASE_URL). Each test works in its own past
year; the rollups are refreshed for that year's months only, and the report over rolled-up
months is compared, figure by figure, with the live report (`use_rollups=False`).
"""

import asyncio
import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, exists, select, text, update

from app.models.claims import Claim
from app.models.rollups import report_month_changes, report_month_counts, report_months
from app.models.satisfaction import ClaimRating
from app.reports import rollup_reads, rollups
from app.reports import service as reports
from app.reports.zones import Zone
from tests.reports_data import make_claim, make_customer, make_model, open_session

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
STATES = ["closed", "closed", "closed", "design_review", "new", "remedy"]
CAUSES = [None, "manufacturing_defect", "misuse", "wear"]
RESOLUTIONS = [None, "repaired", "replaced", "explained"]


@pytest.fixture
async def session(app):
    async for s in open_session(app):
        yield s


def months_of(year: int) -> list[date]:
    return [date(year, m, 1) for m in range(1, 13)]


async def seed_year(session, year: int, *, per_month: int = 12, seed: int = 7):
    """Claims in every month of ``year``, some on the local month's edges, on three models
    (and none), with acknowledgements (some late, some never) and closures."""
    rnd = random.Random(seed + year)
    models = [await make_model(session) for _ in range(3)]
    customer = await make_customer(session)
    made = []
    for month in range(1, 13):
        start, end = rollups.month_bounds(date(year, month, 1), reports.ZoneInfo("Europe/Riga"))
        for i in range(per_month):
            if i == 0:
                received = start  # the first instant of the local month
            elif i == 1:
                received = end - timedelta(microseconds=1)  # its last
            else:
                received = start + timedelta(
                    seconds=rnd.randrange(int((end - start).total_seconds()))
                )
            state = rnd.choice(STATES)
            acked = (
                None if rnd.random() < 0.2 else received + timedelta(minutes=rnd.randrange(1, 9000))
            )
            closed = (
                received + timedelta(hours=rnd.randrange(24, 900), seconds=rnd.random())
                if state == "closed"
                else None
            )
            claim = await make_claim(
                session,
                customer=customer,
                model=rnd.choice([*models, None]),
                received_at=received,
                channel=rnd.choice(["web", "email", "phone", "internal"]),
                state=state,
                cause=rnd.choice(CAUSES),
                resolution=rnd.choice(RESOLUTIONS) if state == "closed" else None,
                acknowledged_at=acked,
                closed_at=closed,
            )
            made.append(claim)
            if closed is not None and rnd.random() < 0.6:
                session.add(
                    ClaimRating(
                        claim_id=claim.id,
                        rating=rnd.randrange(1, 6),
                        channel="web",
                        recorded_by="tests",
                    )
                )
    await session.commit()
    return models, made


async def refresh(session, settings, year: int) -> None:
    await rollups.refresh_months(session, settings=settings, months=months_of(year), now=NOW)


async def both(session, settings, *, now=NOW, **params):
    rolled = await reports.summary(session, settings=settings, now=now, **params)
    await session.commit()
    live = await reports.summary(session, settings=settings, now=now, use_rollups=False, **params)
    await session.commit()
    return rolled.model_dump(), live.model_dump()


async def planned(session, settings, received_from, received_to, **scope):
    start, end = reports._period(settings, received_from, received_to)
    found = await rollup_reads.plan(
        session,
        settings=settings,
        start=start,
        end=end,
        channel=scope.get("channel"),
        product_model=scope.get("product_model"),
    )
    await session.commit()
    return found


async def month_rows(session, year: int):
    """month -> (changed, zone): changed when the month has entries in report_month_changes."""
    m = report_months.c
    changed = exists().where(report_month_changes.c.month == m.month)
    rows = (
        await session.execute(
            select(m.month, changed.label("changed"), m.zone)
            .where(m.month.between(date(year, 1, 1), date(year, 12, 1)))
            .order_by(m.month)
        )
    ).all()
    await session.commit()
    return {r.month: (bool(r.changed), r.zone) for r in rows}


async def change_entries(session) -> list[tuple[int, date]]:
    c = report_month_changes.c
    rows = (await session.execute(select(c.id, c.month).order_by(c.id))).all()
    await session.commit()
    return [tuple(r) for r in rows]


async def test_rolled_summary_equals_live(session, settings):
    year = 1981
    models, _ = await seed_year(session, year)
    await refresh(session, settings, year)
    assert await month_rows(session, year) == {m: (False, "Europe/Riga") for m in months_of(year)}

    cases = [
        {"received_from": date(year, 1, 1), "received_to": date(year, 12, 31)},
        # edges mid-month: March 15 .. October 9 (four live ranges' worth of edges)
        {"received_from": date(year, 3, 15), "received_to": date(year, 10, 9)},
        {"received_from": date(year, 2, 1), "received_to": date(year, 2, 28)},
        {"received_from": date(year, 1, 1), "received_to": date(year, 12, 31), "channel": "web"},
        {
            "received_from": date(year, 4, 2),
            "received_to": date(year, 12, 31),
            "product_model": models[0].code,
        },
        {
            "received_from": date(year, 1, 1),
            "received_to": date(year, 12, 31),
            "channel": "email",
            "product_model": models[1].code,
        },
        {
            "received_from": date(year, 1, 1),
            "received_to": date(year, 12, 31),
            "product_model": "NOPE",
        },
    ]
    for params in cases:
        rolled, live = await both(session, settings, **params)
        assert rolled == live, params
        assert live["total_claims"] > 0 or params.get("product_model") == "NOPE"
    # The claims not yet acknowledged are judged on the report's date: in the middle of the
    # year some are still pending, others missed.
    mid = datetime(year, 6, 10, 12, tzinfo=UTC)
    rolled, live = await both(session, settings, now=mid, **cases[0])
    assert rolled == live
    within_3 = live["acknowledged_within_3_working_days"]
    assert within_3["pending"] > 0 and within_3["missed"] > 0

    full = await planned(session, settings, date(year, 1, 1), date(year, 12, 31))
    assert full is not None and len(full.months) == 12 and full.scope == ""
    edges = await planned(session, settings, date(year, 3, 15), date(year, 10, 9))
    assert edges is not None and edges.months == tuple(date(year, m, 1) for m in range(4, 10))
    assert len(edges.remainder) == 2
    web = await planned(session, settings, date(year, 1, 1), date(year, 12, 31), channel="web")
    assert web is not None and web.scope == "channel:web"
    model = await planned(
        session, settings, date(year, 1, 1), date(year, 12, 31), product_model=models[0].code
    )
    assert model is not None and model.scope == f"model:{models[0].id}"
    assert (
        await planned(
            session,
            settings,
            date(year, 1, 1),
            date(year, 12, 31),
            channel="web",
            product_model=models[0].code,
        )
        is None
    )


async def test_a_changed_claim_logs_its_month_and_the_report_stays_exact(session, settings):
    year = 1982
    models, made = await seed_year(session, year, seed=11)
    await refresh(session, settings, year)
    whole = {"received_from": date(year, 1, 1), "received_to": date(year, 12, 31)}

    # A workflow change to an old claim: state, cause, acknowledgement.
    claim = next(c for c in made if c.received_at.month == 5 and c.acknowledged_at is None)
    await session.execute(
        update(Claim)
        .where(Claim.id == claim.id)
        .values(
            state="closed",
            defect_cause="wear",
            acknowledged_at=claim.received_at + timedelta(days=9),
            closed_at=claim.received_at + timedelta(days=20),
        )
    )
    await session.commit()
    rows = await month_rows(session, year)
    assert rows[date(year, 5, 1)] == (True, "Europe/Riga")
    assert [m for m, (changed, _) in rows.items() if changed] == [date(year, 5, 1)]
    rolled, live = await both(session, settings, **whole)
    assert rolled == live

    # received_at moves from July to September: both months are logged.
    moved = next(c for c in made if c.received_at.month == 7 and c.received_at.day > 3)
    await session.execute(
        update(Claim)
        .where(Claim.id == moved.id)
        .values(received_at=datetime(year, 9, 15, 12, tzinfo=UTC))
    )
    await session.commit()
    rows = await month_rows(session, year)
    assert {m for m, (changed, _) in rows.items() if changed} == {
        date(year, 5, 1),
        date(year, 7, 1),
        date(year, 9, 1),
    }
    rolled, live = await both(session, settings, **whole)
    assert rolled == live

    # A deleted claim and one inserted into an old month.
    gone = next(c for c in made if c.received_at.month == 11)
    await session.execute(delete(ClaimRating).where(ClaimRating.claim_id == gone.id))
    await session.execute(delete(Claim).where(Claim.id == gone.id))
    customer = await make_customer(session)
    await make_claim(
        session,
        customer=customer,
        model=models[2],
        received_at=datetime(year, 2, 10, 9, tzinfo=UTC),
        state="closed",
        acknowledged_at=datetime(year, 2, 11, 9, tzinfo=UTC),
        closed_at=datetime(year, 2, 20, 9, tzinfo=UTC),
    )
    await session.commit()
    rows = await month_rows(session, year)
    assert rows[date(year, 11, 1)][0] and rows[date(year, 2, 1)][0]
    rolled, live = await both(session, settings, **whole)
    assert rolled == live

    # A rating recorded, one changed: their claims' months (by receipt) are logged.
    await rollups.refresh_months(session, settings=settings, months=months_of(year), now=NOW)
    closed = [c for c in made if c.state == "closed" and c.id != gone.id]
    rated = {
        r.claim_id: r
        for r in (
            await session.execute(
                select(ClaimRating).where(ClaimRating.claim_id.in_([c.id for c in closed]))
            )
        ).scalars()
    }
    fresh = next(c for c in closed if c.id not in rated and c.received_at.day > 3)
    session.add(ClaimRating(claim_id=fresh.id, rating=1, channel="email", recorded_by="tests"))
    changed = next(iter(rated.values()))
    changed.rating = 5 if changed.rating != 5 else 2
    await session.commit()
    changed_claim = next(c for c in made if c.id == changed.claim_id)
    local = reports.ZoneInfo("Europe/Riga")
    assert {m for m, (d, _) in (await month_rows(session, year)).items() if d} == {
        date(year, fresh.received_at.astimezone(local).month, 1),
        date(year, changed_claim.received_at.astimezone(local).month, 1),
    }
    rolled, live = await both(session, settings, **whole)
    assert rolled == live
    assert live["satisfaction"]["rated"] > 0

    # The worker's refresh brings exactly the changed months back; the report stays equal.
    stale = await rollups.stale_months(session, settings=settings, now=NOW)
    await session.commit()
    changed = {m for m, (d, _) in (await month_rows(session, year)).items() if d}
    assert changed <= set(stale)
    await rollups.refresh_months(session, settings=settings, months=sorted(changed), now=NOW)
    assert not any(d for d, _ in (await month_rows(session, year)).values())
    rolled, live = await both(session, settings, **whole)
    assert rolled == live
    assert (await planned(session, settings, date(year, 1, 1), date(year, 12, 31))).remainder == ()


async def test_an_update_that_changes_nothing_the_summary_reads_logs_nothing(session, settings):
    year = 1983
    _, made = await seed_year(session, year, per_month=3, seed=5)
    await refresh(session, settings, year)
    await session.execute(update(Claim).where(Claim.id == made[4].id).values(title="renamed"))
    await session.commit()
    assert not any(d for d, _ in (await month_rows(session, year)).values())


async def test_rows_of_another_zone_are_ignored_and_recomputed(session, settings):
    year = 1984
    await seed_year(session, year, per_month=6, seed=3)
    await refresh(session, settings, year)
    utc = settings.model_copy(update={"timezone": "UTC"})
    whole = {"received_from": date(year, 1, 1), "received_to": date(year, 12, 31)}
    assert await planned(session, utc, date(year, 1, 1), date(year, 12, 31)) is None
    rolled, live = await both(session, utc, **whole)
    assert rolled == live
    stale = await rollups.stale_months(session, settings=utc, now=NOW)
    await session.commit()
    assert set(months_of(year)) <= set(stale)
    await rollups.refresh_months(session, settings=utc, months=months_of(year), now=NOW)
    assert set((await month_rows(session, year)).values()) == {(False, "UTC")}
    rolled, live = await both(session, utc, **whole)
    assert rolled == live
    # and back: the Riga report no longer finds its rows
    assert await planned(session, settings, date(year, 1, 1), date(year, 12, 31)) is None
    await refresh(session, settings, year)


async def test_the_trigger_compares_instants_like_the_stored_claims(session, settings):
    """A claim at the first instant of a month logs that month, one a microsecond earlier the
    month before (SQLite compares the stored text); a claim of the current month (no row)
    logs nothing: registration writes nothing more than before."""
    year = 1985
    await seed_year(session, year, per_month=2, seed=1)
    await refresh(session, settings, year)
    customer = await make_customer(session)
    start, _ = rollups.month_bounds(date(year, 6, 1), reports.ZoneInfo("Europe/Riga"))
    await make_claim(session, customer=customer, received_at=start)
    await session.commit()
    assert {m for m, (d, _) in (await month_rows(session, year)).items() if d} == {date(year, 6, 1)}
    await refresh(session, settings, year)
    await make_claim(session, customer=customer, received_at=start - timedelta(microseconds=1))
    await session.commit()
    assert {m for m, (d, _) in (await month_rows(session, year)).items() if d} == {date(year, 5, 1)}
    await refresh(session, settings, year)

    before = (await session.execute(select(report_months).order_by(report_months.c.month))).all()
    entries = await change_entries(session)
    await make_claim(session, customer=customer, received_at=datetime.now(UTC))
    await session.commit()
    after = (await session.execute(select(report_months).order_by(report_months.c.month))).all()
    await session.commit()
    assert after == before
    assert await change_entries(session) == entries


async def test_refresh_rolls_sealed_months_only_in_bounded_rounds(session, settings):
    year = 1986
    await seed_year(session, year, per_month=2, seed=2)
    done = await rollups.refresh(session, settings=settings, now=NOW, max_months=3)
    assert done.months == 3 and done.left > 0
    # the month of NOW and the previous month within minutes of its end are never sealed
    just_after = datetime(2026, 10, 31, 22, 5, tzinfo=UTC)  # 00:05 on 1 November in Riga
    assert rollups.last_sealed(just_after, reports.ZoneInfo("Europe/Riga")) == date(2026, 9, 1)
    assert rollups.last_sealed(NOW, reports.ZoneInfo("Europe/Riga")) == date(2026, 10, 1)
    stale = await rollups.stale_months(session, settings=settings, now=NOW)
    await session.commit()
    assert max(stale) <= date(2026, 10, 1)
    counts = (
        await session.execute(
            select(report_month_counts.c.month).where(
                report_month_counts.c.month >= date(2026, 11, 1)
            )
        )
    ).all()
    await session.commit()
    assert counts == []


async def _seed_and_change_march(factory, settings, year: int, seed: int):
    """A rolled-up year and a claim of March; returns (march, claim)."""
    async with factory() as s:
        _, made = await seed_year(s, year, per_month=2, seed=seed)
        await refresh(s, settings, year)
        assert not any(d for d, _ in (await month_rows(s, year)).values())
    claim = next(
        c for c in made if c.received_at.astimezone(reports.ZoneInfo("Europe/Riga")).month == 3
    )
    return date(year, 3, 1), claim


async def test_a_change_committed_after_the_refresh_read_keeps_the_month_live(
    app, settings, is_postgres
):
    """The refresh's second transaction deletes the entries committed so far and reads the
    month's claims; a change that commits after that read keeps its entry, so the month is not
    used until the next refresh. On PostgreSQL the change does not wait for the refresh (no
    lock between them); on SQLite (one writer) it waits for the refresh's commit."""
    year = 1987
    factory = app.state.session_factory
    march, claim = await _seed_and_change_march(factory, settings, year, seed=4)
    async with factory() as s:
        await s.execute(update(Claim).where(Claim.id == claim.id).values(defect_cause="first"))
        await s.commit()
        assert (await month_rows(s, year))[march][0] is True

    async with factory() as refreshing, factory() as writer:
        # the refresh's (b) by hand: the entries committed so far go, the claims are read
        await refreshing.execute(
            delete(report_month_changes).where(report_month_changes.c.month == march)
        )
        read = await refreshing.execute(select(Claim.defect_cause).where(Claim.id == claim.id))
        assert read.scalar_one() == "first"

        async def change() -> None:
            await writer.execute(
                update(Claim).where(Claim.id == claim.id).values(defect_cause="second")
            )
            await writer.commit()

        task = asyncio.create_task(change())
        if is_postgres:
            await asyncio.wait_for(task, 10)  # committed while the refresh is still open
        await refreshing.commit()
        await asyncio.wait_for(task, 10)

    async with factory() as s:
        assert (await month_rows(s, year))[march][0] is True
        plan = await planned(s, settings, date(year, 1, 1), date(year, 12, 31))
        assert plan is not None and march not in plan.months and len(plan.months) == 11
        whole = {"received_from": date(year, 1, 1), "received_to": date(year, 12, 31)}
        rolled, live = await both(s, settings, **whole)
        assert rolled == live
        # the next refresh takes the change in and uses the month again
        await rollups.refresh_months(s, settings=settings, months=[march], now=NOW)
        assert (await month_rows(s, year))[march][0] is False
        rolled, live = await both(s, settings, **whole)
        assert rolled == live


async def test_writers_of_the_same_rolled_up_month_do_not_wait_for_each_other(
    app, settings, is_postgres
):
    if not is_postgres:
        pytest.skip("concurrent writers: PostgreSQL (SQLite runs one writer at a time)")
    year = 1989
    factory = app.state.session_factory
    async with factory() as s:
        _, made = await seed_year(s, year, per_month=3, seed=6)
        await refresh(s, settings, year)
    local = reports.ZoneInfo("Europe/Riga")
    first, second = [c for c in made if c.received_at.astimezone(local).month == 4][:2]
    async with factory() as one, factory() as two:
        await one.execute(update(Claim).where(Claim.id == first.id).values(defect_cause="one"))
        # `one` is still open: the second writer of April must not queue behind it
        await two.execute(text("SET LOCAL lock_timeout = '1s'"))
        await two.execute(update(Claim).where(Claim.id == second.id).values(defect_cause="two"))
        await two.commit()
        await one.commit()
    async with factory() as s:
        april = [e for e in await change_entries(s) if e[1] == date(year, 4, 1)]
        assert len(april) == 2


async def test_a_writer_open_when_the_month_row_is_written_makes_the_refresh_wait(
    app, settings, is_postgres
):
    """PostgreSQL: a transaction that changed a claim before the month's row existed logged
    nothing; the refresh waits for it, and leaves the month live if it stays open."""
    if not is_postgres:
        pytest.skip("SQLite runs one writer at a time: the row waits for the writer")
    year = 1990
    factory = app.state.session_factory
    async with factory() as s:
        _, made = await seed_year(s, year, per_month=2, seed=8)
    claim = next(
        c for c in made if c.received_at.astimezone(reports.ZoneInfo("Europe/Riga")).month == 3
    )
    march = date(year, 3, 1)
    zone = Zone("Europe/Riga")
    async with factory() as writer, factory() as s:
        await writer.execute(update(Claim).where(Claim.id == claim.id).values(defect_cause="late"))
        left = await rollups.refresh_month(
            s, month=march, settings=settings, zone=zone, now=NOW, wait_seconds=0.3
        )
        assert left is None
        assert (await month_rows(s, year))[march] == (True, "Europe/Riga")
        await writer.commit()
        assert (
            await rollups.refresh_month(s, month=march, settings=settings, zone=zone, now=NOW) == 2
        )
        assert (await month_rows(s, year))[march][0] is False
        whole = {"received_from": date(year, 3, 1), "received_to": date(year, 3, 31)}
        rolled, live = await both(s, settings, **whole)
        assert rolled == live
        assert live["by_defect_cause"] and any(r["key"] == "late" for r in live["by_defect_cause"])


def test_the_command_rolls_up_a_database_and_refuses_one_not_migrated(tmp_path):
    """`claims rollup-reports` as an operator runs it: on a migrated database it reports
    what it did; on a missing one it says to migrate, in one line."""
    from tests.integration.test_cli_startup import claims, one_line_error

    url = f"sqlite+aiosqlite:///{tmp_path / 'claims.db'}"
    assert claims("migrate", cwd=tmp_path, CLAIMS_DATABASE_URL=url).returncode == 0
    done = claims("rollup-reports", cwd=tmp_path, CLAIMS_DATABASE_URL=url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0 months refreshed (0 claims)"
    other = tmp_path / "other"
    other.mkdir()
    line = one_line_error(claims("rollup-reports", cwd=other), "rollup-reports")
    assert "run `claims migrate`" in line


async def test_the_worker_runs_the_refresh_on_its_setting(app, settings):
    from app.runner import make_worker, rollup_refresher

    factory = app.state.session_factory
    assert [every for every, _ in make_worker(factory, settings).chores] == [300.0]
    off = settings.model_copy(update={"report_rollup_seconds": 0})
    assert make_worker(factory, off).chores == []
    async with factory() as s:
        await seed_year(s, 1988, per_month=1, seed=9)
    done = await rollup_refresher(factory, settings, max_months=2)(NOW)
    assert done.months == 2
