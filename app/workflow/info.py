"""The machine described for people and clients: paths, OpenAPI texts, GET /api/v1/workflow."""

from dataclasses import asdict
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.claims.reading import get_claim
from app.enums import Action, ClaimState, Resolution, Role
from app.models.workflow.records import ClaimRecords
from app.models.workflow.responses import ActionInfo, TransitionInfo, WorkflowRead
from app.models.workflow_records import (
    ClaimProgress,
    DesignFinding,
    Dispute,
    InspectionAct,
    Referral,
    Replacement,
    ServiceJob,
)
from app.workflow.facts import FINAL_STATES, Guard
from app.workflow.machine import mermaid
from app.workflow.rules import DESCRIPTIONS, RULES


def action_path(action: Action) -> str:
    return "/api/v1/claims/{number}/" + action.value.replace("_", "-")


def describe_action(action: Action) -> tuple[str, str]:
    """(summary, description) for the action's endpoint, generated from the table."""
    lines = []
    for rule in (r for r in RULES if r.action is action):
        sources = ", ".join(f"`{s}`" for s in rule.sources)
        target = "stays" if rule.to is None else f"→ `{rule.to}`"
        line = f"- from {sources} {target}; roles: {', '.join(sorted(rule.roles))}"
        if rule.guards:
            line += "; when " + "; ".join(g.name for g in rule.guards)
        if rule.letter:
            line += f"; letter `{rule.letter}`"
        lines.append(line)
    description = (
        f"{DESCRIPTIONS[action]}\n\n{chr(10).join(lines)}\n\n"
        "Send `If-Match` with the claim's ETag. 409 when the state does not allow the action "
        "(the problem lists `allowed_actions`) or a condition is not met (`reasons`), "
        "403 for a role that may not take it, 412 for a stale version."
    )
    return DESCRIPTIONS[action].rstrip("."), description


@cache
def workflow_read() -> WorkflowRead:
    actions = []
    for action in Action:
        rules = [r for r in RULES if r.action is action]
        sources = list(dict.fromkeys(s for r in rules for s in r.sources))
        targets = list(dict.fromkeys(r.target(s) for r in rules for s in r.sources))
        actions.append(
            ActionInfo(
                name=action,
                path=action_path(action),
                description=DESCRIPTIONS[action],
                roles=sorted({role for r in rules for role in r.roles}),
                from_states=sources,
                leads_to=targets,
                letters=list(dict.fromkeys(r.letter for r in rules if r.letter)),
                guards=list(dict.fromkeys(g.name for r in rules for g in r.guards)),
            )
        )
    transitions = [
        TransitionInfo(
            action=r.action,
            from_state=s,
            to_state=r.target(s),
            roles=sorted(r.roles),
            guards=[g.name for g in r.guards],
            letter=r.letter,
        )
        for r in RULES
        for s in r.sources
    ]
    return WorkflowRead(
        states=list(ClaimState),
        final_states=sorted(FINAL_STATES),
        roles=list(Role),
        actions=actions,
        transitions=transitions,
        resolutions=list(Resolution),
        mermaid=mermaid(),
    )


async def claim_records(session: AsyncSession, *, number: str) -> ClaimRecords:
    """Everything the workflow's actions recorded on a claim, oldest first (one query a kind).

    Also the place for the letters to find an inspection act or a design finding to render.
    """
    from app.workflow.service import facts_for

    claim = await get_claim(session, number)
    lists: dict[str, list[Any]] = {}
    for name, model in (
        ("referrals", Referral),
        ("design_findings", DesignFinding),
        ("inspection_acts", InspectionAct),
        ("service_jobs", ServiceJob),
        ("replacements", Replacement),
        ("disputes", Dispute),
    ):
        rows = await session.execute(
            select(model).where(col(model.claim_id) == claim.id).order_by(col(model.id))
        )
        lists[name] = list(rows.scalars().all())
    progress = await session.get(ClaimProgress, claim.id)
    facts = {
        k: v for k, v in asdict(facts_for(claim, progress)).items() if k not in REQUEST_ONLY_FACTS
    }
    return ClaimRecords(
        number=claim.number, state=claim.state, version=claim.version, facts=facts, **lists
    )


REQUEST_ONLY_FACTS = {"field_visit_outcome", "resolution"}


def render_markdown() -> str:
    """docs/workflow.md: the diagram and the table, generated from the machine
    (`python -m app.workflow.info > docs/workflow.md`; a test keeps it current)."""
    lines = [
        "# The claim workflow",
        "",
        "Generated from `app/workflow/rules.py` by `python -m app.workflow.info`; do not edit.",
        "The same data is served at `GET /api/v1/workflow`.",
        "",
        "```mermaid",
        mermaid().rstrip(),
        "```",
        "",
        "## Actions",
        "",
        "Each is `POST` to its path with `If-Match: <the claim's ETag>`. A rule with conditions",
        "applies only when they hold; where an action has several rules, the first that holds wins.",
        "",
        "| action | path | roles | from → to | conditions | letter |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for rule in RULES:
        sources = ", ".join(f"`{s}`" for s in rule.sources)
        if len(rule.sources) == len(ClaimState) - len(FINAL_STATES):
            sources = "every open state"
        target = "(stays)" if rule.to is None else f"`{rule.to}`"
        lines.append(
            f"| `{rule.action}` | `{action_path(rule.action).removeprefix('/api/v1/claims')}` "
            f"| {', '.join(sorted(rule.roles))} | {sources} → {target} "
            f"| {', '.join(g.name for g in rule.guards) or '—'} "
            f"| {f'`{rule.letter}`' if rule.letter else '—'} |"
        )
    lines += ["", "## Conditions", "", "| name | refused with |", "| --- | --- |"]
    seen: dict[str, Guard] = {}
    for rule in RULES:
        for guard in rule.guards:
            seen.setdefault(guard.name, guard)
    for name, guard in sorted(seen.items()):
        message = guard.message if isinstance(guard.message, str) else "(depends on the resolution)"
        source = " (from the request body)" if guard.from_request else ""
        lines.append(f"| `{name}`{source} | {message} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render_markdown(), end="")
