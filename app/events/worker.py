"""The outbox worker: claims due rows, fans them out, retries with backoff, marks dead.

A row is *claimed* by moving its ``available_at`` one lease into the future and
incrementing ``attempts`` in a short transaction (on PostgreSQL under
``FOR UPDATE SKIP LOCKED``, so concurrent workers take different rows; on
SQLite the write lock taken at BEGIN serialises claims). The network calls run
with no transaction open. The result is written back only while ``attempts``
still equals the value we set: it is the lease's fencing token, so a worker
that lost its lease (it stalled past it and another worker took the row) does
not overwrite the newer holder's outcome. A worker killed mid-delivery simply
lets its lease run out; the row becomes due again and nothing is lost
(delivery is at least once; receivers deduplicate on the event id).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import httpx
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from app.config import Settings
from app.db import SessionFactory
from app.events import delivery as http
from app.events.backoff import Backoff
from app.events.outbound import OutboundPolicy, Refused
from app.metrics import DELIVERY_FAILURES
from app.models.events import EMAIL_EVENT_TYPES, Delivery, DeliveryAttempt, WebhookSubscription
from app.models.system import OutboxEvent
from app.models.types import utcnow

log = logging.getLogger("app.events.worker")

Clock = Callable[[], datetime]


class EmailOutcome(Protocol):
    """Told, in the worker's transaction, when an event's email reached its end: accepted by
    the gateway (with its id) or failed for good (refused, or the retries ran out). The
    letters package subscribes (`runner.make_worker`): a letter is `sent` only then."""

    def __call__(
        self,
        session: Any,
        *,
        event_id: str,
        payload: dict[str, Any],
        accepted: bool,
        gateway_id: str | None,
        error: str | None,
    ) -> Awaitable[None]: ...


@dataclass(frozen=True)
class WorkerConfig:
    batch_size: int = 20
    lease: timedelta = timedelta(seconds=120)
    poll_seconds: float = 2.0
    sla_sweep_seconds: float = 60.0
    backoff: Backoff = field(default_factory=Backoff)
    webhook_timeout: float = 10.0
    email_gateway_url: str | None = None
    email_gateway_token: str | None = None
    email_gateway_username: str | None = None
    email_gateway_password: str | None = None
    email_from: str = "claims@example.com"
    message_id_domain: str = "claims.example"
    storage_dir: Path | None = None  # where attachments given by storage_key are read
    concurrency: int = 8
    # Checked before every attempt: a name that resolved to a public address yesterday may
    # resolve to 127.0.0.1 today.
    outbound: OutboundPolicy = field(default_factory=OutboundPolicy)

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkerConfig:
        def secret(value: Any) -> str | None:
            return value.get_secret_value() if value is not None else None

        return cls(
            batch_size=settings.worker_batch_size,
            lease=timedelta(seconds=settings.worker_lease_seconds),
            poll_seconds=settings.worker_poll_seconds,
            sla_sweep_seconds=settings.sla_sweep_seconds,
            backoff=Backoff(
                base_seconds=settings.outbox_backoff_base_seconds,
                cap_seconds=settings.outbox_backoff_cap_seconds,
                max_attempts=settings.outbox_max_attempts,
            ),
            webhook_timeout=settings.webhook_timeout_seconds,
            email_gateway_url=settings.email_gateway_url,
            email_gateway_token=secret(settings.email_gateway_token),
            email_gateway_username=settings.email_gateway_username,
            email_gateway_password=secret(settings.email_gateway_password),
            email_from=settings.email_from,
            message_id_domain=settings.email_message_id_domain,
            storage_dir=settings.storage_dir,
            outbound=OutboundPolicy.from_settings(settings),
        )


@dataclass(frozen=True)
class Claimed:
    id: int
    event_id: str
    type: str
    payload: dict[str, Any]
    created_at: datetime
    token: int  # the attempts value we set: the lease's fencing token


@dataclass
class Target:
    delivery_id: int
    kind: str  # "webhook" | "email"
    url: str
    secret: str | None = None
    message: dict[str, Any] | None = None


class Worker:
    def __init__(
        self,
        factory: SessionFactory,
        config: WorkerConfig,
        *,
        clock: Clock = utcnow,
        sla_sweep: Callable[[datetime], Any] | None = None,
        on_email_outcome: EmailOutcome | None = None,
        chores: Sequence[tuple[float, Callable[[datetime], Any]]] = (),
    ) -> None:
        self.factory = factory
        self.config = config
        self.clock = clock
        self.sla_sweep = sla_sweep
        # Further periodic work (every so many seconds; 0 or less: never), such as the report
        # rollups: the layers above hand it in, as they do the SLA sweep.
        self.chores = [(every, chore) for every, chore in chores if every > 0]
        self.on_email_outcome = on_email_outcome
        self.name = f"worker-{secrets.token_hex(3)}"
        self._http: httpx.AsyncClient | None = None

    async def __aenter__(self) -> Worker:
        timeout = httpx.Timeout(
            self.config.webhook_timeout, connect=min(5.0, self.config.webhook_timeout)
        )
        self._http = httpx.AsyncClient(timeout=timeout, follow_redirects=False)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    @property
    def http_client(self) -> httpx.AsyncClient:
        if self._http is None:
            raise RuntimeError("use the worker as `async with Worker(...) as w`")
        return self._http

    # ---- the loop ------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set; run the SLA sweep every ``sla_sweep_seconds`` and each
        chore as a task of its own beside the delivery loop (a refresh of the report rollups
        takes seconds: delivery does not wait for it)."""
        chores = [
            asyncio.create_task(self._chore(every, chore, stop), name=f"{self.name}-chore-{i}")
            for i, (every, chore) in enumerate(self.chores)
        ]
        try:
            await self._deliver(stop)
        finally:
            # A chore cut short loses at most its open transaction: a rollup month still has
            # its change entry and is refreshed next time.
            for task in chores:
                task.cancel()
            await asyncio.gather(*chores, return_exceptions=True)

    async def _chore(
        self, every: float, chore: Callable[[datetime], Any], stop: asyncio.Event
    ) -> None:
        """Run ``chore`` every ``every`` seconds, one run at a time: a run that takes longer
        than the period is followed by the next at once, never overlapped. A failure is logged
        and the chore runs again a period later."""
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            started = loop.time()
            try:
                await chore(self.clock())
            except Exception:
                name = getattr(chore, "__qualname__", repr(chore))
                log.exception("worker chore %s failed", name, extra={"worker": self.name})
            pause = every - (loop.time() - started)
            if pause > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=pause)
            else:
                await asyncio.sleep(0)  # let the loop breathe between back-to-back runs

    async def _deliver(self, stop: asyncio.Event) -> None:
        last_sweep: float | None = None
        failures = 0
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            handled = 0
            pause = self.config.poll_seconds
            try:
                sweep_every = self.config.sla_sweep_seconds
                if (
                    self.sla_sweep is not None
                    and sweep_every > 0  # 0 turns the sweep off (another worker runs it)
                    and (last_sweep is None or loop.time() - last_sweep >= sweep_every)
                ):
                    last_sweep = loop.time()
                    await self.sla_sweep(self.clock())
                handled = await self.run_once()
                failures = 0
            except Exception as exc:  # the loop must survive a database outage
                failures += 1
                if failures == 1:
                    log.exception("worker iteration failed")
                else:
                    log.warning("worker iteration failed again (%d): %s", failures, exc)
                pause = min(60.0, self.config.poll_seconds * 2 ** min(failures, 10))
            if handled == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=pause)

    async def run_once(self) -> int:
        """Claim one batch of due rows and deliver them; return how many were claimed."""
        claimed = await self.claim_batch()
        if not claimed:
            return 0
        gate = asyncio.Semaphore(self.config.concurrency)

        async def guarded(row: Claimed) -> str:
            async with gate:
                try:
                    return await self.process(row)
                except Exception:
                    # The lease runs out and the row is retried: nothing is lost.
                    log.exception(
                        "delivering outbox event failed", extra={"event_id": row.event_id}
                    )
                    return "retried"

        outcomes = Counter(await asyncio.gather(*(guarded(row) for row in claimed)))
        log.info(
            "outbox batch: %d events, %d delivered, %d retried, %d dead",
            len(claimed),
            outcomes["delivered"],
            outcomes["retried"],
            outcomes["dead"],
            extra={
                "worker": self.name,
                "events": len(claimed),
                "delivered": outcomes["delivered"],
                "retried": outcomes["retried"],
                "dead": outcomes["dead"],
            },
        )
        return len(claimed)

    async def drain(self, *, max_rounds: int = 50) -> int:
        """Run batches until nothing is due (for tests and `claims worker --once`)."""
        total = 0
        for _ in range(max_rounds):
            handled = await self.run_once()
            if not handled:
                break
            total += handled
        return total

    # ---- claiming ------------------------------------------------------------------------

    async def claim_batch(self) -> list[Claimed]:
        now = self.clock()
        async with self.factory() as session:
            rows = (
                (
                    await session.execute(
                        select(OutboxEvent)
                        .where(
                            col(OutboxEvent.status) == "pending",
                            col(OutboxEvent.available_at) <= now,
                        )
                        .order_by(col(OutboxEvent.available_at), col(OutboxEvent.id))
                        .limit(self.config.batch_size)
                        .with_for_update(skip_locked=True)
                    )
                )
                .scalars()
                .all()
            )
            claimed = []
            for row in rows:
                row.attempts += 1
                row.available_at = now + self.config.lease
                assert row.id is not None
                claimed.append(
                    Claimed(
                        row.id,
                        row.event_id,
                        row.type,
                        dict(row.payload),
                        row.created_at,
                        row.attempts,
                    )
                )
            await session.commit()
        return claimed

    # ---- one event -----------------------------------------------------------------------

    async def process(self, row: Claimed) -> str:
        """Deliver one event; "delivered", "retried" or "dead" (also for a lost lease: "retried",
        the newer holder reports the end)."""
        targets = await self._prepare_targets(row)
        results = await asyncio.gather(*(self._attempt(row, t) for t in targets))
        for target, result in zip(targets, results, strict=True):
            if not result.ok:
                DELIVERY_FAILURES.labels(target.kind).inc()
        return await self._record(row, list(zip(targets, results, strict=True)))

    async def _prepare_targets(self, row: Claimed) -> list[Target]:
        """Create the deliveries on the first round; return those still pending."""
        async with self.factory() as session:
            existing = (
                (await session.execute(select(Delivery).where(col(Delivery.outbox_id) == row.id)))
                .scalars()
                .all()
            )
            if not existing:
                for delivery in await self._fan_out(session, row):
                    session.add(delivery)
                try:
                    await session.commit()
                except IntegrityError:  # another holder of an expired lease fanned out first
                    await session.rollback()
            result = await session.execute(
                select(Delivery, WebhookSubscription)
                .outerjoin(
                    WebhookSubscription,
                    col(Delivery.subscription_id) == col(WebhookSubscription.id),
                )
                .where(col(Delivery.outbox_id) == row.id, col(Delivery.status) == "pending")
                .order_by(col(Delivery.id))
            )
            targets: list[Target] = []
            for delivery, sub in result.all():
                assert delivery.id is not None
                if delivery.target == "email":
                    message = http.email_request(
                        http.email_of(row.type, row.payload) or {},
                        event_id=row.event_id,
                        domain=self.config.message_id_domain,
                    )
                    message.setdefault("from", self.config.email_from)
                    targets.append(Target(delivery.id, "email", delivery.url, message=message))
                elif sub is None or not sub.active:
                    # Unsubscribed since the fan-out: record it and stop trying this target.
                    delivery.status = "dead"
                    delivery.last_error = "subscription deleted or deactivated"
                else:
                    targets.append(Target(delivery.id, "webhook", sub.url, secret=sub.secret))
            await session.commit()
            return targets

    async def _fan_out(self, session: Any, row: Claimed) -> list[Delivery]:
        deliveries = []
        email = http.email_of(row.type, row.payload)
        if email is not None:
            message_id = http.outbound_message_id(
                email, event_id=row.event_id, domain=self.config.message_id_domain
            )
            deliveries.append(
                Delivery(
                    outbox_id=row.id,
                    event_id=row.event_id,
                    event_type=row.type,
                    target="email",
                    url=self.config.email_gateway_url or "",
                    message_id=str(message_id)[:500],
                )
            )
        if row.type in EMAIL_EVENT_TYPES:
            return deliveries  # a bare email is nobody's webhook event
        subs = (
            (
                await session.execute(
                    select(WebhookSubscription).where(col(WebhookSubscription.active) == True)  # noqa: E712
                )
            )
            .scalars()
            .all()
        )
        return deliveries + [
            Delivery(
                outbox_id=row.id,
                event_id=row.event_id,
                event_type=row.type,
                target=f"webhook:{sub.id}",
                subscription_id=sub.id,
                url=sub.url,
            )
            for sub in subs
            if "*" in sub.event_types or row.type in sub.event_types
        ]

    async def _attempt(self, row: Claimed, target: Target) -> http.AttemptResult:
        if target.kind == "email":
            if not self.config.email_gateway_url:
                return http.AttemptResult(False, None, "CLAIMS_EMAIL_GATEWAY_URL is not set", 0)
            assert target.message is not None
            try:
                message = await http.inline_attachments(target.message, self.config.storage_dir)
                destination = await self.config.outbound.check(self.config.email_gateway_url)
            except http.AttachmentMissing as exc:
                return http.AttemptResult(False, None, str(exc), 0)
            except Refused as exc:
                return self._refused(row, target, exc)
            return await http.send_email(
                self.http_client,
                destination=destination,
                message=message,
                event_id=row.event_id,
                token=self.config.email_gateway_token,
                username=self.config.email_gateway_username,
                password=self.config.email_gateway_password,
            )
        assert target.secret is not None
        try:
            destination = await self.config.outbound.check(target.url)
        except Refused as exc:
            return self._refused(row, target, exc)
        return await http.send_webhook(
            self.http_client,
            destination=destination,
            secret=target.secret,
            event_id=row.event_id,
            event_type=row.type,
            occurred_at=row.created_at,
            data=row.payload,
        )

    def _refused(self, row: Claimed, target: Target, exc: Refused) -> http.AttemptResult:
        log.warning(
            "outbound call refused",
            extra={"event_id": row.event_id, "target": target.kind, "reason": exc.reason},
        )
        return http.refused(exc.reason)

    async def _record(self, row: Claimed, outcomes: list[tuple[Target, http.AttemptResult]]) -> str:
        now = self.clock()
        async with self.factory() as session:
            # The email's end, when this round reached it: (accepted, gateway id, error).
            email_end: tuple[bool, str | None, str | None] | None = None
            email_error: str | None = None
            for target, result in outcomes:
                delivery = await session.get(Delivery, target.delivery_id)
                if delivery is None:
                    continue
                delivery.attempts += 1
                delivery.last_status_code = result.status_code
                delivery.last_error = result.error
                session.add(
                    DeliveryAttempt(
                        delivery_id=target.delivery_id,
                        number=delivery.attempts,
                        at=now,
                        ok=result.ok,
                        status_code=result.status_code,
                        duration_ms=result.duration_ms,
                        error=(result.error or None) and result.error[:2000],
                        response_excerpt=result.response_excerpt,
                    )
                )
                if result.ok:
                    delivery.status = "delivered"
                    delivery.delivered_at = now
                    if target.kind == "email":
                        answer = http.gateway_id(result.response_excerpt)
                        email_end = (True, answer or delivery.message_id, None)
                elif target.kind == "email":
                    email_error = _email_error(result)
                    if http.refused_for_good(result):
                        delivery.status = "dead"
                        email_end = (False, None, email_error)
            await session.flush()
            if email_end is not None:
                await self._email_outcome(session, row, *email_end)
            outbox = (
                await session.execute(
                    select(OutboxEvent).where(col(OutboxEvent.id) == row.id).with_for_update()
                )
            ).scalar_one()
            if outbox.status != "pending" or outbox.attempts != row.token:
                # We lost the lease; the attempts above are still history worth keeping.
                await session.commit()
                return "retried"
            pending = (
                (
                    await session.execute(
                        select(col(Delivery.id)).where(
                            col(Delivery.outbox_id) == row.id, col(Delivery.status) == "pending"
                        )
                    )
                )
                .scalars()
                .all()
            )
            errors = [f"{t.url or t.kind}: {r.error}" for t, r in outcomes if not r.ok]
            outbox.last_error = "; ".join(errors)[:2000] or None
            dead = (
                await session.execute(
                    select(col(Delivery.id))
                    .where(
                        col(Delivery.outbox_id) == row.id,
                        col(Delivery.target) == "email",
                        col(Delivery.status) == "dead",
                    )
                    .limit(1)
                )
            ).first()
            if not pending and dead is None:
                outbox.status = "delivered"
                outbox.delivered_at = now
                outbox.available_at = now
                verdict = "delivered"
            elif not pending:
                # An email the gateway refused for good: dead, for the admin to see (and
                # redeliver, once the address is fixed), though the webhooks went out.
                outbox.status = "dead"
                outbox.available_at = now
                verdict = "dead"
                log.warning("outbox event is dead", extra={"event_id": row.event_id})
            elif self.config.backoff.exhausted(outbox.attempts):
                outbox.status = "dead"
                await session.execute(
                    update(Delivery)
                    .where(col(Delivery.outbox_id) == row.id, col(Delivery.status) == "pending")
                    .values(status="dead")
                )
                if email_error is not None and email_end is None:
                    await self._email_outcome(
                        session, row, False, None, f"retries ran out: {email_error}"
                    )
                verdict = "dead"
                log.warning("outbox event is dead", extra={"event_id": row.event_id})
            else:
                delay = self.config.backoff.delay(outbox.attempts)
                outbox.available_at = now + timedelta(seconds=delay)
                verdict = "retried"
            await session.commit()
            return verdict

    async def _email_outcome(
        self,
        session: Any,
        row: Claimed,
        accepted: bool,
        gateway_id: str | None,
        error: str | None,
    ) -> None:
        if self.on_email_outcome is None:
            return
        try:
            # In a savepoint: a subscriber's failure must not lose the delivery's record, or
            # the email would go out again when the lease runs out.
            async with session.begin_nested():
                await self.on_email_outcome(
                    session,
                    event_id=row.event_id,
                    payload=row.payload,
                    accepted=accepted,
                    gateway_id=gateway_id,
                    error=error,
                )
        except Exception:
            log.exception("reporting an email's outcome failed", extra={"event_id": row.event_id})


def _email_error(result: http.AttemptResult) -> str:
    """What an admin (and a letter's `send_error`) is told: the error and the gateway's words."""
    error = result.error or "failed"
    if result.response_excerpt:
        error = f"{error}: {' '.join(result.response_excerpt.split())[:300]}"
    return error
