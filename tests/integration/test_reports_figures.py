"""Every figure of the reports, computed by the database, against data whose answer is known.

Runs on SQLite and on PostgreSQL (CLAIMS_TEST_DATABASE_URL).
"""

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from app.reports import queries as q
from app.reports import service as reports
from tests.reports_data import (
    make_claim,
    make_customer,
    make_model,
    make_unit,
    open_session,
    tag,
)


@pytest.fixture
async def session(app):
    async for s in open_session(app):
        yield s


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
async def summary_data(session):
    """Five claims on one model in March 2003 (Riga time, UTC+2), one outside the period."""
    model = await make_model(session)
    cust = await make_customer(session)
    # received Mon 3 March: due (3 wd) Thu 6 March, deadline (5 wd) Mon 10 March.
    await make_claim(
        session,
        customer=cust,
        model=model,
        received_at=utc(2003, 3, 3, 8),
        channel="web",
        state="closed",
        resolution="repaired",
        cause="manufacturing_defect",
        acknowledged_at=utc(2003, 3, 3, 10),
        closed_at=utc(2003, 3, 13, 8),
    )
    # acknowledged 22:30 UTC on the due date = 00:30 the next day in Riga: late for 3 days.
    await make_claim(
        session,
        customer=cust,
        model=model,
        received_at=utc(2003, 3, 3, 9),
        channel="email",
        state="design_review",
        cause="manufacturing_defect",
        acknowledged_at=utc(2003, 3, 6, 22, 30),
    )
    # received Tue 4 March: due Fri 7, deadline Tue 11.
    await make_claim(
        session,
        customer=cust,
        model=model,
        received_at=utc(2003, 3, 4, 12),
        channel="email",
        state="closed",
        resolution="explained",
        cause="misuse",
        acknowledged_at=utc(2003, 3, 4, 16),
        closed_at=utc(2003, 3, 8, 12),
    )
    # received Wed 5 March: due Mon 10, deadline Wed 12. Never acknowledged.
    await make_claim(
        session,
        customer=cust,
        model=model,
        received_at=utc(2003, 3, 5, 7),
        channel="phone",
        state="new",
    )
    # acknowledged after both deadlines.
    await make_claim(
        session,
        customer=cust,
        model=model,
        received_at=utc(2003, 3, 5, 8),
        channel="web",
        state="awaiting_customer_info",
        acknowledged_at=utc(2003, 3, 14, 8),
    )
    # outside the period (April), same model.
    await make_claim(
        session,
        customer=cust,
        model=model,
        received_at=utc(2003, 4, 15, 8),
        channel="web",
        state="closed",
        resolution="withdrawn",
        acknowledged_at=utc(2003, 4, 15, 9),
        closed_at=utc(2003, 4, 16, 9),
    )
    await session.commit()
    return model.code


def rows(items):
    return [(r.key, r.claims) for r in items]


async def test_summary_figures(session, settings, summary_data):
    report = await reports.summary(
        session,
        settings=settings,
        received_from=date(2003, 3, 1),
        received_to=date(2003, 3, 31),
        product_model=summary_data,
    )
    assert report.total_claims == 5
    assert rows(report.by_state) == [
        ("closed", 2),
        ("awaiting_customer_info", 1),
        ("design_review", 1),
        ("new", 1),
    ]
    assert rows(report.by_channel) == [("email", 2), ("web", 2), ("phone", 1)]
    assert rows(report.by_product_model) == [(summary_data, 5)]
    assert rows(report.by_defect_cause) == [("manufacturing_defect", 2), (None, 2), ("misuse", 1)]
    assert rows(report.by_resolution) == [(None, 3), ("explained", 1), ("repaired", 1)]
    # acknowledge: 2, 4, 85.5, 216 hours. median = 4 + 0.5 * 81.5; p90 at rank 2.7.
    ack = report.time_to_acknowledge
    assert (ack.claims, ack.median_hours, ack.p90_hours) == (4, 44.75, 176.85)
    close = report.time_to_close  # 96 and 240 hours
    assert (close.claims, close.median_hours, close.p90_hours) == (2, 168.0, 225.6)
    within3 = report.acknowledged_within_3_working_days
    assert (within3.met, within3.missed, within3.pending, within3.share) == (2, 3, 0, 0.4)
    within5 = report.acknowledged_within_5_working_days
    assert (within5.met, within5.missed, within5.pending, within5.share) == (3, 2, 0, 0.6)


