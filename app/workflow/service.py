"""Workflow use cases: take an action on a claim in one transaction, list what a caller may do.

`machine.py` decides; this module loads the claim (locked), checks its version, asks the
machine, lets the action's step write its records (`steps/`), moves the claim, tells the state
observers (the SLA clock), writes the audit event and the `claim.state_changed` outbox row and
the letter's draft, then commits.
"""

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.principal import Principal
from app.claims.audit import record_event
from app.claims.changes import followed, notify_claim_changed
from app.claims.reading import load_bundle
from app.config import Settings
from app.enums import Action, ClaimState, CostBearer, DefectCause, RemedyKind, WarrantyStatus
from app.errors import Conflict, DomainError, Forbidden, PreconditionFailed
from app.events.outbox import enqueue
from app.letters.refresh import refresh_drafts
from app.letters.service import create_draft
from app.models.claims import Claim
from app.models.types import utcnow
from app.models.workflow.base import ActionBody
from app.models.workflow.responses import ActionResult
from app.models.workflow_records import PROGRESS_FLAGS, ClaimProgress, Referral, ReferralStatus
from app.workdays import local_date, today
from app.workflow.facts import ClaimFacts
from app.workflow.letter_facts import REFRESHES, action_facts
from app.workflow.machine import (
    GuardFailed,
    RoleNotAllowed,
    Transition,
    TransitionNotAllowed,
    WorkflowError,
    allowed_actions,
    apply,
)
from app.workflow.rules import ACTION_ROLES
from app.workflow.steps import STEPS, StepContext

STATE_CHANGED = "claim.state_changed"


class StateObserver(Protocol):
    """Follows a claim's state inside the transaction that changes it; never commits."""

    def __call__(
        self,
        session: AsyncSession,
        *,
        claim: Claim,
        to_state: str,
        settings: Settings,
        now: datetime,
    ) -> Awaitable[object]: ...


_observers: dict[str, StateObserver] = {}


def observe_state_changes(name: str, observer: StateObserver) -> None:
    """Subscribe `observer` to every action's state change (again under `name`: replaced).

    The SLA clock pauses while the customer is awaited, in the action's own transaction. It
    lives above the workflow (it reads the workflow's states; the workflow must not import it),
    so the app wires it here at start-up (`app.main.create_app`). A change made without it is
    still caught up by the SLA sweep.
    """
    _observers[name] = observer


async def notify_state_observers(
    session: AsyncSession, *, claim: Claim, settings: Settings
) -> None:
    """Tell the observers the claim's new state, in the transaction that changed it: every
    path that moves a claim calls this (an action, a customer's message that resumes it)."""
    for observer in _observers.values():
        await observer(
            session, claim=claim, to_state=claim.state, settings=settings, now=claim.updated_at
        )


class ActionNotAllowed(Conflict):
    type_slug, title = "action-not-allowed", "Action not allowed in this state"


class ActionGuardFailed(Conflict):
    type_slug, title = "action-precondition-failed", "Action not possible yet"


class ActionForbidden(Forbidden):
    type_slug, title = "action-forbidden", "Action not allowed for your role"


def to_domain_error(exc: WorkflowError) -> DomainError:
    if isinstance(exc, TransitionNotAllowed):
        return ActionNotAllowed(exc.message, state=exc.state, allowed_actions=list(exc.allowed))
    if isinstance(exc, RoleNotAllowed):
        return ActionForbidden(exc.message, required_roles=sorted(exc.allowed_roles))
    assert isinstance(exc, GuardFailed)
    return ActionGuardFailed(exc.message, state=exc.state, reasons=exc.reasons)


assert set(PROGRESS_FLAGS) <= set(ClaimFacts.__dataclass_fields__)


def facts_for(claim: Claim, progress: ClaimProgress | None) -> ClaimFacts:
    """The workflow's view of a claim: its columns plus its progress row."""
    p = progress or ClaimProgress(claim_id=claim.id or 0)
    cause = DefectCause(claim.defect_cause) if claim.defect_cause else None
    return ClaimFacts(
        warranty_status=WarrantyStatus(claim.warranty_status) if claim.warranty_status else None,
        paid_repair_offered=p.paid_repair_offered,
        payment_guarantee_received=p.payment_guarantee_received,
        # A claim waits for information with the cause `needs_info` exactly when the question
        # came up in design review, so the answer resumes the review (see `request_info`).
        referral_open=cause is DefectCause.needs_info,
        design_cause=cause,
        has_recommendations=p.has_recommendations,
        remedy_kind=RemedyKind(p.remedy_kind) if p.remedy_kind else None,
        field_visit_scheduled=p.field_visit_scheduled,
        has_inspection_act=p.has_inspection_act,
        cost_bearer=CostBearer(claim.cost_bearer) if claim.cost_bearer else None,
        repair_done=p.repair_done,
        unit_returned=p.unit_returned,
        replacement_recorded=p.replacement_recorded,
        replacement_shipped=p.replacement_shipped,
        substitute_out=p.substitute_out,
    )


