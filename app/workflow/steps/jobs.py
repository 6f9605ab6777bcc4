"""The service centre's jobs on a claim (field visits, returns, repairs): the latest of a kind,
updated while it is open, else a new one."""

from typing import Any

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.types import utcnow
from app.models.workflow_records import (
    JobKind,
    JobStatus,
    ServiceJob,
)
from app.workflow.steps.context import StepContext


async def latest_job(session: AsyncSession, claim_id: int, kind: JobKind) -> ServiceJob | None:
    return (
        await session.execute(
            select(ServiceJob)
            .where(col(ServiceJob.claim_id) == claim_id, col(ServiceJob.kind) == kind)
            .order_by(col(ServiceJob.id).desc())
            .limit(1)
        )
    ).scalar_one_or_none()


def new_job(ctx: StepContext, kind: JobKind, status: JobStatus, **values: Any) -> ServiceJob:
    assert ctx.claim.id is not None  # a loaded claim
    job = ServiceJob(
        claim_id=ctx.claim.id,
        kind=kind,
        status=status,
        created_by=ctx.principal.name,
        **values,
    )
    ctx.session.add(job)
    return job


async def update_or_start_job(
    ctx: StepContext, kind: JobKind, status: JobStatus, *, open_in: set[str], **values: Any
) -> int | None:
    """Update the claim's latest job of `kind` if its status is in `open_in`, else start one."""
    assert ctx.claim.id is not None  # a loaded claim
    job = await latest_job(ctx.session, ctx.claim.id, kind)
    if job is None or job.status not in open_in:
        job = new_job(ctx, kind, status, **values)
    else:
        job.status = status
        details = {**job.details, **values.pop("details", {})}
        for name, value in values.items():
            setattr(job, name, value)
        job.details = details
        job.updated_at = utcnow()
    await ctx.session.flush()
    return job.id
