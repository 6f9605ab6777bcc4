"""The corrective action's use cases: open, link claims, read, edit, take an action."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.principal import Principal
from app.claims.numbering import format_number, next_value
from app.config import Settings
from app.corrective import machine, problem, records, reporting, selection
from app.corrective.effectiveness import INSUFFICIENT, check_effectiveness
from app.corrective.machine import EDITORS, CorrectiveActionName, Facts
from app.corrective.reading import read_action
from app.enums import CorrectiveState, CorrectiveTaskKind, CorrectiveTaskStatus
from app.errors import Conflict, Forbidden
from app.models.corrective import (
    CorrectiveAction,
    CorrectiveActionBody,
    CorrectiveActionClaim,
    CorrectiveActionCreate,
    CorrectiveActionRead,
    CorrectiveActionUpdate,
    CorrectiveEvent,
    CorrectiveEventRead,
    CorrectiveTask,
)
from app.models.types import utcnow
from app.workdays import local_date

COUNTER = "corrective_action"
# What the design department may change: the root cause (D4).
DESIGN_FIELDS = frozenset(
    {"root_cause_whys", "root_cause_category", "root_cause", "purchased_component"}
)
# Lists that null empties (the columns are not nullable).
EMPTIED_BY_NULL: dict[str, list[Any]] = {"team": [], "root_cause_whys": []}


def today(settings: Settings) -> date:
    return local_date(datetime.now(UTC), settings)


async def _link(
    session: AsyncSession, ca: CorrectiveAction, claim_ids: list[int], *, actor: str
) -> list[int]:
    assert ca.id is not None
    linked = await selection.linked_claim_ids(session, ca.id)
    new = [i for i in claim_ids if i not in linked]
    if new:
        now = utcnow()
        await session.execute(
            insert(CorrectiveActionClaim),
            [
                {"corrective_action_id": ca.id, "claim_id": i, "linked_by": actor, "linked_at": now}
                for i in new
            ],
        )
    return new


async def refresh_problem(session: AsyncSession, ca: CorrectiveAction, settings: Settings) -> None:
    """D2 from every linked claim; the model too when the record was not opened for one."""
    assert ca.id is not None
    facts, model_ids = await selection.claim_facts(session, ca.id)
    ca.problem = problem.build(
        facts, zone=settings.timezone, batch_suffix=settings.reports_batch_serial_suffix
    )
    source_kind = (ca.source or {}).get("kind")
    if source_kind not in ("model", "batch"):
        code = problem.main_model(ca.problem)
        ca.product_model_id = model_ids.get(code) if code else None


async def open_action(
    session: AsyncSession,
    *,
    data: CorrectiveActionCreate,
    principal: Principal,
    settings: Settings,
) -> CorrectiveActionRead:
    if data.group is not None:
        chosen = await selection.select_group(session, data.group, settings=settings)
    else:
        assert data.claim_numbers is not None
        ids = await selection.claims_by_numbers(session, data.claim_numbers)
        chosen = selection.Selection(ids, {"kind": "claims"})
    year = today(settings).year
    seq = await next_value(session, name=COUNTER, year=year)
    ca = CorrectiveAction(
        number=format_number("CA", year, seq),
        year=year,
        seq=seq,
        title=data.title or "",
        owner=data.owner or principal.name,
        product_model_id=chosen.product_model_id,
        batch=chosen.batch,
        source=chosen.source,
        team=[m.model_dump() for m in data.team],
        problem_statement=data.problem_statement,
        created_by=principal.name,
    )
    session.add(ca)
    await session.flush()
    await _link(session, ca, chosen.claim_ids, actor=principal.name)
    await refresh_problem(session, ca, settings)
    if not ca.title:
        # The record has no language of its own: its title is in the company's letter
        # language, the one its 8D report and memo to production default to.
        ca.title = problem.default_title(
            ca.problem,
            cause=chosen.cause,
            batch=chosen.batch,
            lang=reporting.default_language(settings),
        )
    records.audit(
        session,
        ca,
        actor=principal.name,
        action="opened",
        payload={"source": ca.source, "claims": ca.problem.get("claims", 0), "title": ca.title},
    )
    records.event(session, ca, records.OPENED, title=ca.title, source=ca.source)
    await session.commit()
    return await read_action(session, ca, principal=principal, settings=settings)


async def link_claims(
    session: AsyncSession,
    *,
    number: str,
    claim_numbers: list[str],
    principal: Principal,
    settings: Settings,
) -> CorrectiveActionRead:
    """Links the claims not linked yet (a claim linked already is no change) and refreshes D2."""
    ca = await records.load(session, number, lock=True)
    records.check_editable(ca)
    ids = await selection.claims_by_numbers(session, claim_numbers)
    new = await _link(session, ca, ids, actor=principal.name)
    if new:
        await refresh_problem(session, ca, settings)
        records.touch(ca)
        by_id = dict(zip(ids, list(dict.fromkeys(claim_numbers)), strict=True))
        linked = [by_id[i] for i in new]
        records.audit(
            session, ca, actor=principal.name, action="claims_linked", payload={"claims": linked}
        )
        records.event(session, ca, records.CLAIMS_LINKED, claims=linked)
        await session.commit()
    return await read_action(session, ca, principal=principal, settings=settings)


def _refuse_fields(principal: Principal, fields: set[str]) -> None:
    if principal.has_any(EDITORS):
        return
    refused = sorted(fields - DESIGN_FIELDS)
    if refused:
        raise Forbidden(
            "The design role may change only the root cause ("
            + ", ".join(sorted(DESIGN_FIELDS))
            + "); not: "
            + ", ".join(refused),
            fields=refused,
            required_roles=sorted(EDITORS),
        )


async def update_action(
    session: AsyncSession,
    *,
    number: str,
    data: CorrectiveActionUpdate,
    expected_version: int,
    principal: Principal,
    settings: Settings,
) -> CorrectiveActionRead:
    values = data.model_dump(exclude_unset=True)
    _refuse_fields(principal, set(values))
    if data.team is not None:
        # Every member with all three keys, also the ones a client left out.
        values["team"] = [member.model_dump() for member in data.team]
    if "title" in values and values["title"] is None:
        raise selection.invalid("body.title", "must not be null")
    for name, empty in EMPTIED_BY_NULL.items():
        if name in values and values[name] is None:
            values[name] = list(empty)
    fix_on = values.get("fix_effective_on")
    if fix_on is not None and fix_on > today(settings):
        raise selection.invalid("body.fix_effective_on", "must not be in the future")
    ca = await records.load(session, number, lock=True)
    records.stale(number, ca.version, expected_version)
    records.check_editable(ca)
    changes = records.assign(ca, values)
    if changes:
        records.touch(ca)
        records.audit(
            session, ca, actor=principal.name, action="updated", payload={"changes": changes}
        )
        records.updated(session, ca, fields=sorted(changes))
        await session.commit()
    return await read_action(session, ca, principal=principal, settings=settings)


async def _facts(
    session: AsyncSession,
    ca: CorrectiveAction,
    *,
    body: CorrectiveActionBody,
    principal: Principal,
    settings: Settings,
) -> Facts:
    assert ca.id is not None
    claims = (
        await session.execute(
            select(func.count()).where(col(CorrectiveActionClaim.corrective_action_id) == ca.id)
        )
    ).scalar_one()
    open_tasks = (
        await session.execute(
            select(func.count()).where(
                col(CorrectiveTask.corrective_action_id) == ca.id,
                col(CorrectiveTask.kind) == CorrectiveTaskKind.corrective,
                col(CorrectiveTask.status).not_in(
                    [CorrectiveTaskStatus.done, CorrectiveTaskStatus.cancelled]
                ),
            )
        )
    ).scalar_one()
    return Facts(
        team_size=len(ca.team or []),
        claims=claims,
        root_cause=bool((ca.root_cause or "").strip()),
        root_cause_category=ca.root_cause_category is not None,
        fix_effective_on=ca.fix_effective_on,
        open_corrective_tasks=open_tasks,
        closure_summary=bool((ca.closure_summary or "").strip()),
        effectiveness_due_on=ca.effectiveness_due_on,
        today=today(settings),
        early=body.early,
        reason=bool((body.reason or "").strip()),
        roles=principal.roles,
    )


async def take_action(
    session: AsyncSession,
    *,
    number: str,
    action: CorrectiveActionName,
    body: CorrectiveActionBody,
    expected_version: int,
    principal: Principal,
    settings: Settings,
) -> CorrectiveActionRead:
    ca = await records.load(session, number, lock=True)
    records.stale(number, ca.version, expected_version)
    facts = await _facts(session, ca, body=body, principal=principal, settings=settings)
    machine.check(action, CorrectiveState(ca.state), facts)
    A = CorrectiveActionName
    actor = principal.name
    if action is A.check_effectiveness:
        result = await check_effectiveness(
            session, ca, today=today(settings), actor=actor, settings=settings
        )
        await session.commit()
        if result["result"] == INSUFFICIENT:
            raise Conflict(
                "Not enough data to judge the fix: no units of the model (or batch) were sold "
                "in one of the windows, so a claim rate cannot be computed. The figures are "
                "stored; the record stays verifying.",
                effectiveness=result,
            )
        return await read_action(session, ca, principal=principal, settings=settings)
    payload: dict[str, Any] | None = None
    target = machine.MOVES[action].targets[0]
    if action is A.record_fix:
        assert ca.fix_effective_on is not None
        ca.effectiveness_due_on = ca.fix_effective_on + timedelta(
            days=settings.corrective_effectiveness_days
        )
        payload = {"effectiveness_due_on": ca.effectiveness_due_on.isoformat()}
    elif action is A.close:
        ca.closed_at, ca.closed_by = utcnow(), actor
    elif action is A.cancel:
        payload = {"reason": body.reason}
    records.move(session, ca, target, actor=actor, action=action.value, payload=payload)
    await session.commit()
    return await read_action(session, ca, principal=principal, settings=settings)


async def read(
    session: AsyncSession, *, number: str, principal: Principal, settings: Settings
) -> CorrectiveActionRead:
    ca = await records.load(session, number)
    return await read_action(session, ca, principal=principal, settings=settings)


async def events(session: AsyncSession, number: str) -> list[CorrectiveEventRead]:
    ca = await records.load(session, number)
    rows = await session.execute(
        select(CorrectiveEvent)
        .where(col(CorrectiveEvent.corrective_action_id) == ca.id)
        .order_by(col(CorrectiveEvent.id))
    )
    return [CorrectiveEventRead.model_validate(e, from_attributes=True) for e in rows.scalars()]