async def test_summary_pending_deadlines_and_filters(session, settings, summary_data):
    # On 11 March the unacknowledged claim is past its 3-day date, not past its 5-day one.
    report = await reports.summary(
        session,
        settings=settings,
        received_from=date(2003, 3, 1),
        received_to=date(2003, 3, 31),
        product_model=summary_data,
        now=utc(2003, 3, 11, 10),
    )
    assert report.as_of == date(2003, 3, 11)
    c3, c5 = report.acknowledged_within_3_working_days, report.acknowledged_within_5_working_days
    assert (c3.met, c3.missed, c3.pending) == (2, 3, 0)
    assert (c5.met, c5.missed, c5.pending, c5.share) == (3, 1, 1, 0.75)

    email = await reports.summary(
        session,
        settings=settings,
        received_from=date(2003, 3, 1),
        received_to=date(2003, 3, 31),
        product_model=summary_data,
        channel="email",
    )
    assert email.total_claims == 2
    assert (email.time_to_acknowledge.median_hours, email.time_to_close.claims) == (44.75, 1)

    one_day = await reports.summary(
        session,
        settings=settings,
        received_from=date(2003, 3, 4),
        received_to=date(2003, 3, 4),
        product_model=summary_data,
    )
    assert one_day.total_claims == 1
    assert one_day.time_to_close.median_hours == one_day.time_to_close.p90_hours == 96.0

    nothing = await reports.summary(
        session,
        settings=settings,
        received_from=date(2003, 5, 1),
        received_to=date(2003, 5, 31),
        product_model=summary_data,
    )
    assert nothing.total_claims == 0
    assert nothing.by_state == []
    assert nothing.time_to_acknowledge.median_hours is None
    assert nothing.acknowledged_within_3_working_days.share is None


async def test_portable_percentiles_equal_percentile_cont(session, is_postgres):
    """The window-function formulation SQLite uses gives PostgreSQL's percentile_cont."""
    if not is_postgres:
        pytest.skip("percentile_cont exists only on PostgreSQL")
    model = await make_model(session)
    cust = await make_customer(session)
    rnd = random.Random(7)
    for i in range(37):
        received = utc(2006, 2, 1) + timedelta(hours=i * 5)
        await make_claim(
            session,
            customer=cust,
            model=model,
            received_at=received,
            acknowledged_at=received + timedelta(minutes=rnd.randint(1, 9000)),
            closed_at=received + timedelta(minutes=rnd.randint(9000, 90000)) if i % 3 else None,
        )
    await session.commit()
    flt = q.ClaimFilter(product_model_code=model.code)
    native = (await session.execute(q.duration_percentiles(flt, portable=False))).all()
    portable = (await session.execute(q.duration_percentiles(flt, portable=True))).all()
    assert [r.metric for r in native] == [r.metric for r in portable] == ["acknowledge", "close"]
    for a, b in zip(native, portable, strict=True):
        assert a.claims == b.claims
        assert a.median == pytest.approx(b.median, abs=1e-6)
        assert a.p90 == pytest.approx(b.p90, abs=1e-6)


@pytest.fixture
async def recurring_data(session):
    """Claims received in May 2004 on two fresh models."""
    cust = await make_customer(session)
    a = await make_model(session, name="Pump A")
    b = await make_model(session, name="Boiler B")
    t = tag()
    numbers: dict[str, list[str]] = {"manufacturing": [], "misuse": []}

    async def claim(model, day, **kw):
        return await make_claim(
            session, customer=cust, model=model, received_at=utc(2004, 5, day, 9), **kw
        )

    for i, day in enumerate((3, 7, 12)):  # three units of one batch, serials <t>-1001..1003
        unit = await make_unit(session, a, f"{t}-100{i + 1}")
        c = await claim(a, day, unit=unit, cause="manufacturing_defect")
        numbers["manufacturing"].append(c.number)
    c = await claim(a, 20, reported_serial=f"{t}-2050", cause="manufacturing_defect")
    numbers["manufacturing"].append(c.number)
    for day in (4, 5):
        numbers["misuse"].append((await claim(a, day, cause="misuse")).number)
    await claim(a, 6, cause="design_defect")
    # outside the window: not counted
    await make_claim(
        session,
        customer=cust,
        model=a,
        received_at=utc(2004, 7, 1, 9),
        cause="manufacturing_defect",
    )
    # uncoded ("undetermined" is a placeholder, not a cause) and alike
    m1 = await claim(a, 8, cause="undetermined", description="Motor overheats and stops")
    m2 = await claim(a, 9, description="Motor overheats, then stops after 10 minutes")
    leaks = [
        await claim(b, 10, description="Pump leaks water at the shaft seal"),
        await claim(b, 11, description="Water leaks from the shaft seal of the pump"),
        await claim(b, 13, description="The shaft seal leaks water"),
    ]
    await claim(b, 14, description="Display shows error E4 after a power cut")
    # alike text on another model is not grouped with model B's leaks
    misuse = await claim(a, 15, cause="misuse", description="Pump leaks water at the shaft seal")
    numbers["misuse"].append(misuse.number)
    await session.commit()
    return {
        "a": a,
        "b": b,
        "tag": t,
        "numbers": numbers,
        "motor": [m1.number, m2.number],
        "leaks": [c.number for c in leaks],
    }