def allowed_on_new(principal: Principal) -> Callable[[Claim], list[str]]:
    """The actions `principal` may take on a claim being registered (no progress yet), for
    the registration's response to list what `GET` will."""

    def allowed(claim: Claim) -> list[str]:
        facts = facts_for(claim, None)
        return [a.value for a in allowed_actions(ClaimState(claim.state), principal.roles, facts)]

    return allowed


async def allowed_for(session: AsyncSession, claim: Claim, principal: Principal) -> list[str]:
    """The actions `principal` may take on `claim` now (one primary-key lookup)."""
    progress = await session.get(ClaimProgress, claim.id)
    facts = facts_for(claim, progress)
    return [a.value for a in allowed_actions(ClaimState(claim.state), principal.roles, facts)]


def check_role(action: Action, principal: Principal) -> None:
    """403 for a caller whose roles may never take `action`, whatever the claim."""
    if not principal.has_any(ACTION_ROLES[action]):
        raise to_domain_error(RoleNotAllowed(action, principal.roles, ACTION_ROLES[action]))


async def take_action(
    session: AsyncSession,
    *,
    number: str,
    action: Action,
    body: ActionBody,
    expected_version: int,
    principal: Principal,
    settings: Settings,
) -> ActionResult:
    check_role(action, principal)  # refuse before locking anything
    bundle = await load_bundle(session, number, for_update=True)
    claim = bundle.claim
    if claim.version != expected_version:
        raise PreconditionFailed(
            f"Claim {number} is at version {claim.version}, not {expected_version}: "
            "read it again and retry if the action still makes sense.",
            current_version=claim.version,
        )
    assert claim.id is not None  # a loaded claim
    progress = await session.get(ClaimProgress, claim.id)
    if progress is None:
        progress = ClaimProgress(claim_id=claim.id)
        session.add(progress)
    facts = replace(facts_for(claim, progress), **body.request_facts())
    try:
        transition = apply(ClaimState(claim.state), action, principal.roles, facts)
    except WorkflowError as exc:
        raise to_domain_error(exc) from None

    ctx = StepContext(
        session,
        claim,
        bundle.unit,
        bundle.model,
        progress,
        principal,
        transition,
        today=today(settings),
        received_on=local_date(claim.received_at, settings),
    )
    before = followed(claim)
    record_id = await STEPS[action](ctx, body)
    await _move(session, claim, progress, transition)
    await notify_state_observers(session, claim=claim, settings=settings)
    # A step may correct the serial or model (check-warranty): D2 follows (app/claims/changes.py).
    await notify_claim_changed(
        session, claim=claim, before=before, actor=principal.name, settings=settings
    )
    payload: dict[str, Any] = {"body": body.model_dump(mode="json", exclude_none=True)}
    if transition.letter:
        payload["letter"] = transition.letter.value
    if record_id is not None:
        payload["record_id"] = record_id
    record_transition(
        session, claim=claim, transition=transition, actor=principal.name, payload=payload
    )
    letter_id = None
    if transition.letter:
        # The letter the action calls for starts as a draft, prefilled from what was just recorded.
        draft = await create_draft(
            session,
            claim=claim,
            kind=transition.letter.value,
            actor=principal.name,
            facts=action_facts(action, body),
            settings=settings,
        )
        letter_id = draft.id
    if action in REFRESHES:
        await refresh_drafts(session, claim=claim, kinds=REFRESHES[action], actor=principal.name)
    await session.commit()
    return ActionResult(
        number=claim.number,
        action=action,
        from_state=transition.from_state,
        state=transition.to_state,
        version=claim.version,
        letter=transition.letter,
        resolution=transition.resolution,
        allowed_actions=allowed_actions(
            transition.to_state, principal.roles, facts_for(claim, progress)
        ),
        record_id=record_id,
        letter_id=letter_id,
    )


async def _move(
    session: AsyncSession, claim: Claim, progress: ClaimProgress, transition: Transition
) -> None:
    now = utcnow()
    claim.state = transition.to_state
    claim.version += 1
    claim.updated_at = progress.updated_at = now
    if transition.closes:
        claim.resolution = transition.resolution.value if transition.resolution else None
        claim.closed_at = now
        await session.execute(
            update(Referral)
            .where(col(Referral.claim_id) == claim.id, col(Referral.status) == ReferralStatus.open)
            .values(status=ReferralStatus.cancelled)
        )
    elif transition.reopens:
        claim.resolution = None
        claim.closed_at = None
        claim.cost_bearer = None
        progress.reset()


def record_transition(
    session: AsyncSession,
    *,
    claim: Claim,
    transition: Transition,
    actor: str,
    payload: dict[str, Any],
) -> None:
    record_event(
        session,
        claim=claim,
        actor=actor,
        action=transition.action.value,
        from_state=transition.from_state.value,
        to_state=transition.to_state.value,
        payload=payload,
    )
    enqueue(
        session,
        event_type=STATE_CHANGED,
        claim_id=claim.id,
        data={
            "number": claim.number,
            "action": transition.action.value,
            "from_state": transition.from_state.value,
            "to_state": transition.to_state.value,
            "version": claim.version,
            "letter": transition.letter.value if transition.letter else None,
            "resolution": transition.resolution.value if transition.resolution else None,
            "actor": actor,
        },
    )
