"""Tasks (D3 containment, D5–D7 corrective and preventive actions) and evidence files.

A task or a file is a row of its own: it does not move the record's version, so adding one does
not need the record's If-Match. Each change is audited on the record and announced as
corrective_action.task_changed."""

from datetime import date
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.principal import Principal
from app.claims import attachments
from app.config import Settings
from app.corrective import records
from app.corrective.machine import EDITORS
from app.corrective.reading import task_read
from app.corrective.selection import invalid
from app.corrective.service import today
from app.enums import CorrectiveTaskKind, CorrectiveTaskStatus
from app.errors import Forbidden, NotFound
from app.models.corrective import (
    CorrectiveAction,
    CorrectiveFile,
    CorrectiveFileRead,
    CorrectiveTask,
    CorrectiveTaskCreate,
    CorrectiveTaskRead,
    CorrectiveTaskUpdate,
)
from app.models.types import utcnow

# The design department plans and carries out the fix and its prevention, not containment.
DESIGN_KINDS = frozenset({CorrectiveTaskKind.corrective, CorrectiveTaskKind.preventive})


def _check_kind(principal: Principal, kind: CorrectiveTaskKind) -> None:
    if not principal.has_any(EDITORS) and kind not in DESIGN_KINDS:
        raise Forbidden(
            f"The design role may add and change only corrective and preventive tasks, not {kind}.",
            fields=["kind"],
            required_roles=sorted(EDITORS),
        )


def _task_event(
    session: AsyncSession,
    ca: CorrectiveAction,
    task: CorrectiveTask,
    *,
    actor: str,
    action: str,
    changes: Any,
) -> None:
    records.audit(
        session, ca, actor=actor, action=action, payload={"task_id": task.id, "changes": changes}
    )
    records.event(
        session,
        ca,
        records.TASK_CHANGED,
        task_id=task.id,
        kind=str(task.kind),
        status=str(task.status),
    )


async def add_task(
    session: AsyncSession,
    *,
    number: str,
    data: CorrectiveTaskCreate,
    principal: Principal,
    settings: Settings,
) -> CorrectiveTaskRead:
    _check_kind(principal, data.kind)
    ca = await records.load(session, number, lock=True)
    records.check_editable(ca)
    assert ca.id is not None
    task = CorrectiveTask(corrective_action_id=ca.id, **data.model_dump())
    session.add(task)
    await session.flush()
    changes = {
        k: {"before": None, "after": records.plain(v)}
        for k, v in data.model_dump().items()
        if v is not None
    }
    _task_event(session, ca, task, actor=principal.name, action="task_added", changes=changes)
    await session.commit()
    return task_read(task, today(settings))


async def _file_ids(session: AsyncSession, ca_id: int) -> set[int]:
    rows = await session.execute(
        select(col(CorrectiveFile.id)).where(col(CorrectiveFile.corrective_action_id) == ca_id)
    )
    return set(rows.scalars())


def _done_values(values: dict[str, Any], task: CorrectiveTask, day: date) -> None:
    """`done` needs a done_on (by default today, or the one it had); any other status has none."""
    for name in ("status", "description"):
        if name in values and values[name] is None:
            raise invalid(f"body.{name}", "must not be null")
    status = values.get("status", task.status)
    if status == CorrectiveTaskStatus.done:
        kept = task.done_on if task.status == CorrectiveTaskStatus.done else None
        values["done_on"] = values.get("done_on") or kept or day
        if values["done_on"] > day:
            raise invalid("body.done_on", "must not be in the future")
    elif values.get("done_on") is not None:
        raise invalid("body.done_on", "only a done task has a done_on date")
    elif task.done_on is not None:
        values["done_on"] = None


async def update_task(
    session: AsyncSession,
    *,
    number: str,
    task_id: int,
    data: CorrectiveTaskUpdate,
    principal: Principal,
    settings: Settings,
) -> CorrectiveTaskRead:
    ca = await records.load(session, number, lock=True)
    task = await session.get(CorrectiveTask, task_id)
    if task is None or task.corrective_action_id != ca.id:
        raise NotFound(f"{number} has no task {task_id}.")
    _check_kind(principal, CorrectiveTaskKind(task.kind))
    records.check_editable(ca)
    assert ca.id is not None
    values = data.model_dump(exclude_unset=True)
    day = today(settings)
    _done_values(values, task, day)
    if values.get("evidence_file_ids") is None and "evidence_file_ids" in values:
        values["evidence_file_ids"] = []
    if values.get("evidence_file_ids"):
        known = await _file_ids(session, ca.id)
        for i, file_id in enumerate(values["evidence_file_ids"]):
            if file_id not in known:
                raise invalid(f"body.evidence_file_ids.{i}", f"{number} has no file {file_id}")
        values["evidence_file_ids"] = list(dict.fromkeys(values["evidence_file_ids"]))
    changes = records.assign(task, values)
    if changes:
        task.updated_at = utcnow()
        _task_event(session, ca, task, actor=principal.name, action="task_updated", changes=changes)
        await session.commit()
    return task_read(task, day)


async def add_file(
    session: AsyncSession,
    *,
    number: str,
    source: BinaryIO,
    filename: str,
    content_type: str,
    principal: Principal,
    settings: Settings,
) -> CorrectiveFileRead:
    """Checked and stored like a claim's attachment (type, content, size)."""
    ca = await records.load(session, number)
    records.check_editable(ca)
    assert ca.id is not None
    head = source.read(attachments.HEAD_BYTES)
    source.seek(0)
    base_type = attachments.check_content_type(content_type, head, settings)
    stored = await attachments.store_stream(source, settings)
    row = CorrectiveFile(
        corrective_action_id=ca.id,
        filename=attachments.stored_filename(filename),
        content_type=base_type,
        size=stored.size,
        sha256=stored.sha256,
        storage_key=stored.storage_key,
        uploaded_by=principal.name,
    )
    session.add(row)
    await session.flush()
    records.audit(
        session,
        ca,
        actor=principal.name,
        action="file_added",
        payload={"file_id": row.id, "filename": row.filename, "size": row.size},
    )
    records.event(
        session, ca, records.FILE_ADDED, file_id=row.id, filename=row.filename, sha256=row.sha256
    )
    await session.commit()
    return CorrectiveFileRead.model_validate(row, from_attributes=True)


async def get_file(session: AsyncSession, *, number: str, file_id: int) -> CorrectiveFile:
    ca = await records.load(session, number)
    found = await session.get(CorrectiveFile, file_id)
    if found is None or found.corrective_action_id != ca.id:
        raise NotFound(f"{number} has no file {file_id}.")
    return found