async def test_recurring_defects_by_cause_and_batch(session, settings, recurring_data):
    d = recurring_data
    report = await reports.recurring_defects(
        session,
        settings=settings,
        received_from=date(2004, 5, 1),
        received_to=date(2004, 5, 31),
        product_model=d["a"].code,
        threshold=3,
    )
    assert [(g.defect_cause, g.claims, g.systematic) for g in report.by_cause] == [
        ("manufacturing_defect", 4, True),
        ("misuse", 3, True),
    ]
    g = report.by_cause[0]
    assert g.product_model == d["a"].code and g.product_model_name == "Pump A"
    assert g.model_claims == 10  # 4 + 3 + 1 design + 2 uncoded, all in May
    assert g.share_of_model == 0.4
    assert g.claim_numbers == sorted(d["numbers"]["manufacturing"])
    assert (g.serial_min, g.serial_max) == (f"{d['tag']}-1001", f"{d['tag']}-2050")
    assert g.first_received_at == utc(2004, 5, 3, 9)
    assert g.last_received_at == utc(2004, 5, 20, 9)
    assert [(b.batch, b.claims, b.systematic, b.serial_min, b.serial_max) for b in g.batches] == [
        (f"{d['tag']}-1", 3, True, f"{d['tag']}-1001", f"{d['tag']}-1003")
    ]
    assert report.by_cause[1].claim_numbers == sorted(d["numbers"]["misuse"])
    assert report.by_cause[1].batches == []

    stricter = await reports.recurring_defects(
        session,
        settings=settings,
        received_from=date(2004, 5, 1),
        received_to=date(2004, 5, 31),
        product_model=d["a"].code,
        threshold=4,
        min_claims=4,
    )
    assert [(g.defect_cause, g.systematic) for g in stricter.by_cause] == [
        ("manufacturing_defect", True)
    ]
    assert stricter.by_cause[0].batches[0].systematic is False


async def test_alike_descriptions_group_without_a_cause(
    session, settings, recurring_data, is_postgres
):
    d = recurring_data
    report = await reports.recurring_defects(
        session,
        settings=settings,
        received_from=date(2004, 5, 1),
        received_to=date(2004, 5, 31),
        threshold=3,
    )
    similar = report.similar_descriptions
    assert similar.method == ("pg_trgm" if is_postgres else "token_jaccard")
    mine = [g for g in similar.groups if g.product_model in (d["a"].code, d["b"].code)]
    assert [(g.product_model, g.claim_numbers, g.systematic) for g in mine] == [
        (d["b"].code, d["leaks"], True),
        (d["a"].code, d["motor"], False),
    ]
    assert mine[0].sample_description == "Pump leaks water at the shaft seal"
    assert set(mine[0].common_terms) >= {"shaft", "seal", "leaks", "water"}
    assert mine[1].common_terms[:3] == ["motor", "overheats", "stops"]
    # min_claims=3 drops the pair
    bigger = await reports.recurring_defects(
        session,
        settings=settings,
        received_from=date(2004, 5, 1),
        received_to=date(2004, 5, 31),
        product_model=d["b"].code,
        min_claims=3,
    )
    assert [g.claim_numbers for g in bigger.similar_descriptions.groups] == [d["leaks"]]


async def test_grouping_sets_count_like_union_all(session, is_postgres, summary_data):
    """PostgreSQL counts the dimensions in one scan; SQLite's UNION ALL form agrees with it."""
    if not is_postgres:
        pytest.skip("GROUPING SETS is the PostgreSQL form")
    flt = q.ClaimFilter(product_model_code=summary_data)
    one_scan = (await session.execute(q.counts_by_dimension(flt, grouping_sets=True))).all()
    union = (await session.execute(q.counts_by_dimension(flt, grouping_sets=False))).all()
    assert sorted(map(tuple, one_scan), key=repr) == sorted(map(tuple, union), key=repr)
    assert ("defect_cause", None, 3) in [tuple(r) for r in one_scan]  # April too


async def test_compliance_uses_summer_time(session, settings):
    """Riga is UTC+3 in July: 21:30 UTC on the due date is already the next day there."""
    model = await make_model(session)
    cust = await make_customer(session)
    # received Mon 6 July 2009: due Thu 9 July, deadline Mon 13 July.
    await make_claim(
        session,
        customer=cust,
        model=model,
        received_at=utc(2009, 7, 6, 8),
        acknowledged_at=utc(2009, 7, 9, 21, 30),
    )  # 00:30 on 10 July in Riga
    await make_claim(
        session,
        customer=cust,
        model=model,
        received_at=utc(2009, 7, 6, 9),
        acknowledged_at=utc(2009, 7, 9, 20, 30),
    )  # 23:30 on 9 July in Riga
    await session.commit()
    report = await reports.summary(
        session,
        settings=settings,
        received_from=date(2009, 7, 1),
        received_to=date(2009, 7, 31),
        product_model=model.code,
    )
    c3 = report.acknowledged_within_3_working_days
    assert (c3.met, c3.missed, c3.share) == (1, 1, 0.5)
    assert report.acknowledged_within_5_working_days.share == 1.0
