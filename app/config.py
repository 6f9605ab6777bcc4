"""Settings from the environment (prefix CLAIMS_), reached through a cached get_settings()."""

import ipaddress
import json
import re
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal, TypeVar

import holidays as holidays_lib
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app import msgids
from app.phones import is_known_region

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./claims.db"
_HOST_PATTERN = re.compile(r"(\*\.)?[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?")
# The key of a per-language setting's value for every language it does not name: the plain
# form ("CLAIMS_LETTER_COMPANY_NAME=Acme") such settings had before they were per language.
ANY_LANGUAGE = "*"
T = TypeVar("T")


def in_language(values: Mapping[str, T], lang: str | None) -> T | None:
    """A per-language setting's value for `lang`: its own, else the one for every language,
    else the English one (a Latvian letter reads a Latin name better than a Cyrillic one),
    else any."""
    for key in (lang, ANY_LANGUAGE, "en"):
        value = values.get(key) if key else None
        if value:
            return value
    return next((value for value in values.values() if value), None)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CLAIMS_",
        env_file=".env",
        extra="ignore",
        # A setting's docstring is its description (docs/configuration.md is made from them).
        use_attribute_docstrings=True,
    )

    environment: str = Field(
        "development",
        description="development | test | production; production refuses weak secrets",
    )
    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="postgresql+asyncpg://user@host:5432/name, or a SQLite file; "
        "postgresql:// and postgres:// are read as postgresql+asyncpg://",
    )
    database_pool_size: int = 10
    """Connections each process keeps open to PostgreSQL."""
    # A pre-ping costs three round trips per checkout on asyncpg (BEGIN, ";", ROLLBACK): a fifth
    # of the server's CPU on a listing (bench/RESULTS.md). Without it a connection the server
    # dropped fails one request, after which SQLAlchemy replaces the whole pool; recycling
    # retires connections before idle timeouts (PgBouncer, firewalls) cut them.
    database_pre_ping: bool = False
    database_pool_recycle: int = 1800
    """Seconds after which a pooled connection is replaced."""
    # No request waits on the database for ever (docs/operations.md): a database that is down,
    # stalled or locked answers 503 with Retry-After once one of these runs out. Seconds.
    database_connect_timeout: float = Field(5.0, gt=0, le=300)
    database_pool_timeout: float = Field(
        10.0, gt=0, le=300, description="waiting for a pooled connection"
    )
    # PostgreSQL's statement_timeout; the client gives up a little later, which also catches a
    # server that stopped answering. SQLite has no statement timeout.
    database_statement_timeout: float = Field(30.0, gt=0, le=3600)
    # PostgreSQL's lock_timeout, and SQLite's busy timeout (the wait for the write lock).
    database_lock_timeout: float = Field(10.0, gt=0, le=3600)
    # Each server remembers a key it has checked for this long, so a burst of requests costs
    # one lookup instead of one each (about a fifth of a listing's CPU, bench/RESULTS.md).
    # Revoking a key takes effect at once on the server that revoked it and within this many
    # seconds on the other replicas; 0 checks every request against the database.
    api_key_cache_seconds: float = Field(5.0, ge=0, le=300)
    storage_dir: Path = Path("./var/storage")
    """Folder for attachments and issued letters; must be writable."""
    log_level: str = "INFO"
    """DEBUG, INFO, WARNING or ERROR."""
    log_json: bool = True
    """Log one JSON object per line (false: plain text)."""

    # Limits on what a caller may send.
    max_body_bytes: int = 25 * 1024 * 1024
    """Largest request body accepted (413 above it)."""
    max_attachment_bytes: int = 20 * 1024 * 1024
    """Largest attachment accepted."""
    attachment_content_types: Annotated[list[str], NoDecode] = [
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "image/heic",
        "application/pdf",
        "text/plain",
        "text/csv",
        "application/zip",
        "video/mp4",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "message/rfc822",
    ]
    """Content types an attachment may have (checked by its first bytes)."""
    max_units_csv_bytes: int = 10 * 1024 * 1024
    """Largest CSV of units the import accepts."""

    # Admission control (app/middleware.py): the event loop runs every ready callback in one
    # iteration, so with many requests in progress the loop lags by all of their CPU, and
    # a transaction that holds a row lock waits that long for its COMMIT (bench/RESULTS.md).
    max_requests_in_progress: int = Field(
        8,
        ge=0,
        description="Requests each server process works on at once; the others wait, in "
        "arrival order, before a database session is opened. A request with a body waits only "
        "once its body has arrived; /healthz, /readyz, /metrics and the docs never wait. "
        "0: no limit",
    )
    admission_wait_seconds: float = Field(
        10.0,
        ge=0,
        le=300,
        description="Longest wait for one of those slots; past it the request is answered 503 "
        "with Retry-After (0: wait as long as it takes)",
    )

    # Customers: the language of a claim whose text does not tell it (app/language.py), and
    # the country of a phone number typed without a country code (app/phones.py).
    default_language: str = "en"
    """Language (two letters) of a claim whose text does not tell it."""
    phone_default_region: str = "LV"
    """Country of a phone number typed without a country code."""

    # SLA clock: acknowledgement due in 3 working days, 5 at the most. Working days come from
    # the country's public calendar (app/workdays.py), then the company's own dates on top.
    timezone: str = "Europe/Riga"
    """The company's time zone: local dates, deadlines, reports."""
    calendar_country: str = Field(
        "LV",
        description="ISO 3166 code of the country whose public holidays and transferred "
        "working days apply; empty: weekends only",
    )
    calendar_subdivision: str | None = None
    """Subdivision of the calendar country whose holidays apply too."""
    holidays: Annotated[list[date], NoDecode] = []
    """The company's own days off (YYYY-MM-DD), on top of the public calendar."""
    working_dates: Annotated[list[date], NoDecode] = []
    """Dates worked although the calendar says otherwise (YYYY-MM-DD)."""
    ack_due_working_days: int = 3
    """Working days to acknowledge a claim (the target)."""
    ack_deadline_working_days: int = 5
    """Working days after which an unacknowledged claim is late."""
    # A shorter acknowledgement target for key customers (unset: the same as everyone's).
    key_customer_ack_due_working_days: int | None = Field(None, ge=0, le=5)

    # Dates a caller gives: a claim's received_at (and a message's or letter's date) lies
    # between this local date and a little ahead of the server's clock (docs/dates.md).
    earliest_received_at: date = Field(
        date(2000, 1, 1),
        ge=date(1900, 1, 1),
        description="The earliest date a claim may say it was received",
    )
    received_at_max_ahead_seconds: int = Field(
        300, ge=0, le=86400, description="How far ahead of the server's clock a date may be"
    )

    # Claims: who owns a new one (docs/customers.md).
    default_owner: str | None = Field(
        None, description="The key name new claims are assigned to; unset leaves them unassigned"
    )

    # Idempotency records older than this may be purged.
    idempotency_ttl_hours: int = 48
    """Hours an Idempotency-Key is remembered."""

    # Events out (docs/events.md): the outbox worker, webhooks, the email gateway, SLA, reminders.
    run_worker_in_process: bool | None = Field(
        None,
        description="Run the outbox worker inside the server; default: on for SQLite "
        "outside tests, off otherwise (run `claims worker`)",
    )
    worker_poll_seconds: float = 2.0
    """Seconds the worker waits when the outbox is empty."""
    worker_batch_size: int = 20
    """Outbox rows a worker takes at once."""
    worker_lease_seconds: int = 120
    """Seconds a worker holds a row before another may take it over."""
    outbox_max_attempts: int = 10
    """Delivery attempts before a row is marked dead."""
    outbox_backoff_base_seconds: float = 10.0
    """First retry delay; it doubles with each attempt."""
    outbox_backoff_cap_seconds: float = 3600.0
    """Longest retry delay."""
    webhook_timeout_seconds: float = 10.0
    """Timeout of one webhook or gateway call."""
    # Webhooks and the email gateway are never called on a loopback, link-local, private,
    # multicast or reserved address, unless listed here: host names (`erp.corp.lv`,
    # `*.corp.lv`), addresses and networks (`10.20.0.0/16`), comma-separated.
    outbound_allow: Annotated[list[str], NoDecode] = []
    email_gateway_url: str | None = None
    """The email gateway's URL for outbound email; unset: nothing can be emailed."""
    email_gateway_token: SecretStr | None = None
    """Bearer token for the email gateway."""
    email_gateway_username: str | None = None
    """Basic-auth user for the email gateway (instead of a token)."""
    email_gateway_password: SecretStr | None = None
    """Basic-auth password for the email gateway."""
    email_from: str = "claims@example.com"
    """Sender address of reminders and escalations."""
    email_message_id_domain: str = "claims.example"
    """Domain on the right of the Message-IDs of outbound email."""
    resolution_target_working_days: int = 20
    """Working days to resolve a claim (the resolution clock)."""
    sla_due_soon_working_days: float = 1.0
    """How long before a deadline a claim counts as due soon."""
    sla_sweep_seconds: float = Field(60.0, description="0 turns the SLA sweep off in this worker")
    report_rollup_seconds: float = Field(
        300.0,
        ge=0,
        description="How often the worker brings the summary report's monthly rollups up to "
        "date (at most 24 months a round); 0 turns it off in this worker",
    )
    sla_escalation_email: str | None = None
    """Where overdue claims are escalated; unset: no escalation email."""
    reminder_after_days: float = 7.0
    """Days without an answer before the customer is reminded."""
    reminder_max: int = Field(
        3,
        ge=0,
        description="Reminders per wait for the customer; after the last one, a further "
        "CLAIMS_REMINDER_AFTER_DAYS without an answer escalates to the head of department",
    )
    reminder_key_customers: Literal["sign_off", "off"] = Field(
        "sign_off",
        description="Reminders to key customers: sign_off drafts a reminder letter and submits "
        "it for the director's approval instead of emailing; off sends none",
    )

    # Email intake (docs/email-intake.md): webhook secrets (comma-separated during a rotation),
    # the largest accepted delivery, and the allowed clock difference of signed timestamps.
    email_hmac_secret: SecretStr | None = None
    """HMAC secret(s) of the email intake webhook, comma-separated during a rotation."""
    email_mailgun_signing_key: SecretStr | None = None
    """Mailgun's webhook signing key, for the Mailgun form of intake."""
    email_max_bytes: int = 20 * 1024 * 1024
    """Largest email delivery accepted by the intake."""
    email_signature_tolerance: int = 300
    """Seconds a signed intake timestamp may differ from the clock."""
    # What one message may hold (app/mail/limits.py). Parsing runs in a worker process; a
    # message over a limit is stored raw as failed, with the reason, and can be retried once
    # the limit is raised, or assigned to a claim with the original attached.
    email_max_parts: int = Field(1000, ge=1, description="MIME parts in one message")
    email_max_depth: int = Field(20, ge=1, description="Nesting of multiparts and messages")
    email_max_headers: int = Field(500, ge=1, description="Header fields in one header section")
    email_max_line_bytes: int = Field(
        64 * 1024, ge=998, description="Longest line; a header counts unfolded"
    )
    # Mail from these domains (and their subdomains) is the company's own: filed on a claim as
    # an internal note, never as the customer's answer. Empty: the domains of CLAIMS_EMAIL_FROM,
    # CLAIMS_LETTER_FROM_ADDRESS and CLAIMS_LETTER_REPLY_DOMAIN.
    company_email_domains: Annotated[list[str], NoDecode] = []

    # Public web pages (/claim-form, /claim-status). The secret signs CSRF tokens and keys the
    # hashed client addresses of the rate limit; all replicas need the same one. Empty: a random
    # per-process secret outside production (production refuses it, like every weak secret).
    web_secret: SecretStr = SecretStr("")
    """Signs the form's CSRF tokens and keys the rate limit; the same on all replicas."""
    # Reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (addresses or
    # networks); `claims serve` hands them to uvicorn. Empty: no one's, so the address a
    # request came from is the client's, and a client cannot pick its own rate-limit bucket.
    trusted_proxies: Annotated[list[str], NoDecode] = []
    web_csrf_max_age_seconds: int = 4 * 3600
    """Seconds a claim form stays valid."""
    web_rate_window_seconds: int = 3600
    """The rate limit's window, in seconds."""
    web_rate_limit_claims: int = 10
    """Claims one client may submit per window."""
    web_rate_limit_status: int = 30
    """Status look-ups one client may make per window (ratings sent from the page: as many)."""
    web_public_url: str = ""
    """Where customers reach the public pages, e.g. https://claims.example.com: the closure letter
    links the claim's status page from it to ask for a rating. Empty: letters print no link."""
    web_max_photos: int = 5
    """Photos one web claim may carry."""
    web_max_photo_bytes: int = 4 * 1024 * 1024
    """Largest photo on the web form."""

    # Letters: letterhead, signatories, languages, email and PDF rendering (app/letters).
    # The letterhead per language: a JSON object {"lv": "...", "ru": "..."} (a language it does
    # not name takes the "*" value, else the English one), or one plain value for all of them.
    letter_company_name: Annotated[dict[str, str], NoDecode] = Field(
        # A Latvian SIA keeps its legal form in every language, as native writers name it.
        {
            "en": "Example Manufacturing Ltd",
            "lv": "SIA “Example Manufacturing”",
            "ru": "SIA «Example Manufacturing»",
            "bg": "„Example Manufacturing“ SIA",
        },
        description="The company's name per language, or one name for every language",
    )
    letter_company_address: Annotated[dict[str, list[str]], NoDecode] = Field(
        {
            "en": ["1 Factory Street", "Riga, LV-1001, Latvia"],
            "lv": ["Rūpnīcas iela 1", "Rīga, LV-1001, Latvija"],
            "ru": ["ул. Рупницас, 1", "Рига, LV-1001, Латвия"],
            "bg": ["ул. „Рупницас“ 1", "Рига, LV-1001, Латвия"],
        },
        description="Letterhead address lines per language; lines split by '|'",
    )
    letter_company_phone: str = ""
    """Letterhead phone."""
    letter_company_email: str = ""
    """Letterhead email."""
    letter_company_website: str = ""
    """Letterhead website."""
    letter_company_registration: Annotated[dict[str, str], NoDecode] = Field(
        {}, description="Registration line (numbers, VAT) per language, or one for all"
    )
    letter_company_city: Annotated[dict[str, str], NoDecode] = Field(
        {"en": "Riga", "lv": "Rīga", "ru": "Рига", "bg": "Рига"},
        description="The city the letters and acts are dated in, per language, or one for all",
    )
    letter_head_name: str = "Head of Quality Control"
    """Name of the head of the quality department (signs letters)."""
    letter_head_title: Annotated[dict[str, str], NoDecode] = {
        "en": "Head of Quality Control Department",
        "ru": "Начальник отдела контроля качества",
        "lv": "Kvalitātes kontroles nodaļas vadītājs",
        "bg": "Ръководител на отдел „Контрол на качеството“",
    }
    """The head's title per language (JSON object)."""
    letter_director_name: str = "Director"
    """Name of the director (signs letters to key customers)."""
    letter_director_title: Annotated[dict[str, str], NoDecode] = {
        "en": "Director",
        "ru": "Директор",
        "lv": "Direktors",
        "bg": "Директор",
    }
    """The director's title per language (JSON object, or one title for all)."""
    letter_default_language: str = "en"
    """Language of a letter when the claim's has no templates."""
    # A customer's language without templates goes down this chain, then to the default.
    letter_language_fallbacks: Annotated[dict[str, str], NoDecode] = Field(
        {},
        description=(
            'Letter language fallbacks, followed as a chain: JSON {"uk": "ru"} or '
            "uk=ru,be=uk; a language with templates (ru, lv, bg, en) is never replaced"
        ),
    )
    letter_from_address: str = "Quality Control <quality@example.com>"
    """Sender of letters sent by email."""
    letter_reply_domain: str = "claims.example.com"
    """Domain of the reply addresses and Message-IDs of letters."""
    letter_design_department_email: str | None = None
    """Where design memos are emailed; unset: not emailed."""
    letter_templates_dir: Path | None = None
    """A folder of templates that override the built-in ones."""
    letter_pdf_workers: int | None = None
    """Processes rendering PDFs; unset: two, or one on a single CPU."""
    letter_email_max_bytes: int = Field(
        15 * 1024 * 1024,
        ge=1,
        description="The most a letter's email may carry, its PDF and every enclosure together "
        "(bytes before encoding: base64 adds a third on the wire)",
    )

    # Registers (docs/registers-and-signers.md): each has its own gap-free series per year. A
    # pattern takes {year} and {seq} with Python's format options ("{seq:06}" pads to six digits).
    register_letter_format: str = Field(
        "L-{year}-{seq:06}", description="Outgoing letters' numbers, e.g. 01-12/{seq}"
    )
    register_memo_format: str = Field(
        "M-{year}-{seq:06}", description="Internal memos' numbers (the design memo)"
    )
    register_act_format: str = Field(
        "A-{year}-{seq:06}",
        description="Acts' numbers, for an act recorded without a number of its own",
    )
    # How an acting deputy's title is printed above their own name, per language.
    letter_head_acting_title: Annotated[dict[str, str], NoDecode] = Field(
        {
            "en": "Acting Head of Quality Control Department",
            "ru": "И. о. начальника отдела контроля качества",
            "lv": "Kvalitātes kontroles nodaļas vadītāja p.i.",
            "bg": "Изпълняващ длъжността ръководител на отдел „Контрол на качеството“",
        },
        description="The title a deputy acting for the head signs with",
    )
    letter_director_acting_title: Annotated[dict[str, str], NoDecode] = Field(
        {
            "en": "Acting Director",
            "ru": "И. о. директора",
            "lv": "Direktora p.i.",
            "bg": "Изпълняващ длъжността директор",
        },
        description="The title a deputy acting for the director signs with",
    )

    # Signing issued letters (docs/signing.md). Without a PKCS#12 file letters are issued as
    # unsigned PDF/A. The password comes from the variable or, better, a file (a secrets mount).
    signing_pkcs12: Path | None = None
    """PKCS#12 file with the certificate that signs issued letters."""
    signing_password: SecretStr | None = None
    """The PKCS#12 file's password."""
    signing_password_file: Path | None = None
    """A file holding that password (a secrets mount)."""
    signing_trust_anchors: Annotated[list[Path], NoDecode] = Field(
        [], description="PEM files of the CAs a signature must chain to, comma-separated"
    )
    signing_tsa_url: str | None = Field(
        None, description="RFC 3161 timestamp authority; set: signatures are PAdES B-T"
    )
    signing_tsa_timeout_seconds: float = Field(10.0, gt=0, le=120)
    verify_max_bytes: int = Field(10 * 1024 * 1024, ge=1024)

    # Claims against suppliers (docs/suppliers.md).
    supplier_claim_answer_days: int = Field(
        30,
        ge=1,
        le=365,
        description="Calendar days a supplier has to accept or reject a claim after it was sent; "
        "after that the supplier claim is listed as overdue",
    )

    # Reports (docs/reports.md).
    reports_recurring_threshold: int = Field(3, ge=2)
    reports_recurring_window_days: int = Field(90, ge=1, le=3660)
    reports_batch_serial_suffix: int = Field(3, ge=1, le=20)
    reports_uncoded_causes: Annotated[list[str], NoDecode] = ["undetermined", "needs_info"]
    """Defect causes that count as not yet coded in the recurring-defects report."""
    reports_similarity_candidates: int = Field(1000, ge=10, le=20000)
    reports_trigram_similarity: float = Field(0.45, gt=0, le=1)
    reports_token_similarity: float = Field(0.4, gt=0, le=1)
    reports_currency: str = Field("EUR", pattern="^[A-Z]{3}$")
    reports_dashboard_cookie_hours: int = Field(
        8,
        ge=1,
        le=24 * 30,
        description="How long the dashboard's signed session cookie is valid, in hours; it is "
        "signed with CLAIMS_WEB_SECRET and refused at once when its key is revoked",
    )

    # Corrective actions (docs/corrective-actions.md).
    corrective_effectiveness_days: int = Field(
        90,
        ge=7,
        le=3660,
        description="How long after a fix took effect its effectiveness is checked, in days; "
        "also the length of the before and after windows the claim rates are compared over",
    )
    corrective_effective_reduction: float = Field(
        0.5,
        gt=0,
        le=1,
        description="How much the claim rate must fall for a fix to count as effective: 0.5 "
        "means the rate after the fix is at most half the rate before it",
    )

    # Metrics and tracing (docs/operations.md).
    metrics_access: Literal["key", "open", "off"] = Field(
        "key",
        description="Who may read GET /metrics: `key` an API key with the auditor or admin role "
        "(X-API-Key, or Authorization: Bearer); `open` anyone who reaches the port (only "
        "behind a network that keeps /metrics private); `off` answers 404",
    )
    metrics_query_timeout_seconds: float = Field(
        2.0,
        gt=0,
        le=30,
        description="Time the scrape's database gauges (outbox, failed emails, overdue claims) "
        "may take; past it the scrape answers without them and claims_metrics_database_up is 0",
    )

    @field_validator("database_url", mode="before")
    @classmethod
    def _async_driver(cls, value: object) -> object:
        return normalise_database_url(value) if isinstance(value, str) else value

    @field_validator("reports_uncoded_causes", mode="before")
    @classmethod
    def _split_causes(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("outbound_allow", mode="before")
    @classmethod
    def _split_allow(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("outbound_allow")
    @classmethod
    def _hosts_or_networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry.strip("[]"), strict=False)
            except ValueError:
                if not _HOST_PATTERN.fullmatch(entry):
                    raise ValueError(
                        f"CLAIMS_OUTBOUND_ALLOW: {entry!r} is neither a host name "
                        "(erp.corp.lv, *.corp.lv) nor an address or network (10.20.0.0/16)"
                    ) from None
        return value

    @field_validator("company_email_domains", mode="before")
    @classmethod
    def _split_domains(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip().lower() for item in value.split(",") if item.strip()]
        return value

    @field_validator("email_message_id_domain", "letter_reply_domain")
    @classmethod
    def _msg_id_domain(cls, value: str) -> str:
        # Both end up on the right of the Message-IDs we send.
        if msgids.stored(f"x@{value}") is None:
            raise ValueError(f"must be a domain name such as claims.example.com, not {value!r}")
        return value

    @field_validator("attachment_content_types", mode="before")
    @classmethod
    def _split_types(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(
                    f"CLAIMS_TRUSTED_PROXIES: {item!r} is not an IP address or network "
                    "(such as 10.0.0.5 or 10.0.0.0/24; '*' is not accepted)"
                ) from None
        return value

    @field_validator("register_letter_format", "register_memo_format", "register_act_format")
    @classmethod
    def _register_format(cls, value: str) -> str:
        # Checked at start, so a bad pattern stops the process rather than an issue.
        if "{seq" not in value:
            raise ValueError(f"a register's format must contain {{seq}}, not {value!r}")
        try:
            sample = value.format(year=2026, seq=999999)
        except (AttributeError, KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"{value!r} takes only {{year}} and {{seq}}: {exc}") from None
        if len(sample) > 50:
            raise ValueError(f"{value!r} makes numbers longer than 50 characters")
        return value

    @field_validator(
        "letter_company_name",
        "letter_company_registration",
        "letter_company_city",
        "letter_head_title",
        "letter_director_title",
        "letter_head_acting_title",
        "letter_director_acting_title",
        mode="before",
    )
    @classmethod
    def _per_language(cls, value: object) -> object:
        if isinstance(value, str):
            if value.lstrip().startswith("{"):
                try:
                    return json.loads(value)
                except ValueError as exc:
                    raise ValueError(f"not a JSON object of languages: {exc}") from None
            return {ANY_LANGUAGE: value}
        return value

    @field_validator("letter_company_address", mode="before")
    @classmethod
    def _split_lines(cls, value: object) -> object:
        # "Street 1|Riga, LV-1001": one letterhead line per part, in every language or per one.
        value = cls._per_language(value)
        if isinstance(value, list | tuple):
            value = {ANY_LANGUAGE: value}
        if isinstance(value, dict):
            return {
                lang: [item.strip() for item in lines.split("|") if item.strip()]
                if isinstance(lines, str)
                else lines
                for lang, lines in value.items()
            }
        return value

    @field_validator("letter_language_fallbacks", mode="before")
    @classmethod
    def _fallback_pairs(cls, value: object) -> object:
        if isinstance(value, str):
            if value.lstrip().startswith("{"):
                try:
                    value = json.loads(value)
                except ValueError as exc:
                    raise ValueError(f"not a JSON object of languages: {exc}") from None
            else:
                pairs = [item.split("=", 1) for item in value.split(",") if item.strip()]
                if any(len(pair) != 2 for pair in pairs):
                    raise ValueError(f"expected pairs such as uk=ru,be=uk, not {value!r}")
                value = dict(pairs)
        if isinstance(value, dict):
            return {str(k).strip().lower(): str(v).strip().lower() for k, v in value.items()}
        return value

    @field_validator("signing_trust_anchors", mode="before")
    @classmethod
    def _split_paths(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("signing_tsa_url", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return (value.strip() or None) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _signing_password_from_file(self) -> "Settings":
        # Read once at start, so a missing secrets mount stops the process rather than an issue.
        if self.signing_password_file is not None:
            if self.signing_password is not None:
                raise ValueError(
                    "Set CLAIMS_SIGNING_PASSWORD or CLAIMS_SIGNING_PASSWORD_FILE, not both"
                )
            try:
                text = self.signing_password_file.read_text(encoding="utf-8")
            except OSError as exc:
                raise ValueError(
                    f"CLAIMS_SIGNING_PASSWORD_FILE cannot be read: {exc.strerror}"
                ) from None
            self.signing_password = SecretStr(text.rstrip("\r\n"))
        return self

    @field_validator("holidays", "working_dates", mode="before")
    @classmethod
    def _split_dates(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("calendar_country", mode="before")
    @classmethod
    def _country_code(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("calendar_subdivision", mode="before")
    @classmethod
    def _subdivision(cls, value: object) -> object:
        if isinstance(value, str):
            return value.strip() or None
        return value

    @model_validator(mode="after")
    def _known_calendar(self) -> "Settings":
        # Checked here so that a typo stops the process at start, not the first registration.
        _check_calendar(self.calendar_country, self.calendar_subdivision)
        both = sorted(set(self.holidays) & set(self.working_dates))
        if both:
            days = ", ".join(day.isoformat() for day in both)
            raise ValueError(f"CLAIMS_HOLIDAYS and CLAIMS_WORKING_DATES both list {days}")
        return self

    @field_validator("default_language")
    @classmethod
    def _two_letter_language(cls, value: str) -> str:
        if not re.fullmatch("[a-z]{2}", value):
            raise ValueError(
                f"CLAIMS_DEFAULT_LANGUAGE must be two lowercase letters, not {value!r}"
            )
        return value

    @field_validator("phone_default_region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        value = value.strip().upper()
        if not is_known_region(value):
            raise ValueError(
                f"CLAIMS_PHONE_DEFAULT_REGION must be a region code such as LV, not {value!r}"
            )
        return value

    @property
    def company_domains(self) -> frozenset[str]:
        """The company's own mail domains (CLAIMS_COMPANY_EMAIL_DOMAINS or its default)."""
        if self.company_email_domains:
            return frozenset(d.lower().lstrip("@") for d in self.company_email_domains)
        found = re.findall(r"@([A-Za-z0-9.-]+)", f"{self.email_from} {self.letter_from_address}")
        return frozenset(d.lower().strip(".") for d in [*found, self.letter_reply_domain] if d)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def worker_in_process(self) -> bool:
        if self.run_worker_in_process is not None:
            return self.run_worker_in_process
        # An in-memory SQLite database is private to one connection: no worker could see it.
        in_memory = ":memory:" in self.database_url or "mode=memory" in self.database_url
        return self.is_sqlite and not in_memory and self.environment != "test"

    @model_validator(mode="after")
    def _refuse_weak_secrets_in_production(self) -> "Settings":
        if self.environment == "production":
            for name, value in self:
                # A PKCS#12 password comes with the certificate; its strength is not ours to set.
                if name == "signing_password":
                    continue
                if isinstance(value, SecretStr) and len(value.get_secret_value()) < 16:
                    raise ValueError(f"CLAIMS_{name.upper()} must be set to a strong secret")
        return self


# URLs as other tools write them, and the driver this service talks to each with.
_DRIVERS = {
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+psycopg": "postgresql+asyncpg",
    "postgresql+psycopg2": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
}


def normalise_database_url(url: str) -> str:
    """`postgresql://…` (libpq's, psql's, Heroku's `postgres://`) and `sqlite:///…` with the
    async driver the service uses: the same database, not a missing module or plugin."""
    url = url.strip()
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    return f"{_DRIVERS.get(scheme.lower(), scheme)}://{rest}"


def _check_calendar(country: str, subdivision: str | None) -> None:
    """Refuse a country or subdivision the holidays library does not know, in one line."""
    if not country:
        if subdivision:
            raise ValueError("CLAIMS_CALENDAR_SUBDIVISION needs CLAIMS_CALENDAR_COUNTRY")
        return
    # No years: nothing is computed, only the codes are looked up.
    try:
        holidays_lib.country_holidays(country, years=())
    except NotImplementedError:
        raise ValueError(
            f"CLAIMS_CALENDAR_COUNTRY={country!r} is not a country the holidays library knows "
            "(an ISO 3166 code such as LV, or empty for weekends only)"
        ) from None
    if subdivision is None:
        return
    try:
        holidays_lib.country_holidays(country, subdiv=subdivision, years=())
    except NotImplementedError:
        raise ValueError(
            f"CLAIMS_CALENDAR_SUBDIVISION={subdivision!r} is not a subdivision of {country}"
        ) from None


@lru_cache
def get_settings() -> Settings:
    return Settings()
