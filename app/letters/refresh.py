"""Drafts that follow the record: a draft made before its facts existed picks them up.

The service-visit letter is drafted when the remedy is chosen, before the visit is scheduled;
the replacement offer before the replacement and its warranty are recorded. The action that
records the fact calls `refresh_drafts` in its own transaction (`app.workflow.letter_facts`
says which action refreshes which kinds).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.claims.audit import record_event
from app.enums import LetterKind, LetterState
from app.letters.kinds import normalize_fields
from app.letters.prefill import prefill
from app.letters.service import touch
from app.models.claims import Claim, ClaimEvent
from app.models.letters import Letter


async def _written_by_people(session: AsyncSession, claim_id: int, letter_id: int) -> set[str]:
    """The fields of a letter a person gave at drafting or edited since (from the audit)."""
    payloads = (
        await session.execute(
            select(col(ClaimEvent.payload)).where(
                col(ClaimEvent.claim_id) == claim_id,
                col(ClaimEvent.action).in_(("letter_drafted", "letter_edited")),
            )
        )
    ).scalars()
    return {
        name
        for payload in payloads
        if payload and payload.get("letter_id") == letter_id
        for name in payload.get("fields") or ()
    }


async def refresh_drafts(
    session: AsyncSession, *, claim: Claim, kinds: tuple[str, ...], actor: str
) -> list[int]:
    """Bring the claim's drafts of `kinds` up to date with what was just recorded.

    A draft made before its facts existed (the service-visit letter, drafted when the remedy
    is chosen and before the visit is scheduled) picks them up here. Only drafts: a letter in
    sign-off or issued is never touched. A field a person wrote (given at drafting or edited,
    as the audit trail records) is left alone; the others follow the record, so a rescheduled
    visit moves the date too. Flushes, never commits; returns the ids of the changed letters.
    """
    assert claim.id is not None  # a loaded claim
    drafts = (
        (
            await session.execute(
                select(Letter)
                .where(
                    col(Letter.claim_id) == claim.id,
                    col(Letter.kind).in_(kinds),
                    col(Letter.state) == LetterState.draft,
                )
                .order_by(col(Letter.id))
                .with_for_update()
            )
        )
        .scalars()
        .all()
    )
    changed = []
    for letter in drafts:
        kind = LetterKind(letter.kind)
        assert letter.id is not None
        known = await prefill(session, claim=claim, kind=kind, lang=letter.language)
        own = await _written_by_people(session, claim.id, letter.id)
        current = dict(letter.fields or {})
        updates = {
            name: value
            for name, value in known.items()
            if name not in own and current.get(name) != value
        }
        if not updates:
            continue
        merged = normalize_fields(kind, {**current, **updates})
        letter.fields = {name: value for name, value in merged.items() if value is not None}
        touch(letter)
        changed.append(letter.id)
        record_event(
            session,
            claim=claim,
            actor=actor,
            action="letter_refreshed",
            from_state=claim.state,
            to_state=claim.state,
            payload={"letter_id": letter.id, "kind": kind.value, "fields": sorted(updates)},
        )
    await session.flush()
    return changed
